package kubectl

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/printers"
)

func (kc *kubectl) describeCommand() *cobra.Command {
	var selector string
	var all bool
	c := &cobra.Command{
		Use:               "describe (TYPE [NAME_PREFIX | -l label] | TYPE/NAME)",
		Short:             "Show details of a specific resource or group of resources",
		Example:           "  podlab describe pod web\n  podlab describe node node-1",
		ValidArgsFunction: kc.completeResources,
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			opts, err := (&getFlags{selector: selector}).listOptions()
			if err != nil {
				return err
			}
			first := true
			for _, t := range targets {
				ns := kc.NS()
				if all || !t.res.Namespaced {
					ns = ""
				}
				list, _, err := cl.List(cmd.Context(), t.res, ns, opts)
				if err != nil {
					return err
				}
				objs := list
				if len(t.names) > 0 {
					objs = nil
					for _, name := range t.names {
						matched := matchDescribe(list, name)
						if len(matched) == 0 {
							return apierrors.NewNotFound(t.res.GroupResource(), name)
						}
						objs = append(objs, matched...)
					}
				}
				if len(objs) == 0 {
					fmt.Fprintln(kc.Stderr, printers.NoResources(ns, ns == ""))
					continue
				}
				for _, o := range objs {
					if !first {
						fmt.Fprintln(kc.Stdout)
						fmt.Fprintln(kc.Stdout)
					}
					first = false
					if err := kc.describeOne(cmd, cl, t.res, o); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	c.Flags().BoolVarP(&all, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces")
	return c
}

// matchDescribe is kubectl's rule: the exact name, else every name with that prefix.
func matchDescribe(list []api.Object, name string) []api.Object {
	var prefixed []api.Object
	for _, o := range list {
		if o.GetName() == name {
			return []api.Object{o}
		}
		if strings.HasPrefix(o.GetName(), name) {
			prefixed = append(prefixed, o)
		}
	}
	return prefixed
}

func (kc *kubectl) describeOne(cmd *cobra.Command, cl client.Interface, res api.Resource, o api.Object) error {
	ctx := cmd.Context()
	evNS := o.GetNamespace()
	if evNS == "" {
		evNS = "default"
	}
	evObjs, _, err := cl.List(ctx, api.Events, evNS, metav1.ListOptions{FieldSelector: fields.Set{
		"involvedObject.name": o.GetName(), "involvedObject.kind": res.Kind}.AsSelector().String()})
	if err != nil {
		return err
	}
	// kubectl lists a node's events by its UID, then the kubelet's, which
	// name the node's name as its UID, and sorts the two lists joined by
	// time: at equal times the controllers' come first.
	var events, kubelets []corev1.Event
	for _, e := range evObjs {
		ev := e.(*corev1.Event)
		switch uid := ev.InvolvedObject.UID; {
		case uid == "" || uid == o.GetUID():
			events = append(events, *ev)
		case res.Name == api.Nodes.Name && string(uid) == o.GetName():
			kubelets = append(kubelets, *ev)
		}
	}
	events = append(events, kubelets...)
	related, err := describeRelated(ctx, cl, o)
	if err != nil {
		return err
	}
	return printers.Describe(kc.Stdout, o, events, related, time.Now())
}
