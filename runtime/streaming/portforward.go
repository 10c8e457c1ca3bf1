package streaming

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	portforwardconsts "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// Forward relays one forwarded connection to the pod's port until either
// side is done or ctx is (ctx is also cancelled when the client goes away).
// Reading conn gives the client's bytes, io.EOF once the client half-closed;
// writing conn answers it. A non-nil error is written verbatim to the
// connection's error stream, where kubectl reports it and gives up the
// session; by upstream convention it reads "error forwarding port %d to pod
// %s, uid %v: %v" (see ForwardingError).
type Forward func(ctx context.Context, port int32, conn io.ReadWriter) error

// ForwardingError words a failed forward as the kubelet's streaming server
// does. (podlab's kubelet already words its errors so.)
func ForwardingError(port int32, pod string, uid types.UID, err error) error {
	return fmt.Errorf("error forwarding port %d to pod %s, uid %v: %w", port, pod, uid, err)
}

// portForwardProtocols are the port-forward subprotocols over SPDY.
var portForwardProtocols = []string{portforwardconsts.PortForwardV1Name}

// ServePortForward serves a port-forward request: it upgrades req to SPDY
// (portforward.k8s.io), to SPDY tunnelled through a WebSocket
// (SPDY/3.1+portforward.k8s.io) or to the WebSocket channel protocol, and
// calls forward for each connection the client forwards, concurrently, until
// the client goes away. A request that cannot be upgraded is answered with a
// metav1.Status.
func (s Server) ServePortForward(w http.ResponseWriter, req *http.Request, forward Forward) {
	switch {
	case wsstream.IsWebSocketRequestWithTunnelingProtocol(req):
		s.servePortForwardTunnel(w, req, forward)
	case wsstream.IsWebSocketRequest(req):
		ports, err := queryPorts(req)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		s.servePortForwardWebSocket(w, req, ports, forward)
	case isSPDYRequest(req):
		s.servePortForwardSPDY(w, req, forward)
	default:
		rejectNonUpgrade(w, req)
	}
}

// queryPorts reads the ports of a WebSocket channel session from the query:
// "port", as the kubelet reads them (portforward.NewV4Options), or "ports",
// the name in corev1.PodPortForwardOptions that the API server passes on to
// the kubelet as "port"; values may be comma-separated.
func queryPorts(req *http.Request) ([]int32, error) {
	q := req.URL.Query()
	values := slices.Concat(q["ports"], q[corev1.PortHeader])
	if len(values) == 0 {
		return nil, fmt.Errorf("query parameter %q is required", corev1.PortHeader)
	}
	var ports []int32
	for _, v := range values {
		if v == "" {
			return nil, fmt.Errorf("query parameter %q cannot be empty", corev1.PortHeader)
		}
		for _, p := range strings.Split(v, ",") {
			port, err := parsePort(p)
			if err != nil {
				return nil, err
			}
			ports = append(ports, port)
		}
	}
	return ports, nil
}

// parsePort checks a port as the kubelet does.
func parsePort(s string) (int32, error) {
	port, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("unable to parse %q as a port: %v", s, err)
	}
	if port < 1 {
		return 0, fmt.Errorf("port %q must be > 0", s)
	}
	return int32(port), nil
}
