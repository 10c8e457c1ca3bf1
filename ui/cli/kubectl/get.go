package kubectl

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/cmdenv"
	"github.com/podlab/podlab/ui/cli/printers"
)

// target is one resource type with the names asked for (none: all).
type target struct {
	res   api.Resource
	names []string
	// ofCategory: the type comes from a category ("all"), so get prints
	// nothing for it when it has no objects (and one "No resources found"
	// when none has any), as kubectl does.
	ofCategory bool
}

// parseTargets reads kubectl's forms: "pods", "pods web db", "pod/web",
// "pods,nodes", and "all" (the resources of the category, as kubectl
// expands it).
func parseTargets(args []string) ([]target, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("you must specify the type of resource to get. Use \"podlab api-resources\" for a complete list of supported resources")
	}
	if strings.Contains(args[0], "/") {
		var out []target
		for _, a := range args {
			typ, name, ok := strings.Cut(a, "/")
			if !ok {
				return nil, fmt.Errorf("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'podlab get resource/<resource_name>' instead of 'podlab get resource resource/<resource_name>'")
			}
			res, err := lookupResource(typ)
			if err != nil {
				return nil, err
			}
			out = append(out, target{res: res, names: []string{name}})
		}
		return out, nil
	}
	var out []target
	for _, typ := range strings.Split(args[0], ",") {
		if typ == "all" {
			for _, r := range api.InCategory("all") {
				out = append(out, target{res: r, names: args[1:], ofCategory: true})
			}
			continue
		}
		res, err := lookupResource(typ)
		if err != nil {
			return nil, err
		}
		out = append(out, target{res: res, names: args[1:]})
	}
	return out, nil
}

func lookupResource(typ string) (api.Resource, error) {
	res, ok := api.Lookup(typ)
	if !ok {
		return api.Resource{}, fmt.Errorf("the server doesn't have a resource type %q", typ)
	}
	return res, nil
}

type getFlags struct {
	output, selector, fieldSelector string
	allNamespaces, watch, watchOnly bool
	showLabels, noHeaders, showKind bool
	labelColumns                    []string
	// template prints -o jsonpath and custom-columns (nil for the other formats).
	template printers.Generic
}

// listOptions checks the selectors as kubectl does before it asks the
// server, and passes them on.
func (f *getFlags) listOptions() (metav1.ListOptions, error) {
	var opts metav1.ListOptions
	if f.selector != "" {
		sel, err := labels.Parse(f.selector)
		if err != nil {
			return opts, fmt.Errorf("unable to parse requirement: %v", err)
		}
		opts.LabelSelector = sel.String()
	}
	if f.fieldSelector != "" {
		sel, err := fields.ParseSelector(f.fieldSelector)
		if err != nil {
			return opts, err
		}
		opts.FieldSelector = sel.String()
	}
	return opts, nil
}

