package kubectl

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// podName accepts "web" and "pod/web" (kubectl's forms for logs and exec).
func podName(arg string) (string, error) {
	if typ, name, ok := strings.Cut(arg, "/"); ok {
		if res, found := api.Lookup(typ); !found || res.Name != api.Pods.Name {
			return "", fmt.Errorf("cannot attach to %s: only pods are supported", typ)
		}
		return name, nil
	}
	return arg, nil
}

// logsUsage is kubectl's logs usage line, which its usage errors quote.
const logsUsage = "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]"

// selectorTail is kubectl's --tail when -l is given and --tail is not.
const selectorTail int64 = 10

// logsFlags are kubectl's logs flags.
type logsFlags struct {
	container, selector, sinceTime string
	follow, previous, timestamps   bool
	allContainers, allPods, prefix bool
	ignoreErrors, insecureBackend  bool
	tail, limitBytes               int64
	since, podRunningTimeout       time.Duration
	maxLogRequests                 int
}

func (kc *kubectl) logsCommand() *cobra.Command {
	f := logsFlags{tail: -1, maxLogRequests: 5}
	c := &cobra.Command{
		Use:   logsUsage,
		Short: "Print the logs for a container in a pod",
		Long:  "Print the logs for a container in a pod or specified resource. If the pod has only one container, the container name is optional.",
		Example: "  podlab logs web\n  podlab logs web -c sidecar --previous\n  podlab logs -f web --tail 20\n" +
			"  podlab logs deployment/web\n  podlab logs -l app=web --prefix\n  podlab logs deployment/web --all-pods",
		ValidArgsFunction: kc.completePods,
		RunE: func(cmd *cobra.Command, args []string) error {
			return kc.logs(cmd, args, f)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.allPods, "all-pods", false, "Get logs from all pod(s). Sets prefix to true.")
	fl.BoolVar(&f.allContainers, "all-containers", false, "Get all containers' logs in the pod(s).")
	fl.BoolVarP(&f.follow, "follow", "f", false, "Specify if the logs should be streamed.")
	fl.BoolVar(&f.timestamps, "timestamps", false, "Include timestamps on each line in the log output")
	fl.Int64Var(&f.limitBytes, "limit-bytes", 0, "Maximum bytes of logs to return. Defaults to no limit.")
	fl.BoolVarP(&f.previous, "previous", "p", false, "If true, print the logs for the previous instance of the container in a pod if it exists.")
	fl.Int64Var(&f.tail, "tail", -1, "Lines of recent log file to display. Defaults to -1 with no selector, showing all log lines otherwise 10, if a selector is provided.")
	fl.BoolVar(&f.ignoreErrors, "ignore-errors", false, "If watching / following pod logs, allow for any errors that occur to be non-fatal")
	fl.StringVar(&f.sinceTime, "since-time", "", "Only return logs after a specific date (RFC3339). Defaults to all logs. Only one of since-time / since may be used.")
	fl.DurationVar(&f.since, "since", 0, "Only return logs newer than a relative duration like 5s, 2m, or 3h. Defaults to all logs. Only one of since-time / since may be used.")
	fl.StringVarP(&f.container, "container", "c", "", "Print the logs of this container")
	fl.BoolVar(&f.insecureBackend, "insecure-skip-tls-verify-backend", false, "Skip verifying the identity of the kubelet that logs are requested from.")
	// kubectl's defaultPodLogsTimeout.
	fl.DurationVar(&f.podRunningTimeout, "pod-running-timeout", 20*time.Second, "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running")
	fl.StringVarP(&f.selector, "selector", "l", "", "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints.")
	fl.IntVar(&f.maxLogRequests, "max-log-requests", 5, "Specify maximum number of concurrent logs to follow when using by a selector. Defaults to 5.")
	fl.BoolVar(&f.prefix, "prefix", false, "Prefix each log line with the log source (pod name and container name)")
	return c
}

// logs is kubectl's LogsOptions: Complete (the arguments, the options,
// the object read), Validate, then RunLogs.
func (kc *kubectl) logs(cmd *cobra.Command, args []string, f logsFlags) error {
	usageErr := "expected '" + logsUsage + "'.\nPOD or TYPE/NAME is a required argument for the logs command"
	var resourceArg string
	switch len(args) {
	case 0:
		if f.selector == "" {
			return usageError(cmd, usageErr)
		}
	case 1:
		resourceArg = args[0]
		if f.selector != "" {
			return usageError(cmd, "only a selector (-l) or a POD name is allowed")
		}
	case 2:
		resourceArg = args[0]
		f.container = args[1]
	default:
		return usageError(cmd, usageErr)
	}
	if f.allPods {
		f.prefix = true
	}
	if f.podRunningTimeout <= 0 {
		return fmt.Errorf("--pod-running-timeout must be higher than zero")
	}
	opts, err := f.podLogOptions(cmd.Flags().Changed("tail"))
	if err != nil {
		return err
	}
	cl, err := kc.Client(cmd)
	if err != nil {
		return err
	}
	target, err := kc.logsTarget(cmd.Context(), cl, resourceArg, f.selector)
	if err != nil {
		return err
	}
	if err := f.validate(opts, cmd.Flags().Changed("container") && len(args) == 2); err != nil {
		return err
	}
	reqs, err := logRequests(cmd.Context(), cl, target, opts, f.podRunningTimeout, f.allContainers, f.allPods, kc.Stderr)
	if err != nil {
		return err
	}
	r := &logsReader{cl: cl, out: kc.Stdout, errOut: kc.Stderr, follow: f.follow, prefix: f.prefix,
		ignoreErrors: f.ignoreErrors, podTimeout: f.podRunningTimeout, retryInterval: time.Second}
	return r.run(cmd.Context(), reqs, f.maxLogRequests)
}

// podLogOptions is kubectl's ToLogOptions: --since rounded to the nearest
// second, --tail 10 by default with -l.
func (f *logsFlags) podLogOptions(tailChanged bool) (*corev1.PodLogOptions, error) {
	opts := &corev1.PodLogOptions{Container: f.container, Follow: f.follow, Previous: f.previous,
		Timestamps: f.timestamps, InsecureSkipTLSVerifyBackend: f.insecureBackend}
	if f.sinceTime != "" {
		t, err := time.Parse(time.RFC3339Nano, f.sinceTime)
		if err != nil {
			if t, err = time.Parse(time.RFC3339, f.sinceTime); err != nil {
				return nil, err
			}
		}
		opts.SinceTime = &metav1.Time{Time: t}
	}
	if f.limitBytes != 0 {
		opts.LimitBytes = &f.limitBytes
	}
	if f.since != 0 {
		secs := int64(f.since.Round(time.Second).Seconds())
		opts.SinceSeconds = &secs
	}
	if f.selector != "" && f.tail == -1 && !tailChanged {
		tail := selectorTail
		opts.TailLines = &tail
	} else if f.tail != -1 {
		opts.TailLines = &f.tail
	}
	return opts, nil
}

// validate is kubectl's LogsOptions.Validate, with its messages.
func (f *logsFlags) validate(opts *corev1.PodLogOptions, containerTwice bool) error {
	switch {
	case f.sinceTime != "" && f.since != 0:
		return fmt.Errorf("at most one of `sinceTime` or `sinceSeconds` may be specified")
	case f.allContainers && opts.Container != "":
		return fmt.Errorf("--all-containers=true should not be specified with container name %s", opts.Container)
	case containerTwice:
		return fmt.Errorf("only one of -c or an inline [CONTAINER] arg is allowed")
	case f.limitBytes < 0:
		return fmt.Errorf("--limit-bytes must be greater than 0")
	case opts.SinceSeconds != nil && *opts.SinceSeconds < 0:
		return fmt.Errorf("--since must be greater than 0")
	case opts.TailLines != nil && *opts.TailLines < -1:
		return fmt.Errorf("--tail must be greater than or equal to -1")
	}
	return nil
}

// logsTarget reads what the logs are of, as kubectl's builder does with
// ResourceNames("pods", arg) or a label selector over pods: a missing
// object is "error from server (NotFound): ... in namespace NS" (kubectl
// wraps the API error, so it prints as a plain error), and a selector
// matching nothing says "No resources found in NS namespace." on stderr.
func (kc *kubectl) logsTarget(ctx context.Context, cl client.Interface, arg, selector string) (logsTarget, error) {
	ns := kc.NS()
	if selector != "" {
		list, _, err := cl.List(ctx, api.Pods, ns, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return logsTarget{}, err
		}
		t := logsTarget{list: true}
		for _, o := range list {
			t.pods = append(t.pods, o.(*corev1.Pod))
		}
		if len(t.pods) == 0 {
			fmt.Fprintf(kc.Stderr, "No resources found in %s namespace.\n", ns)
		}
		return t, nil
	}
	o, err := kc.objectArg(ctx, cl, arg)
	if apierrors.IsNotFound(err) {
		return logsTarget{}, fmt.Errorf("error from server (NotFound): %v in namespace %q", err, ns)
	}
	return logsTarget{object: o}, err
}
