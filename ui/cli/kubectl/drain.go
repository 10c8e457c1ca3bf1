package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// drainFlags are kubectl drain's flags.
type drainFlags struct {
	force, ignoreDaemonSets, deleteEmptyDir, disableEviction bool
	gracePeriod, skipWaitSeconds                             int
	timeout                                                  time.Duration
	podSelector, selector, dryRun                            string
}

// kubectl's client-side waits: the pause before an eviction a disruption
// budget refused is retried (EvictErrorRetryDelay) and how often a pod is
// looked for until it is gone. Real clients are not on the lab's clock;
// tests shorten them.
var (
	evictRetryDelay    = 5 * time.Second
	deletePollInterval = time.Second
)

// evicter is the client's eviction (runtime/client's Client has it).
type evicter interface {
	Evict(ctx context.Context, namespace, pod string, opts metav1.DeleteOptions) error
}

// drainCommand is kubectl drain: cordon the node, then evict its pods
// (pods/eviction, which respects PodDisruptionBudgets and grace periods)
// and wait until each is gone.
func (kc *kubectl) drainCommand() *cobra.Command {
	var f drainFlags
	c := &cobra.Command{
		Use:   "drain NODE",
		Short: "Drain node in preparation for maintenance",
		Long: "Drain node in preparation for maintenance.\n\n" +
			"The node is cordoned (marked unschedulable) so no new pods arrive, then its pods are evicted:\n" +
			"each eviction respects the pod's PodDisruptionBudget and deletes it with its grace period.\n" +
			"Pods no controller declares (bare pods) would not come back anywhere, so drain refuses them\n" +
			"unless --force is given; pods with emptyDir volumes lose that data, so they need\n" +
			"--delete-emptydir-data. Drain waits until every pod is gone.\n\n" +
			"When the node is ready again, 'uncordon' makes it schedulable.",
		Example: "  # Drain node-1, even if it runs pods no controller declares\n" +
			"  podlab drain node-1 --force\n\n" +
			"  # As above, with a grace period of 15 minutes for each pod\n" +
			"  podlab drain node-1 --force --grace-period=900",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			return kc.completeNames(cmd, api.Nodes), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error { return kc.drain(cmd, args, f) },
	}
	fl := c.Flags()
	fl.BoolVar(&f.force, "force", false, "Continue even if there are pods that do not declare a controller.")
	fl.BoolVar(&f.ignoreDaemonSets, "ignore-daemonsets", false, "Ignore DaemonSet-managed pods.")
	fl.BoolVar(&f.deleteEmptyDir, "delete-emptydir-data", false, "Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).")
	fl.IntVar(&f.gracePeriod, "grace-period", -1, "Period of time in seconds given to each pod to terminate gracefully. If negative, the default value specified in the pod will be used.")
	fl.DurationVar(&f.timeout, "timeout", 0, "The length of time to wait before giving up, zero means infinite")
	fl.StringVar(&f.podSelector, "pod-selector", "", "Label selector to filter pods on the node")
	fl.BoolVar(&f.disableEviction, "disable-eviction", false, "Force drain to use delete, even if eviction is supported. This will bypass checking PodDisruptionBudgets, use with caution.")
	fl.IntVar(&f.skipWaitSeconds, "skip-wait-for-delete-timeout", 0, "If pod DeletionTimestamp older than N seconds, skip waiting for the pod.  Seconds must be greater than 0 to skip.")
	fl.StringVarP(&f.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints.")
	fl.StringVar(&f.dryRun, "dry-run", "none", "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.")
	fl.Lookup("dry-run").NoOptDefVal = "unchanged"
	return c
}

// suffix is what kubectl's printer adds to an operation in a dry run.
func (f drainFlags) suffix() string {
	switch f.dryRun {
	case "client":
		return " (dry run)"
	case "server":
		return " (server dry run)"
	}
	return ""
}

func usageError(cmd *cobra.Command, msg string) error {
	return fmt.Errorf("%s\nSee '%s -h' for help and examples", msg, cmd.CommandPath())
}

// drain is kubectl's DrainCmdOptions Complete and RunDrain.
func (kc *kubectl) drain(cmd *cobra.Command, args []string, f drainFlags) error {
	if len(args) == 0 && !cmd.Flags().Changed("selector") {
		return usageError(cmd, "USAGE: "+cmd.Use+" [flags]")
	}
	if len(args) > 0 && f.selector != "" {
		return usageError(cmd, "error: cannot specify both a node name and a --selector option")
	}
	switch f.dryRun {
	case "unchanged":
		f.dryRun = "client"
	case "none", "client", "server":
	default:
		return fmt.Errorf("Invalid dry-run value (%s). Must be \"none\", \"server\", or \"client\".", f.dryRun)
	}
	if _, err := labels.Parse(f.podSelector); err != nil {
		return errors.New("--pod-selector=<pod_selector> must be a valid label selector")
	}
	cl, err := kc.Client(cmd)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	nodes, err := kc.drainNodes(ctx, cl, args, f.selector)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		kc.cordonForDrain(ctx, cl, n, f)
	}
	var fatal []error
	var pending []string
	for _, n := range nodes {
		if err := kc.drainNode(ctx, cl, n.Name, f); err != nil {
			fmt.Fprintf(kc.Stderr, "error: unable to drain node %q due to error: %s, continuing command...\n", n.Name, err)
			fatal = append(fatal, err)
			pending = append(pending, n.Name)
			continue
		}
		fmt.Fprintf(kc.Stdout, "node/%s drained%s\n", n.Name, f.suffix())
	}
	if len(pending) > 0 {
		fmt.Fprintf(kc.Stderr, "There are pending nodes to be drained:\n")
		for _, n := range pending {
			fmt.Fprintf(kc.Stderr, " %s\n", n)
		}
	}
	return kubectlError(kc.Stderr, fatal)
}