func (kc *kubectl) getCommand() *cobra.Command {
	var f getFlags
	c := &cobra.Command{
		Use:   "get TYPE[.VERSION][,TYPE...] [NAME | -l label] | TYPE/NAME ...",
		Short: "Display one or many resources",
		Example: `  podlab get pods
  podlab get pods -o wide
  podlab get pod web -o yaml
  podlab get pods -l app=web -w
  podlab get events -A`,
		ValidArgsFunction: kc.completeResources,
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			if err := f.parseOutput(); err != nil {
				return err
			}
			opts, err := f.listOptions()
			if err != nil {
				return err
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			if f.watch || f.watchOnly {
				if len(targets) != 1 {
					return fmt.Errorf("you may only specify a single resource type")
				}
				return kc.watch(cmd.Context(), cl, targets[0], f, opts)
			}
			f.showKind = f.showKind || multipleTypes(targets)
			failed, printed, categoryOnly := false, false, true
			for _, t := range targets {
				// A blank line between two types' output.
				sep := func() {
					if printed && f.output == "" {
						fmt.Fprintln(kc.Stdout)
					}
					printed = true
				}
				errs := kc.getTarget(cmd.Context(), cl, t, f, opts, sep)
				for _, err := range errs {
					fmt.Fprintln(kc.Stderr, cmdenv.FormatError(err))
					failed = true
				}
				categoryOnly = categoryOnly && t.ofCategory
			}
			if categoryOnly && !printed && !failed && !f.generic() {
				fmt.Fprintln(kc.Stderr, printers.NoResources(kc.NS(), f.allNamespaces))
			}
			if failed {
				return &cmdenv.ExitError{Code: 1}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&f.output, "output", "o", "", "Output format. One of: (json, yaml, name, wide, jsonpath, jsonpath-file, jsonpath-as-json, custom-columns, custom-columns-file)")
	c.Flags().StringVarP(&f.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'")
	c.Flags().StringVar(&f.fieldSelector, "field-selector", "", "Selector (field query) to filter on, supports '=', '==', and '!='")
	c.Flags().BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "If present, list the requested object(s) across all namespaces")
	c.Flags().BoolVarP(&f.watch, "watch", "w", false, "After listing/getting the requested object, watch for changes")
	c.Flags().BoolVar(&f.watchOnly, "watch-only", false, "Watch for changes to the requested object(s), without listing/getting first")
	c.Flags().BoolVar(&f.showLabels, "show-labels", false, "When printing, show all labels as the last column")
	c.Flags().BoolVar(&f.showKind, "show-kind", false, "If present, list the resource type for the requested object(s).")
	c.Flags().BoolVar(&f.noHeaders, "no-headers", false, "When using the default or custom-column output format, don't print headers")
	c.Flags().StringSliceVarP(&f.labelColumns, "label-columns", "L", nil, "Accepts a comma separated list of labels that are going to be presented as columns")
	return c
}

func (kc *kubectl) tableOptions(f getFlags, withNS bool) printers.TableOptions {
	return printers.TableOptions{Wide: f.output == "wide", NoHeaders: f.noHeaders, WithNamespace: withNS,
		ShowLabels: f.showLabels, LabelColumns: f.labelColumns, ShowKind: f.showKind, Now: time.Now()}
}

// multipleTypes is kubectl's MultipleTypesRequested: "all", or more than
// one type among the arguments, makes get name each object's kind.
func multipleTypes(targets []target) bool {
	for _, t := range targets {
		if t.ofCategory || t.res.Name != targets[0].res.Name {
			return true
		}
	}
	return false
}

// getTarget prints one resource type's objects, calling before first
// when it prints any. Like kubectl, named objects that exist are printed
// even when others are missing; each missing one is an error returned for
// the caller to report after the output.
func (kc *kubectl) getTarget(ctx context.Context, cl client.Interface, t target, f getFlags, opts metav1.ListOptions, before func()) []error {
	ns := kc.NS()
	if f.allNamespaces || !t.res.Namespaced {
		ns = ""
	}
	var objs []api.Object
	var errs []error
	single := len(t.names) == 1
	if len(t.names) > 0 {
		for _, name := range t.names {
			o, err := cl.Get(ctx, t.res, kc.NS(), name)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			objs = append(objs, o)
		}
		if single && len(errs) > 0 {
			return errs
		}
	} else {
		list, _, err := cl.List(ctx, t.res, ns, opts)
		if err != nil {
			return []error{err}
		}
		objs = list
		if t.res.Name == api.Events.Name {
			sortEvents(objs)
		}
		// kubectl's generic printers print an empty List; only tables say
		// so on stderr (once for a whole category, by the caller).
		if len(objs) == 0 && !f.generic() {
			if !t.ofCategory {
				fmt.Fprintln(kc.Stderr, printers.NoResources(ns, f.allNamespaces || !t.res.Namespaced))
			}
			return nil
		}
	}
	if len(objs) == 0 && t.ofCategory {
		return errs
	}
	before()
	var err error
	switch {
	case f.template != nil:
		err = f.template.PrintObjects(kc.Stdout, objs, !single)
	case f.generic():
		err = printers.PrintObjects(kc.Stdout, f.output, t.res, objs, !single)
	case len(objs) > 0:
		err = printers.PrintTable(kc.Stdout, t.res, objs, kc.tableOptions(f, f.allNamespaces && t.res.Namespaced))
	}
	if err != nil {
		errs = append(errs, err)
	}
	return errs
}

func sortEvents(objs []api.Object) {
	last := func(o api.Object) time.Time {
		e := o.(*corev1.Event)
		if !e.LastTimestamp.IsZero() {
			return e.LastTimestamp.Time
		}
		return e.EventTime.Time
	}
	sort.SliceStable(objs, func(i, j int) bool { return last(objs[i]).Before(last(objs[j])) })
}

// eachSelected runs fn on every object the arguments name (TYPE NAME...,
// TYPE/NAME, or TYPE with -l or --all) in namespace ns, stopping at the
// first error: the loop of label, annotate, taint and wait.
func (kc *kubectl) eachSelected(cmd *cobra.Command, args []string, ns, selector string, all bool, fn func(cl client.Interface, res api.Resource, name string) error) error {
	targets, err := parseTargets(args)
	if err != nil {
		return err
	}
	cl, err := kc.Client(cmd)
	if err != nil {
		return err
	}
	for _, t := range targets {
		names, err := kc.selectNames(cmd.Context(), cl, t, ns, selector, all)
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := fn(cl, t.res, name); err != nil {
				return err
			}
		}
	}
	return nil
}

// selectNames returns the names a command acts on: those given, else the
// objects matching -l (or every object with --all), as kubectl selects them.
func (kc *kubectl) selectNames(ctx context.Context, cl client.Interface, t target, ns, selector string, all bool) ([]string, error) {
	if len(t.names) > 0 {
		return t.names, nil
	}
	if selector == "" && !all {
		return nil, fmt.Errorf("resource(s) were provided, but no name was specified")
	}
	opts, err := (&getFlags{selector: selector}).listOptions()
	if err != nil {
		return nil, err
	}
	list, _, err := cl.List(ctx, t.res, ns, opts)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		fmt.Fprintln(kc.Stderr, "No resources found")
	}
	names := make([]string, 0, len(list))
	for _, o := range list {
		names = append(names, o.GetName())
	}
	return names, nil
}
