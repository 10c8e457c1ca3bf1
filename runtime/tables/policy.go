package tables

import (
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The table of policy/v1 PodDisruptionBudgets, as upstream's
// printPodDisruptionBudget: a bound not set shows N/A.
var pdbPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Min Available", typeString, "The minimum number or percentage of available pods this budget requires."),
		col("Max Unavailable", typeString, "The maximum number or percentage of unavailable pods this budget requires."),
		col("Allowed Disruptions", typeInteger, "Calculated number of pods that may be disrupted at this time."),
		ageCol(),
	},
	func(pdb *policyv1.PodDisruptionBudget, now time.Time) metav1.TableRow {
		minAvailable, maxUnavailable := "N/A", "N/A"
		if pdb.Spec.MinAvailable != nil {
			minAvailable = pdb.Spec.MinAvailable.String()
		}
		if pdb.Spec.MaxUnavailable != nil {
			maxUnavailable = pdb.Spec.MaxUnavailable.String()
		}
		return metav1.TableRow{Cells: []any{pdb.Name, minAvailable, maxUnavailable, int64(pdb.Status.DisruptionsAllowed), age(pdb.CreationTimestamp, now)}}
	},
)

func init() {
	printers[schema.GroupResource{Group: policyv1.GroupName, Resource: "poddisruptionbudgets"}] = pdbPrinter
}
