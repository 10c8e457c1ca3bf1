package apiserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver/execstream"
	"github.com/podlab/podlab/runtime/client"
)

// PortForwarder is the part of PodIO that relays a connection to a pod's
// port; the kubelet implements it. It is optional so that PodIO stand-ins
// without port forwarding keep working.
type PortForwarder interface {
	// PortForward relays stdin to the pod's port and its answer to stdout
	// until the pod's side closes or ctx ends.
	PortForward(ctx context.Context, pod *corev1.Pod, port int32, stdin io.Reader, stdout io.Writer) error
}

// portForward serves POST .../pods/{name}/portforward?port=N: one forwarded
// connection over an exec stream (its stdin and stdout frames carry the
// connection's bytes; the exit frame reports an error forwarding).
func (s *Server) portForward(w http.ResponseWriter, r *http.Request, req request) {
	pf, ok := s.cfg.PodIO.(PortForwarder)
	if !ok {
		writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
		return
	}
	obj, err := s.cfg.Store.Get(api.Pods, req.namespace, req.name)
	if err != nil {
		writeError(w, err)
		return
	}
	port, err := strconv.ParseUint(r.URL.Query().Get("port"), 10, 16)
	if err != nil || port == 0 {
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf("invalid port %q", r.URL.Query().Get("port"))))
		return
	}
	serveStream(w, r, "portforward", true, make(chan client.TermSize, 1), func(ctx context.Context, stdin io.Reader, out *execstream.Writer) (int, error) {
		return 0, pf.PortForward(ctx, obj.(*corev1.Pod), int32(port), stdin, out.Channel(execstream.Stdout))
	})
}
