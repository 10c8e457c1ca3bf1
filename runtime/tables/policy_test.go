package tables

import (
	"strings"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/runtime/api"
)

// kubectl get pdb: the bound not set is N/A, as upstream's printer.
func TestPodDisruptionBudgetRows(t *testing.T) {
	var names []string
	for _, c := range Columns(api.PodDisruptionBudgets) {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, "|"); got != "Name|Min Available|Max Unavailable|Allowed Disruptions|Age" {
		t.Fatalf("columns %s", got)
	}
	one, half := intstr.FromInt32(1), intstr.FromString("50%")
	minOne := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(2 * time.Minute)},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &one}, Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 2}}
	maxHalf := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "db", CreationTimestamp: ago(3 * time.Hour)},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &half}}
	wantCells(t, "minAvailable", cells(t, api.PodDisruptionBudgets, minOne), "web", "1", "N/A", int64(2), "2m")
	wantCells(t, "maxUnavailable", cells(t, api.PodDisruptionBudgets, maxHalf), "db", "N/A", "50%", int64(0), "3h")
}
