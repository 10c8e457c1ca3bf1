package registry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/podlab/podlab/runtime/streaming"
)

// PodIO reaches into a pod's containers; the node agent implements it, as
// the kubelet serves what kube-apiserver proxies to it.
type PodIO interface {
	// Logs streams a container's log.
	Logs(ctx context.Context, pod *corev1.Pod, opts *corev1.PodLogOptions) (io.ReadCloser, error)
	// CheckRunning says whether container runs; its error is what the client
	// sees before any stream opens (e.g. `container not found ("web")`).
	CheckRunning(ctx context.Context, pod *corev1.Pod, container string) error
	// Exec runs cmd in a running container.
	Exec(ctx context.Context, pod *corev1.Pod, container string, cmd []string, s streaming.Streams) error
	// Attach connects to a container's main process until it ends.
	Attach(ctx context.Context, pod *corev1.Pod, container string, s streaming.Streams) error
	// PortForward relays one connection to a port in the pod's network namespace.
	PortForward(ctx context.Context, pod *corev1.Pod, port int32, conn io.ReadWriter) error
}

// noNode answers the pod subresources of an API served without a node agent.
type noNode struct{}

var errNoNode = apierrors.NewServiceUnavailable("no node agent serves this lab's pods")

func (noNode) Logs(context.Context, *corev1.Pod, *corev1.PodLogOptions) (io.ReadCloser, error) {
	return nil, errNoNode
}
func (noNode) CheckRunning(context.Context, *corev1.Pod, string) error { return errNoNode }
func (noNode) Exec(context.Context, *corev1.Pod, string, []string, streaming.Streams) error {
	return errNoNode
}
func (noNode) Attach(context.Context, *corev1.Pod, string, streaming.Streams) error { return errNoNode }
func (noNode) PortForward(context.Context, *corev1.Pod, int32, io.ReadWriter) error {
	return errNoNode
}

// podContainer resolves the container a log, exec or attach request names,
// with upstream's messages when it is missing or unknown.
func podContainer(pod *corev1.Pod, container string) (string, error) {
	if container == "" {
		if len(pod.Spec.Containers) == 1 {
			return pod.Spec.Containers[0].Name, nil
		}
		msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, containerNames(pod.Spec.Containers))
		if len(pod.Spec.InitContainers) > 0 {
			msg += fmt.Sprintf(" or one of the init containers: %s", containerNames(pod.Spec.InitContainers))
		}
		return "", apierrors.NewBadRequest(msg)
	}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if c.Name == container {
				return container, nil
			}
		}
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, pod.Name))
}

func containerNames(cs []corev1.Container) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return "[" + strings.Join(names, " ") + "]"
}

func getPod(ctx context.Context, pods *genericregistry.Store, name string) (*corev1.Pod, error) {
	obj, err := pods.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

// boundPod is a pod that a stream can reach: one with a node.
func boundPod(ctx context.Context, pods *genericregistry.Store, name string) (*corev1.Pod, error) {
	pod, err := getPod(ctx, pods, name)
	if err != nil {
		return nil, err
	}
	if pod.Spec.NodeName == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	return pod, nil
}

// logREST serves pods/log.
type logREST struct {
	pods *genericregistry.Store
	io   PodIO
}

var (
	_ rest.GetterWithOptions = (*logREST)(nil)
	_ rest.StorageMetadata   = (*logREST)(nil)
)

func (r *logREST) New() runtime.Object { return &corev1.Pod{} }
func (r *logREST) Destroy()            {}

func (r *logREST) NewGetOptions() (runtime.Object, bool, string) {
	return &corev1.PodLogOptions{}, false, ""
}

func (r *logREST) ProducesMIMETypes(string) []string { return []string{"text/plain"} }
func (r *logREST) ProducesObject(string) any         { return "" }

func (r *logREST) Get(ctx context.Context, name string, options runtime.Object) (runtime.Object, error) {
	opts, ok := options.(*corev1.PodLogOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	if errs := validateLogOptions(opts); len(errs) > 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Kind: "PodLogOptions"}, name, errs)
	}
	pod, err := getPod(ctx, r.pods, name)
	if err != nil {
		return nil, err
	}
	container, err := podContainer(pod, opts.Container)
	if err != nil {
		return nil, err
	}
	o := opts.DeepCopy()
	o.Container = container
	return &logStream{pod: pod, opts: o, io: r.io}, nil
}

// validateLogOptions is upstream's ValidatePodLogOptions.
func validateLogOptions(o *corev1.PodLogOptions) field.ErrorList {
	var errs field.ErrorList
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *o.TailLines, "must be greater than or equal to 0"))
	}
	if o.LimitBytes != nil && *o.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *o.LimitBytes, "must be greater than 0"))
	}
	switch {
	case o.SinceSeconds != nil && o.SinceTime != nil:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case o.SinceSeconds != nil && *o.SinceSeconds < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *o.SinceSeconds, "must be greater than 0"))
	}
	return errs
}

// logStream is the answer of pods/log: the handler copies its stream to the
// client, flushing as it goes when following.
type logStream struct {
	pod  *corev1.Pod
	opts *corev1.PodLogOptions
	io   PodIO
}

