package kubectl

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// forceWarning is kubectl's warning for --force --grace-period=0.
const forceWarning = "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely."

func (kc *kubectl) deleteCommand() *cobra.Command {
	var files []string
	var selector string
	var all, force, now, wait, ignoreNotFound, recursive bool
	var grace int64
	var cascade string
	c := &cobra.Command{
		Use:   "delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)])",
		Short: "Delete resources by file names, stdin, resources and names, or by resources and label selector",
		Example: `  podlab delete pod web
  podlab delete -f pod.yaml
  podlab delete pods -l app=web
  podlab delete pod web --grace-period=0 --force`,
		ValidArgsFunction: kc.completeResources,
		RunE: func(cmd *cobra.Command, args []string) error {
			type item struct {
				res       api.Resource
				namespace string
				name      string
			}
			var items []item
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			switch {
			case len(files) > 0:
				ms, err := kc.readManifests(files, recursive)
				if err != nil {
					return err
				}
				for _, m := range ms {
					res, _ := api.ForObject(m.Object)
					ns, err := kc.objectNamespace(m.Manifest, res)
					if err != nil {
						return err
					}
					items = append(items, item{res, ns, m.Object.GetName()})
				}
			default:
				targets, err := parseTargets(args)
				if err != nil {
					return err
				}
				for _, t := range targets {
					ns := kc.NS()
					if !t.res.Namespaced {
						ns = ""
					}
					names, err := kc.selectNames(cmd.Context(), cl, t, ns, selector, all)
					if err != nil {
						return err
					}
					for _, n := range names {
						items = append(items, item{t.res, ns, n})
					}
				}
			}
			// kubectl's default --cascade=background: dependents go in the
			// background, whatever the kind's default (core/v1 RCs and
			// batch/v1 jobs would orphan theirs).
			policy, err := parseCascade(kc.Stderr, cascade)
			if err != nil {
				return err
			}
			opts := metav1.DeleteOptions{PropagationPolicy: &policy}
			if cmd.Flags().Changed("grace-period") && grace >= 0 {
				g := grace
				// kubectl: --grace-period=0 without --force means 1 s.
				if g == 0 && !force {
					g = 1
				}
				opts.GracePeriodSeconds = &g
			}
			if now {
				one := int64(1)
				opts.GracePeriodSeconds = &one
			}
			if force {
				if opts.GracePeriodSeconds == nil {
					zero := int64(0)
					opts.GracePeriodSeconds = &zero
				}
				if *opts.GracePeriodSeconds == 0 {
					fmt.Fprintln(kc.Stderr, forceWarning)
				}
			}
			failed := false
			for _, it := range items {
				deleted, err := cl.Delete(cmd.Context(), it.res, it.namespace, it.name, opts)
				if err != nil {
					if apierrors.IsNotFound(err) && ignoreNotFound {
						continue
					}
					fmt.Fprintln(kc.Stderr, cmdenv.FormatError(err))
					failed = true
					continue
				}
				if force && opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds == 0 {
					fmt.Fprintf(kc.Stdout, "%s %q force deleted%s\n", it.res.Qualified(), it.name, fromNamespace(it.res, it.namespace))
					continue
				}
				// A server that answers with a status only has removed the object.
				if wait && deleted != nil {
					if err := WaitGone(cmd.Context(), cl, it.res, it.namespace, it.name, string(deleted.GetUID())); err != nil {
						return err
					}
				}
				fmt.Fprintf(kc.Stdout, "%s %q deleted%s\n", it.res.Qualified(), it.name, fromNamespace(it.res, it.namespace))
			}
			if failed {
				return &cmdenv.ExitError{Code: 1}
			}
			return nil
		},
	}
	c.Flags().StringSliceVarP(&files, "filename", "f", nil, "containing the resource to delete.")
	c.Flags().BoolVarP(&recursive, "recursive", "R", false, "Process the directory used in -f recursively")
	c.Flags().StringVarP(&selector, "selector", "l", "", "Selector (label query) to filter on")
	c.Flags().BoolVar(&all, "all", false, "Delete all resources, in the namespace of the specified resource types")
	c.Flags().BoolVar(&force, "force", false, "If true, immediately remove resources from API and bypass graceful deletion")
	c.Flags().BoolVar(&now, "now", false, "If true, resources are signaled for immediate shutdown (same as --grace-period=1)")
	c.Flags().BoolVar(&wait, "wait", true, "If true, wait for resources to be gone before returning")
	c.Flags().BoolVar(&ignoreNotFound, "ignore-not-found", false, "Treat \"resource not found\" as a successful delete")
	c.Flags().StringVar(&cascade, "cascade", "background", `Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background.`)
	c.Flags().Lookup("cascade").NoOptDefVal = "background"
	c.Flags().Int64Var(&grace, "grace-period", -1, "Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion)")
	return c
}

// parseCascade is kubectl's parseCascadingFlag: background, foreground or
// orphan; the deprecated booleans mean background (true) and orphan
// (false), with kubectl's warning.
func parseCascade(stderr io.Writer, v string) (metav1.DeletionPropagation, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		switch v {
		case "orphan":
			return metav1.DeletePropagationOrphan, nil
		case "foreground":
			return metav1.DeletePropagationForeground, nil
		case "background":
			return metav1.DeletePropagationBackground, nil
		}
		return metav1.DeletePropagationBackground, fmt.Errorf(`invalid cascade value (%v). Must be "background", "foreground", or "orphan"`, v)
	}
	if b {
		fmt.Fprintf(stderr, "warning: --cascade=%v is deprecated (boolean value) and can be replaced with --cascade=%s.\n", v, "background")
		return metav1.DeletePropagationBackground, nil
	}
	fmt.Fprintf(stderr, "warning: --cascade=%v is deprecated (boolean value) and can be replaced with --cascade=%s.\n", v, "orphan")
	return metav1.DeletePropagationOrphan, nil
}

// fromNamespace is how kubectl (1.33 and later) says where an object was
// deleted from.
func fromNamespace(res api.Resource, ns string) string {
	if !res.Namespaced {
		return ""
	}
	return " from " + ns + " namespace"
}

// WaitGone waits until the object with uid no longer exists (a pack's
// cleanup waits so too).
func WaitGone(ctx context.Context, cl client.Interface, res api.Resource, ns, name, uid string) error {
	sel := metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()}
	list, rv, err := cl.List(ctx, res, ns, sel)
	if err != nil {
		return err
	}
	if len(list) == 0 || string(list[0].GetUID()) != uid {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	ch, err := cl.Watch(wctx, res, ns, client.ResumeFrom(sel, rv))
	if err != nil {
		return err
	}
	for ev := range ch {
		if ev.Type == watch.Deleted && string(ev.Object.(api.Object).GetUID()) == uid {
			return nil
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("timed out waiting for %s %q to be deleted", res.Singular, name)
}
