package kubectl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/printers"
)

// waitCommand is kubectl wait: block until objects meet a condition
// (--for=condition=Ready, --for=delete, --for=jsonpath='{.status.phase}'=Running).
func (kc *kubectl) waitCommand() *cobra.Command {
	var forSpec, selector string
	var timeout time.Duration
	var all bool
	c := &cobra.Command{
		Use:   "wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=delete|--for condition=available|--for=jsonpath='{}'[=value]]",
		Short: "Wait for a specific condition on one or many resources",
		Example: "  podlab wait --for=condition=Ready pod/web\n" +
			"  podlab wait --for=jsonpath='{.status.phase}'=Running pod/web --timeout=60s\n" +
			"  podlab wait --for=delete pod/web",
		RunE: func(cmd *cobra.Command, args []string) error {
			met, err := waitCondition(forSpec)
			if err != nil {
				return err
			}
			deadline := time.Now().Add(timeout)
			ns := kc.NS()
			return kc.eachSelected(cmd, args, ns, selector, all, func(cl client.Interface, res api.Resource, name string) error {
				for first := true; ; first = false {
					obj, err := cl.Get(cmd.Context(), res, ns, name)
					if apierrors.IsNotFound(err) && strings.HasPrefix(forSpec, "delete") {
						// Gone before the wait began: nothing to report, as kubectl.
						if !first {
							fmt.Fprintf(kc.Stdout, "%s deleted\n", typeName(res, name))
						}
						return nil
					}
					if err != nil && !apierrors.IsNotFound(err) {
						return err
					}
					if err == nil && met(obj) {
						fmt.Fprintf(kc.Stdout, "%s condition met\n", typeName(res, name))
						return nil
					}
					if !time.Now().Before(deadline) {
						if err != nil {
							return err
						}
						return fmt.Errorf("timed out waiting for the condition on %s", res.Name+"/"+name)
					}
					select {
					case <-cmd.Context().Done():
						return cmd.Context().Err()
					case <-time.After(200 * time.Millisecond):
					}
				}
			})
		},
	}
	c.Flags().StringVar(&forSpec, "for", "", "The condition to wait on: [delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath value]].")
	c.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "The length of time to wait before giving up.")
	c.Flags().StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	c.Flags().BoolVar(&all, "all", false, "Select all resources in the namespace of the specified resource types")
	return c
}

// waitCondition turns --for into a test of an object.
func waitCondition(spec string) (func(api.Object) bool, error) {
	switch {
	case spec == "delete":
		return func(api.Object) bool { return false }, nil
	case strings.HasPrefix(spec, "condition="):
		name, want, ok := strings.Cut(strings.TrimPrefix(spec, "condition="), "=")
		if !ok {
			want = "true"
		}
		return func(obj api.Object) bool {
			for _, c := range conditionsOf(obj) {
				if strings.EqualFold(c.typ, name) && strings.EqualFold(c.status, want) {
					return true
				}
			}
			return false
		}, nil
	case strings.HasPrefix(spec, "jsonpath="):
		rest := strings.TrimPrefix(spec, "jsonpath=")
		end := strings.LastIndex(rest, "}")
		want, ok := "", false
		tail := ""
		if end >= 0 {
			tail = strings.TrimPrefix(rest[end+1:], "'")
			want, ok = strings.CutPrefix(tail, "=")
		}
		if end < 0 || (!ok && tail != "") {
			return nil, fmt.Errorf("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3")
		}
		// Without a value (kubectl 1.31+), the field only has to be there.
		exists := !ok
		jp, err := printers.NewJSONPath(strings.TrimPrefix(rest[:end+1], "'"), false)
		if err != nil {
			return nil, err
		}
		want = strings.Trim(want, "'\"")
		return func(obj api.Object) bool {
			var buf bytes.Buffer
			if jp.PrintObjects(&buf, []api.Object{obj}, false) != nil {
				return false
			}
			got := strings.TrimSpace(buf.String())
			return exists && got != "" || !exists && got == want
		}, nil
	}
	return nil, fmt.Errorf("unrecognized condition: %q", spec)
}

type condition struct{ typ, status string }

// conditionsOf reads status.conditions[].type and .status of any kind, as
// kubectl wait does on the unstructured object (Deployments, Jobs,
// DaemonSets and PodDisruptionBudgets have them too).
func conditionsOf(obj api.Object) []condition {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil
	}
	var doc struct {
		Status struct {
			Conditions []struct {
				Type   string `json:"type"`
				Status string `json:"status"`
			} `json:"conditions"`
		} `json:"status"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	out := make([]condition, 0, len(doc.Status.Conditions))
	for _, c := range doc.Status.Conditions {
		out = append(out, condition{c.Type, c.Status})
	}
	return out
}