var _ rest.ResourceStreamer = (*logStream)(nil)

func (s *logStream) GetObjectKind() schema.ObjectKind { return schema.EmptyObjectKind }
func (s *logStream) DeepCopyObject() runtime.Object {
	c := *s
	return &c
}

func (s *logStream) InputStream(ctx context.Context, _, _ string) (io.ReadCloser, bool, string, error) {
	if s.pod.Spec.NodeName == "" {
		// Upstream streams nothing for a pod no node runs yet.
		return io.NopCloser(strings.NewReader("")), false, "text/plain", nil
	}
	rc, err := s.io.Logs(ctx, s.pod, s.opts)
	if err != nil {
		return nil, false, "", err
	}
	if s.opts.LimitBytes != nil {
		rc = limitedReadCloser{io.LimitReader(rc, *s.opts.LimitBytes), rc}
	}
	return rc, s.opts.Follow, "text/plain", nil
}

type limitedReadCloser struct {
	io.Reader
	io.Closer
}

// execREST serves pods/exec.
type execREST struct {
	pods *genericregistry.Store
	io   PodIO
}

var _ rest.Connecter = (*execREST)(nil)

func (r *execREST) New() runtime.Object { return &corev1.Pod{} }
func (r *execREST) Destroy()            {}
func (r *execREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodExecOptions{}, false, ""
}
func (r *execREST) ConnectMethods() []string { return []string{http.MethodGet, http.MethodPost} }

func (r *execREST) Connect(ctx context.Context, name string, options runtime.Object, _ rest.Responder) (http.Handler, error) {
	opts, ok := options.(*corev1.PodExecOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	if len(opts.Command) == 0 {
		return nil, apierrors.NewBadRequest("you must specify at least 1 command")
	}
	pod, container, err := r.target(ctx, name, opts.Container)
	if err != nil {
		return nil, err
	}
	cmd := opts.Command
	return streamHandler(streaming.Options{Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr, TTY: opts.TTY},
		func(ctx context.Context, s streaming.Streams) error { return r.io.Exec(ctx, pod, container, cmd, s) }), nil
}

// target is the running container a stream reaches, or the error the client
// gets before the connection is upgraded.
func (r *execREST) target(ctx context.Context, name, container string) (*corev1.Pod, string, error) {
	pod, err := boundPod(ctx, r.pods, name)
	if err != nil {
		return nil, "", err
	}
	if container, err = podContainer(pod, container); err != nil {
		return nil, "", err
	}
	if err := r.io.CheckRunning(ctx, pod, container); err != nil {
		return nil, "", err
	}
	return pod, container, nil
}

func streamHandler(opts streaming.Options, run streaming.Run) http.Handler {
	if !opts.Stdin && !opts.Stdout && !opts.Stderr {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeStatus(w, apierrors.NewBadRequest("you must specify at least 1 of stdin, stdout, stderr"))
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		streaming.ServeRemoteCommand(w, req, opts, run)
	})
}

// attachREST serves pods/attach.
type attachREST struct {
	pods *genericregistry.Store
	io   PodIO
}

var _ rest.Connecter = (*attachREST)(nil)

func (r *attachREST) New() runtime.Object { return &corev1.Pod{} }
func (r *attachREST) Destroy()            {}
func (r *attachREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodAttachOptions{}, false, ""
}
func (r *attachREST) ConnectMethods() []string { return []string{http.MethodGet, http.MethodPost} }

func (r *attachREST) Connect(ctx context.Context, name string, options runtime.Object, _ rest.Responder) (http.Handler, error) {
	opts, ok := options.(*corev1.PodAttachOptions)
	if !ok {
		return nil, fmt.Errorf("invalid options object: %#v", options)
	}
	pod, container, err := (&execREST{pods: r.pods, io: r.io}).target(ctx, name, opts.Container)
	if err != nil {
		return nil, err
	}
	return streamHandler(streaming.Options{Stdin: opts.Stdin, Stdout: opts.Stdout, Stderr: opts.Stderr, TTY: opts.TTY},
		func(ctx context.Context, s streaming.Streams) error { return r.io.Attach(ctx, pod, container, s) }), nil
}

// portForwardREST serves pods/portforward.
type portForwardREST struct {
	pods *genericregistry.Store
	io   PodIO
}

var _ rest.Connecter = (*portForwardREST)(nil)

func (r *portForwardREST) New() runtime.Object { return &corev1.Pod{} }
func (r *portForwardREST) Destroy()            {}
func (r *portForwardREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodPortForwardOptions{}, false, ""
}
func (r *portForwardREST) ConnectMethods() []string {
	return []string{http.MethodGet, http.MethodPost}
}

func (r *portForwardREST) Connect(ctx context.Context, name string, _ runtime.Object, _ rest.Responder) (http.Handler, error) {
	pod, err := boundPod(ctx, r.pods, name)
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		streaming.ServePortForward(w, req, func(ctx context.Context, port int32, conn io.ReadWriter) error {
			return r.io.PortForward(ctx, pod, port, conn)
		})
	}), nil
}
