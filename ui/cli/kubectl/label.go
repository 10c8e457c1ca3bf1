package kubectl

import (
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// labelCommand builds `label` and `annotate`, which differ only in the map they change.
func (kc *kubectl) labelCommand(verb string) *cobra.Command {
	var overwrite, all bool
	var selector string
	field, past := "labels", "labeled"
	if verb == "annotate" {
		field, past = "annotations", "annotated"
	}
	c := &cobra.Command{
		Use:               verb + " [--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... KEY_N=VAL_N",
		Short:             fmt.Sprintf("Update the %s on a resource", field),
		Example:           fmt.Sprintf("  podlab %s pod web tier=frontend\n  podlab %s pod web tier-", verb, verb),
		ValidArgsFunction: kc.completeResources,
		RunE: func(cmd *cobra.Command, args []string) error {
			objArgs, changes := splitChanges(args, "=")
			if len(changes) == 0 {
				return fmt.Errorf("at least one %s update is required", strings.TrimSuffix(field, "s"))
			}
			set, remove := map[string]string{}, []string{}
			for _, ch := range changes {
				if k, ok := strings.CutSuffix(ch, "-"); ok && !strings.Contains(ch, "=") {
					remove = append(remove, k)
					continue
				}
				k, v, _ := strings.Cut(ch, "=")
				if verb == "label" {
					if errs := validation.IsQualifiedName(k); len(errs) > 0 {
						return fmt.Errorf("invalid label spec: %s", ch)
					}
					if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
						return fmt.Errorf("invalid label value: %q: %s", ch, strings.Join(errs, "; "))
					}
				}
				set[k] = v
			}
			ns := kc.NS()
			return kc.eachSelected(cmd, objArgs, ns, selector, all, func(cl client.Interface, res api.Resource, name string) error {
				return kc.relabel(cmd, cl, res, ns, name, field, past, set, remove, overwrite)
			})
		},
	}
	c.Flags().BoolVar(&overwrite, "overwrite", false, fmt.Sprintf("If true, allow %s to be overwritten, otherwise reject updates that overwrite existing %s", field, field))
	c.Flags().StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	c.Flags().BoolVar(&all, "all", false, "Select all resources, in the namespace of the specified resource types")
	return c
}

func (kc *kubectl) relabel(cmd *cobra.Command, cl client.Interface, res api.Resource, ns, name, field, past string, set map[string]string, remove []string, overwrite bool) error {
	cur, err := cl.Get(cmd.Context(), res, ns, name)
	if err != nil {
		return err
	}
	existing := cur.GetLabels()
	if field == "annotations" {
		existing = cur.GetAnnotations()
	}
	patch := map[string]any{}
	changed := false
	for k, v := range set {
		if old, ok := existing[k]; ok && !overwrite {
			if old == v {
				continue
			}
			return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", k, old)
		}
		if existing[k] != v || existing == nil {
			changed = true
		}
		patch[k] = v
	}
	for _, k := range remove {
		if _, ok := existing[k]; ok {
			changed = true
		}
		patch[k] = nil
	}
	if !changed {
		fmt.Fprintf(kc.Stdout, "%s not %s\n", typeName(res, name), past)
		return nil
	}
	body, _ := json.Marshal(map[string]any{"metadata": map[string]any{field: patch}})
	// kubectl's own field managers, so managedFields name the command.
	fieldManager := "kubectl-label"
	if field == "annotations" {
		fieldManager = "kubectl-annotate"
	}
	if _, _, err := cl.Patch(cmd.Context(), res, ns, name, types.MergePatchType, body, metav1.PatchOptions{FieldManager: fieldManager}); err != nil {
		return err
	}
	verb := past
	if len(set) == 0 && field == "labels" {
		verb = "unlabeled"
	}
	fmt.Fprintf(kc.Stdout, "%s %s\n", typeName(res, name), verb)
	return nil
}

// splitChanges separates a command's object arguments (pods web, node/n1)
// from its changes: arguments holding one of marks (key=value, key:Effect)
// or ending in "-" (a removal).
func splitChanges(args []string, marks string) (objArgs, changes []string) {
	for _, arg := range args {
		if strings.ContainsAny(arg, marks) || strings.HasSuffix(arg, "-") {
			changes = append(changes, arg)
		} else {
			objArgs = append(objArgs, arg)
		}
	}
	return objArgs, changes
}
