package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// runFlags are kubectl run's flags that podlab supports.
type runFlags struct {
	image, port, restart, labels, pullPolicy string
	env, annotations                         []string
	command, stdin, tty, attach, rm          bool
	dryRun, output, overrides, overrideType  string
	podRunningTimeout                        time.Duration
}

func (kc *kubectl) runCommand() *cobra.Command {
	var f runFlags
	c := &cobra.Command{
		Use:   "run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...]",
		Short: "Run a particular image in a pod",
		Example: `  # Start a nginx pod
  podlab run nginx --image=nginx

  # Start a pod and let the container expose port 5701
  podlab run hazelcast --image=hazelcast/hazelcast --port=5701

  # Start a busybox pod and keep it in the foreground, don't restart it if it exits
  podlab run -i -t busybox --image=busybox --restart=Never

  # Start the busybox container using a different command and custom arguments
  podlab run busybox --image=busybox --command -- sleep 3600

  # Print the Pod's manifest without creating it
  podlab run web --image=nginx --dry-run=client -o yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, containerArgs := "", args
			if dash := cmd.ArgsLenAtDash(); dash != 0 && len(args) > 0 {
				name, containerArgs = args[0], args[1:]
			}
			if name == "" {
				return fmt.Errorf("NAME is required for run")
			}
			return kc.runPod(cmd, f, name, containerArgs)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.image, "image", "", "The image for the container to run.")
	fl.StringVar(&f.port, "port", "", "The port that this container exposes.")
	fl.StringVar(&f.restart, "restart", "Always", "The restart policy for this Pod.  Legal values [Always, OnFailure, Never].")
	fl.StringVarP(&f.labels, "labels", "l", "", "Comma separated labels to apply to the pod. Will override previous values.")
	fl.StringArrayVar(&f.env, "env", nil, "Environment variables to set in the container.")
	fl.StringArrayVar(&f.annotations, "annotations", nil, "Annotations to apply to the pod.")
	fl.StringVar(&f.pullPolicy, "image-pull-policy", "", "The image pull policy for the container.  If left empty, this value will not be specified by the client and defaulted by the server.")
	fl.BoolVar(&f.command, "command", false, "If true and extra arguments are present, use them as the 'command' field in the container, rather than the 'args' field which is the default.")
	fl.BoolVarP(&f.stdin, "stdin", "i", false, "Keep stdin open on the container in the pod, even if nothing is attached.")
	fl.BoolVarP(&f.tty, "tty", "t", false, "Allocate a TTY for the container in the pod.")
	fl.BoolVar(&f.attach, "attach", false, "If true, wait for the Pod to start running, and then attach to the Pod as if 'podlab attach ...' were called.  Default false, unless '-i/--stdin' is set, in which case the default is true.")
	fl.BoolVar(&f.rm, "rm", false, "If true, delete the pod after it exits.  Only valid when attaching to the container, e.g. with '--attach' or with '-i/--stdin'.")
	fl.StringVar(&f.dryRun, "dry-run", "none", "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.")
	fl.Lookup("dry-run").NoOptDefVal = "unchanged"
	fl.StringVarP(&f.output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	fl.StringVar(&f.overrides, "overrides", "", "An inline JSON override for the generated object. If this is non-empty, it is used to override the generated object.")
	fl.StringVar(&f.overrideType, "override-type", "merge", "The method used to override the generated object: json, merge, or strategic.")
	fl.DurationVar(&f.podRunningTimeout, "pod-running-timeout", time.Minute, "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running")
	return c
}

// runPod checks the flags as kubectl run does, builds the Pod, and
// creates it, prints it, or creates and attaches to it.
func (kc *kubectl) runPod(cmd *cobra.Command, f runFlags, name string, args []string) error {
	wf := writeFlags{dryRun: f.dryRun, output: f.output}
	if err := wf.check(); err != nil {
		return err
	}
	f.dryRun = wf.dryRun
	if f.image == "" {
		return fmt.Errorf("--image is required")
	}
	if f.tty && !f.stdin {
		return fmt.Errorf("-i/--stdin is required for containers with -t/--tty=true")
	}
	attach := f.attach || f.stdin
	if f.rm && !attach {
		return fmt.Errorf("--rm should only be used for attached containers")
	}
	if attach && f.dryRun != "none" {
		return fmt.Errorf("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)")
	}
	if attach && f.output != "" {
		return fmt.Errorf("--output is not supported for attached containers")
	}
	pod, err := f.pod(name, args)
	if err != nil {
		return err
	}
	pod.Namespace = kc.NS()
	if f.dryRun == "client" {
		pod.Namespace = "" // kubectl prints the manifest as it would send it
		return kc.report(api.Pods, pod, "created", wf)
	}
	cl, err := kc.Client(cmd)
	if err != nil {
		return err
	}
	if f.dryRun == "server" {
		checked, ws, err := cl.Create(cmd.Context(), api.Pods, pod, metav1.CreateOptions{FieldManager: "kubectl-run", DryRun: []string{metav1.DryRunAll}})
		kc.PrintWarnings(ws)
		if err != nil {
			return err
		}
		return kc.report(api.Pods, checked, "created", wf)
	}
	created, ws, err := cl.Create(cmd.Context(), api.Pods, pod, metav1.CreateOptions{FieldManager: "kubectl-run"})
	kc.PrintWarnings(ws)
	if err != nil {
		return err
	}
	if !attach {
		return kc.report(api.Pods, created, "created", wf)
	}
	return kc.runAttached(cmd, cl, created.(*corev1.Pod), f)
}

// pod builds the Pod as kubectl run's generator does: label run=NAME
// unless --labels, one container named NAME, the arguments after -- as its
// args (or command with --command), dnsPolicy ClusterFirst.
func (f runFlags) pod(name string, args []string) (*corev1.Pod, error) {
	labels := map[string]string{"run": name}
	if f.labels != "" {
		var err error
		if labels, err = parsePairs(f.labels, ",", "invalid label spec: %v"); err != nil {
			return nil, err
		}
	}
	annotations, err := parsePairs(strings.Join(f.annotations, "\x00"), "\x00", "invalid annotation spec: %v")
	if err != nil {
		return nil, err
	}
	policy := corev1.RestartPolicy(f.restart)
	switch policy {
	case corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		return nil, fmt.Errorf("invalid restart policy: %s", f.restart)
	}
	c := corev1.Container{Name: name, Image: f.image, ImagePullPolicy: corev1.PullPolicy(f.pullPolicy),
		Stdin: f.stdin, StdinOnce: f.stdin, TTY: f.tty}
	if f.command {
		c.Command = args
	} else {
		c.Args = args
	}
	for _, e := range f.env {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid env: %v", e)
		}
		c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
	}
	if f.port != "" {
		port, err := strconv.Atoi(f.port)
		if err != nil {
			return nil, err
		}
		c.Ports = []corev1.ContainerPort{{ContainerPort: int32(port)}}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations},
		Spec: corev1.PodSpec{Containers: []corev1.Container{c}, RestartPolicy: policy,
			DNSPolicy: corev1.DNSClusterFirst},
	}
	if f.overrides != "" {
		return applyOverrides(pod, f.overrides, f.overrideType)
	}
	return pod, nil
}

// parsePairs reads "k=v" items separated by sep; nil when s is empty.
func parsePairs(s, sep, errFormat string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, item := range strings.Split(s, sep) {
		k, v, ok := strings.Cut(item, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf(errFormat, item)
		}
		out[k] = v
	}
	return out, nil
}

// applyOverrides patches the generated Pod with --overrides, by JSON merge
// patch (kubectl's default), strategic merge patch or JSON patch.
func applyOverrides(pod *corev1.Pod, overrides, how string) (*corev1.Pod, error) {
	api.SetTypeMeta(pod)
	orig, err := json.Marshal(pod)
	if err != nil {
		return nil, err
	}
	var patched []byte
	switch how {
	case "merge":
		patched, err = jsonpatch.MergePatch(orig, []byte(overrides))
	case "strategic":
		patched, err = strategicpatch.StrategicMergePatch(orig, []byte(overrides), corev1.Pod{})
	case "json":
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch([]byte(overrides)); err == nil {
			patched, err = p.Apply(orig)
		}
	default:
		return nil, fmt.Errorf("--override-type must be one of (json, merge, strategic), got %q", how)
	}
	if err != nil {
		return nil, err
	}
	out := &corev1.Pod{}
	if err := api.DecodeStrictJSON(patched, out); err != nil {
		return nil, err
	}
	return out, nil
}

// runAttached waits for the new Pod to run and attaches to its container
// (kubectl run -i/-t/--attach); a Pod that finished first shows its logs.
// With restart policy Never or OnFailure it then waits for the Pod to end
// and exits with its container's code; --rm deletes the Pod before that.
func (kc *kubectl) runAttached(cmd *cobra.Command, cl client.Interface, pod *corev1.Pod, f runFlags) error {
	ctx := cmd.Context()
	policy := pod.Spec.RestartPolicy
	started, err := waitForPod(ctx, cl, pod.Namespace, pod.Name, f.podRunningTimeout, func(p *corev1.Pod) bool {
		return p.Status.Phase != corev1.PodPending && p.Status.Phase != ""
	})
	if err == nil {
		if started.Status.Phase == corev1.PodRunning {
			if f.tty {
				fmt.Fprintln(kc.Stderr, "If you don't see a command prompt, try pressing enter.")
			}
			// kubectl (1.33 and later) first shows what the container printed
			// before the attach connects; if the attach fails (a quick
			// command may have ended meanwhile) it shows what came since.
			since := kc.preAttachLogs(ctx, cl, pod)
			opts, restore := kc.streams(pod.Name, f.stdin, f.tty)
			err = cl.Attach(ctx, pod.Namespace, pod.Name, opts)
			restore()
			if err != nil && ctx.Err() == nil {
				fmt.Fprintf(kc.Stderr, "warning: couldn't attach to pod/%s, falling back to streaming logs: %v\n", pod.Name, err)
				err = kc.copyLogs(ctx, cl, pod, since)
			}
			if err == nil && f.stdin && f.tty && !f.rm && policy == corev1.RestartPolicyAlways {
				fmt.Fprintf(kc.Stderr, "Session ended, resume using 'podlab attach %s -c %s -i -t' command when the pod is running\n", pod.Name, pod.Name)
			}
		} else {
			err = kc.copyLogs(ctx, cl, pod, nil)
		}
	}
	var ended *corev1.Pod
	if err == nil && policy != corev1.RestartPolicyAlways {
		// OnFailure restarts a failed container, so only success ends it.
		ended, err = waitForPod(ctx, cl, pod.Namespace, pod.Name, f.podRunningTimeout, func(p *corev1.Pod) bool {
			return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed && policy == corev1.RestartPolicyNever
		})
	}
	if f.rm {
		// Delete even when the session failed, on a context that outlives ^C.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, derr := cl.Delete(dctx, api.Pods, pod.Namespace, pod.Name, metav1.DeleteOptions{}); derr != nil {
			fmt.Fprintln(kc.Stderr, cmdenv.FormatError(derr))
		} else {
			fmt.Fprintf(kc.Stdout, "%s %q deleted%s\n", api.Pods.Singular, pod.Name, fromNamespace(api.Pods, pod.Namespace))
		}
	}
	if err != nil || ended == nil || ended.Status.Phase != corev1.PodFailed {
		return err
	}
	return kc.exitWithPod(ended)
}

// copyLogs prints the logs of the run's container.
// preAttachLogs prints the container's log so far and returns when that
// was, or nil when it could not be read (with kubectl's warning).
func (kc *kubectl) preAttachLogs(ctx context.Context, cl client.Interface, pod *corev1.Pod) *metav1.Time {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := kc.copyLogs(ctx, cl, pod, nil); err != nil {
		fmt.Fprintf(kc.Stderr, "warning: couldn't fetch pre-attach logs: %v\n", err)
		return nil
	}
	now := metav1.Now()
	return &now
}

// copyLogs prints the pod's container log (since a time, when given).
func (kc *kubectl) copyLogs(ctx context.Context, cl client.Interface, pod *corev1.Pod, since *metav1.Time) error {
	logs, err := cl.Logs(ctx, pod.Namespace, pod.Name, &corev1.PodLogOptions{Container: pod.Name, SinceTime: since})
	if err != nil {
		return err
	}
	defer logs.Close()
	_, err = io.Copy(kc.Stdout, logs)
	return err
}

// exitWithPod reports a failed Pod as kubectl run does: its container's
// termination and exit code.
func (kc *kubectl) exitWithPod(p *corev1.Pod) error {
	var term *corev1.ContainerStateTerminated
	if len(p.Status.ContainerStatuses) > 0 {
		term = p.Status.ContainerStatuses[0].State.Terminated
	}
	if term == nil || term.ExitCode == 0 {
		return fmt.Errorf("pod %s/%s failed with unknown exit code", p.Namespace, p.Name)
	}
	msg := fmt.Sprintf("pod %s/%s terminated (%s)\n%s", p.Namespace, p.Name, term.Reason, term.Message)
	fmt.Fprintln(kc.Stderr, strings.TrimSuffix(msg, "\n"))
	return &cmdenv.ExitError{Code: int(term.ExitCode)}
}

// waitForPod polls the Pod until done says so, for at most timeout.
func waitForPod(ctx context.Context, cl client.Interface, ns, name string, timeout time.Duration, done func(*corev1.Pod) bool) (*corev1.Pod, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		obj, err := cl.Get(ctx, api.Pods, ns, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("timed out waiting for the condition")
			}
			return nil, err
		}
		if p := obj.(*corev1.Pod); done(p) {
			return p, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("timed out waiting for the condition")
		case <-tick.C:
		}
	}
}
