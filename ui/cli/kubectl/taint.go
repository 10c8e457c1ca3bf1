package kubectl

import (
	"encoding/json"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// taintCommand is kubectl taint: add (key[=value]:Effect), or remove
// (key[:Effect]-) taints on nodes, which the scheduler and the
// taint-eviction controller then act on.
func (kc *kubectl) taintCommand() *cobra.Command {
	var overwrite, all bool
	var selector string
	c := &cobra.Command{
		Use:   "taint NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N",
		Short: "Update the taints on one or more nodes",
		Example: "  podlab taint nodes node-1 dedicated=lab:NoSchedule\n" +
			"  podlab taint nodes node-1 dedicated:NoSchedule-\n" +
			"  podlab taint nodes node-1 maintenance=true:NoExecute",
		RunE: func(cmd *cobra.Command, args []string) error {
			objArgs, specs := splitChanges(args, "=:")
			if len(specs) == 0 {
				return fmt.Errorf("at least one taint update is required")
			}
			add, remove, err := parseTaints(specs)
			if err != nil {
				return err
			}
			return kc.eachSelected(cmd, objArgs, "", selector, all, func(cl client.Interface, res api.Resource, name string) error {
				if res.Name != api.Nodes.Name {
					return fmt.Errorf("taints apply to nodes, not %s", res.Name)
				}
				return kc.retaint(cmd, cl, name, add, remove, overwrite)
			})
		},
	}
	c.Flags().BoolVar(&overwrite, "overwrite", false, "If true, allow taints to be overwritten, otherwise reject taint updates that overwrite existing taints.")
	c.Flags().StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	c.Flags().BoolVar(&all, "all", false, "Select all nodes in the cluster")
	return c
}

// parseTaints reads kubectl's taint specs: key=value:Effect, key:Effect to
// add; key-, key:Effect- to remove.
func parseTaints(specs []string) (add, remove []corev1.Taint, err error) {
	effects := map[corev1.TaintEffect]bool{corev1.TaintEffectNoSchedule: true, corev1.TaintEffectPreferNoSchedule: true, corev1.TaintEffectNoExecute: true}
	for _, spec := range specs {
		if k, ok := strings.CutSuffix(spec, "-"); ok {
			key, effect, _ := strings.Cut(k, ":")
			if effect != "" && !effects[corev1.TaintEffect(effect)] {
				return nil, nil, fmt.Errorf("invalid taint effect: %s, unsupported taint effect", effect)
			}
			remove = append(remove, corev1.Taint{Key: key, Effect: corev1.TaintEffect(effect)})
			continue
		}
		kv, effect, ok := strings.Cut(spec, ":")
		if !ok || effect == "" {
			return nil, nil, fmt.Errorf("invalid taint spec: %s", spec)
		}
		if !effects[corev1.TaintEffect(effect)] {
			return nil, nil, fmt.Errorf("invalid taint effect: %s, unsupported taint effect", effect)
		}
		key, value, _ := strings.Cut(kv, "=")
		if errs := validation.IsQualifiedName(key); len(errs) > 0 {
			return nil, nil, fmt.Errorf("invalid taint spec: %s, %s", spec, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
			return nil, nil, fmt.Errorf("invalid taint spec: %s, %s", spec, strings.Join(errs, "; "))
		}
		add = append(add, corev1.Taint{Key: key, Value: value, Effect: corev1.TaintEffect(effect)})
	}
	return add, remove, nil
}

// retaint applies the changes to one node as kubectl's taint does.
func (kc *kubectl) retaint(cmd *cobra.Command, cl client.Interface, name string, add, remove []corev1.Taint, overwrite bool) error {
	obj, err := cl.Get(cmd.Context(), api.Nodes, "", name)
	if err != nil {
		return err
	}
	// kubectl's reorganizeTaints: the added taints first, then the node's
	// others, each old taint an added one matches (key and effect) replaced.
	old := obj.(*corev1.Node).Spec.Taints
	taints := append([]corev1.Taint(nil), add...)
	for _, o := range old {
		matched := false
		for _, t := range add {
			if t.MatchTaint(&o) {
				matched = true
			}
		}
		if !matched {
			taints = append(taints, o)
		} else if !overwrite {
			return fmt.Errorf("node %s already has %s taint(s) with same effect(s) and --overwrite is false", name, o.Key)
		}
	}
	added := len(taints) != len(old)
	for _, r := range remove {
		kept := taints[:0]
		removed := false
		for _, t := range taints {
			if t.Key == r.Key && (r.Effect == "" || t.Effect == r.Effect) {
				removed = true
				continue
			}
			kept = append(kept, t)
		}
		if !removed {
			spec := r.Key
			if r.Effect != "" {
				spec += ":" + string(r.Effect)
			}
			return fmt.Errorf("taint %q not found", spec)
		}
		taints = kept
	}
	if taints == nil {
		taints = []corev1.Taint{}
	}
	body, _ := json.Marshal(map[string]any{"spec": map[string]any{"taints": taints}})
	if _, _, err := cl.Patch(cmd.Context(), api.Nodes, "", name, types.MergePatchType, body, metav1.PatchOptions{FieldManager: "kubectl-taint"}); err != nil {
		return err
	}
	// kubectl's words: modified when it both added and removed or was
	// told to overwrite, tainted when it added, else untainted.
	switch {
	case (added && len(remove) > 0) || overwrite:
		fmt.Fprintf(kc.Stdout, "node/%s modified\n", name)
	case added:
		fmt.Fprintf(kc.Stdout, "node/%s tainted\n", name)
	default:
		fmt.Fprintf(kc.Stdout, "node/%s untainted\n", name)
	}
	return nil
}

// cordonCommand is kubectl cordon / uncordon: mark a node (un)schedulable.
func (kc *kubectl) cordonCommand(cordon bool) *cobra.Command {
	verb, past := "cordon", "cordoned"
	short := "Mark node as unschedulable"
	if !cordon {
		verb, past, short = "uncordon", "uncordoned", "Mark node as schedulable"
	}
	return &cobra.Command{
		Use:   verb + " NODE",
		Short: short,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			for _, name := range args {
				name = strings.TrimPrefix(strings.TrimPrefix(name, "nodes/"), "node/")
				obj, err := cl.Get(cmd.Context(), api.Nodes, "", name)
				if err != nil {
					return err
				}
				if obj.(*corev1.Node).Spec.Unschedulable == cordon {
					fmt.Fprintf(kc.Stdout, "node/%s already %s\n", name, past)
					continue
				}
				body, _ := json.Marshal(map[string]any{"spec": map[string]any{"unschedulable": cordon}})
				if _, _, err := cl.Patch(cmd.Context(), api.Nodes, "", name, types.MergePatchType, body, metav1.PatchOptions{FieldManager: "kubectl-taint"}); err != nil {
					return err
				}
				fmt.Fprintf(kc.Stdout, "node/%s %s\n", name, past)
			}
			return nil
		},
	}
}