// kubectlError ends the command as kubectl's CheckErr ends drain's
// aggregate of the nodes' errors: a lone error is worded as usual
// ("error: …"), but a lone error that is itself an aggregate — what a
// refused or failed drain returns — or several errors are printed one a
// line, bare.
func kubectlError(w io.Writer, errs []error) error {
	var agg utilerrors.Aggregate
	switch {
	case len(errs) == 0:
		return nil
	case len(errs) > 1:
		agg = utilerrors.NewAggregate(errs)
	default:
		if !errors.As(errs[0], &agg) {
			return errs[0]
		}
	}
	for _, err := range agg.Errors() {
		msg := err.Error()
		var st apierrors.APIStatus
		if errors.As(err, &st) {
			msg = cmdenv.FormatError(err)
		}
		fmt.Fprintln(w, msg)
	}
	return &cmdenv.ExitError{Code: 1}
}

// drainNodes finds the nodes named, or those the selector matches.
func (kc *kubectl) drainNodes(ctx context.Context, cl client.Interface, args []string, selector string) ([]*corev1.Node, error) {
	var nodes []*corev1.Node
	if selector != "" {
		list, _, err := cl.List(ctx, api.Nodes, "", metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			nodes = append(nodes, o.(*corev1.Node))
		}
		return nodes, nil
	}
	for _, name := range args {
		name = strings.TrimPrefix(strings.TrimPrefix(name, "nodes/"), "node/")
		o, err := cl.Get(ctx, api.Nodes, "", name)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, o.(*corev1.Node))
	}
	return nodes, nil
}

// cordonForDrain marks the node unschedulable unless it is already
// (kubectl's RunCordonOrUncordon(true)); a failure is reported, and the
// drain goes on.
func (kc *kubectl) cordonForDrain(ctx context.Context, cl client.Interface, node *corev1.Node, f drainFlags) {
	if node.Spec.Unschedulable {
		fmt.Fprintf(kc.Stdout, "node/%s already cordoned%s\n", node.Name, f.suffix())
		return
	}
	if f.dryRun != "client" {
		body, _ := json.Marshal(map[string]any{"spec": map[string]any{"unschedulable": true}})
		opts := metav1.PatchOptions{FieldManager: "kubectl"}
		if f.dryRun == "server" {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		if _, _, err := cl.Patch(ctx, api.Nodes, "", node.Name, types.StrategicMergePatchType, body, opts); err != nil {
			fmt.Fprintf(kc.Stderr, "error: unable to cordon node %q: %v\n", node.Name, err)
			return
		}
	}
	fmt.Fprintf(kc.Stdout, "node/%s cordoned%s\n", node.Name, f.suffix())
}

// drainNode evicts (or deletes) the node's pods and waits for them
// (kubectl's deleteOrEvictPodsSimple).
func (kc *kubectl) drainNode(ctx context.Context, cl client.Interface, node string, f drainFlags) error {
	list, errs := kc.podsForDeletion(ctx, cl, node, f)
	if errs != nil {
		return utilerrors.NewAggregate(errs)
	}
	if w := list.warnings(); w != "" {
		kc.PrintWarnings([]string{w})
	}
	pods := list.pods()
	if f.dryRun == "client" {
		for _, p := range pods {
			fmt.Fprintf(kc.Stdout, "evicting pod %s/%s (dry run)\n", p.Namespace, p.Name)
		}
		return nil
	}
	err := kc.deleteOrEvict(ctx, cl, pods, f)
	if err == nil {
		return nil
	}
	pendingList, newErrs := kc.podsForDeletion(ctx, cl, node, f)
	if rest := pendingList.pods(); len(rest) > 0 {
		fmt.Fprintf(kc.Stderr, "There are pending pods in node %q when an error occurred: %v\n", node, err)
		for _, p := range rest {
			fmt.Fprintf(kc.Stderr, "pod/%s\n", p.Name)
		}
	}
	if newErrs != nil {
		fmt.Fprintf(kc.Stderr, "Following errors occurred while getting the list of pods to delete:\n%s", utilerrors.NewAggregate(newErrs))
	}
	return err
}

// deleteOptions are the options of each eviction or deletion: the
// --grace-period when not negative, else the pod's own.
func (f drainFlags) deleteOptions() metav1.DeleteOptions {
	var opts metav1.DeleteOptions
	if f.gracePeriod >= 0 {
		g := int64(f.gracePeriod)
		opts.GracePeriodSeconds = &g
	}
	if f.dryRun == "server" {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return opts
}

// globalTimeout is --timeout, zero meaning none.
func (f drainFlags) globalTimeout() time.Duration {
	if f.timeout == 0 {
		return time.Duration(math.MaxInt64)
	}
	return f.timeout
}

func (kc *kubectl) deleteOrEvict(ctx context.Context, cl client.Interface, pods []corev1.Pod, f drainFlags) error {
	if len(pods) == 0 {
		return nil
	}
	if ev, ok := cl.(evicter); ok && !f.disableEviction {
		return kc.evictPods(ctx, cl, ev, pods, f)
	}
	return kc.deletePods(ctx, cl, pods, f)
}

// syncWriter serializes the evictions' output.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// evictPods evicts every pod at once, each retried while its budget
// refuses (429), then waits for each to be gone, all within --timeout
// (kubectl's evictPods).
func (kc *kubectl) evictPods(ctx context.Context, cl client.Interface, ev evicter, pods []corev1.Pod, f drainFlags) error {
	out, errOut := &syncWriter{w: kc.Stdout}, &syncWriter{w: kc.Stderr}
	timeout := f.globalTimeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	results := make(chan error, len(pods))
	for _, pod := range pods {
		go func() { results <- kc.evictOne(ctx, cl, ev, pod, f, timeout, out, errOut) }()
	}
	var errs []error
	for range pods {
		if err := <-results; err != nil {
			errs = append(errs, err)
		}
	}
	return utilerrors.NewAggregate(errs)
}

func (kc *kubectl) evictOne(ctx context.Context, cl client.Interface, ev evicter, pod corev1.Pod, f drainFlags, timeout time.Duration, out, errOut io.Writer) error {
	active := pod
	for {
		if f.dryRun == "server" {
			fmt.Fprintf(out, "evicting pod %s/%s (server dry run)\n", active.Namespace, active.Name)
		} else {
			fmt.Fprintf(out, "evicting pod %s/%s\n", active.Namespace, active.Name)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("error when evicting pods/%q -n %q: global timeout reached: %v", active.Name, active.Namespace, timeout)
		}
		err := ev.Evict(ctx, active.Namespace, active.Name, f.deleteOptions())
		terminating := apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause)
		switch {
		case err == nil:
		case apierrors.IsNotFound(err):
			return nil
		case apierrors.IsTooManyRequests(err):
			fmt.Fprintf(errOut, "error when evicting pods/%q -n %q (will retry after %v): %v\n", active.Name, active.Namespace, evictRetryDelay, err)
			sleep(ctx, evictRetryDelay)
		case terminating && active.DeletionTimestamp != nil:
			// A namespace being deleted refuses evictions; a pod going
			// already is waited for.
			err = nil
		case terminating:
			fmt.Fprintf(errOut, "error when evicting pod %q from terminating namespace %q (will retry after %v): %v\n", active.Name, active.Namespace, evictRetryDelay, err)
			sleep(ctx, evictRetryDelay)
		default:
			return fmt.Errorf("error when evicting pods/%q -n %q: %v", active.Name, active.Namespace, err)
		}
		if err == nil {
			break
		}
		if fresh, gerr := cl.Get(ctx, api.Pods, active.Namespace, active.Name); gerr == nil {
			active = *fresh.(*corev1.Pod)
		}
	}
	if f.dryRun == "server" {
		return nil
	}
	if _, err := kc.waitForDelete(ctx, cl, []corev1.Pod{active}, true, f.skipWaitSeconds, out); err != nil {
		return fmt.Errorf("error when waiting for pod %q in namespace %q to terminate: %v", pod.Name, pod.Namespace, err)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// deletePods deletes the pods (no eviction: budgets bypassed) and waits
// for them within --timeout (kubectl's deletePods).
func (kc *kubectl) deletePods(ctx context.Context, cl client.Interface, pods []corev1.Pod, f drainFlags) error {
	for _, p := range pods {
		if _, err := cl.Delete(ctx, api.Pods, p.Namespace, p.Name, f.deleteOptions()); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	if f.dryRun == "server" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, f.globalTimeout())
	defer cancel()
	_, err := kc.waitForDelete(ctx, cl, pods, false, f.skipWaitSeconds, kc.Stdout)
	return err
}

// waitForDelete looks for the pods every second until each is gone (or
// replaced by a pod of the same name), printing "pod/NAME evicted" (or
// deleted) for each, or skipped when deleted more than skipSeconds ago; it
// returns the pods still there when ctx ends, with ctx's error.
func (kc *kubectl) waitForDelete(ctx context.Context, cl client.Interface, pods []corev1.Pod, evicted bool, skipSeconds int, out io.Writer) ([]corev1.Pod, error) {
	done, failed := "deleted", "deletion failed"
	if evicted {
		done, failed = "evicted", "eviction failed"
	}
	for {
		var pending []corev1.Pod
		for _, pod := range pods {
			o, err := cl.Get(ctx, api.Pods, pod.Namespace, pod.Name)
			switch {
			case apierrors.IsNotFound(err) || err == nil && o.GetUID() != pod.UID:
				fmt.Fprintf(out, "pod/%s %s\n", pod.Name, done)
			case err != nil && ctx.Err() != nil:
				return pods, ctx.Err()
			case err != nil:
				fmt.Fprintf(out, "pod/%s %s\n", pod.Name, failed)
				return pods, err
			case skipped(o.(*corev1.Pod), skipSeconds):
				fmt.Fprintf(out, "pod %q has DeletionTimestamp older than %v seconds, skipping\n", pod.Name, skipSeconds)
			default:
				pending = append(pending, pod)
			}
		}
		if pods = pending; len(pods) == 0 {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return pods, ctx.Err()
		case <-time.After(deletePollInterval):
		}
	}
}
