package streaming

import (
	"fmt"
	"net/http"

	"golang.org/x/net/websocket"

	portforwardconsts "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/runtime"
)

// tunnelProtocols are the WebSocket subprotocols that carry a port-forward
// SPDY session: the SPDY subprotocol behind the tunneling prefix.
var tunnelProtocols = map[string]bool{portforwardconsts.WebsocketsSPDYTunnelingPortForwardV1: true}

// servePortForwardTunnel serves port-forward as kubectl 1.31+ asks for it
// (PortForwardWebsockets): a WebSocket whose binary messages carry the
// bytes of a SPDY connection, which is then served as a SPDY upgrade
// would be. Upstream's API server gets there by translating the upgrade for
// a proxied kubelet (streamtunnel.go); ending the tunnel here, the
// WebSocket itself is the SPDY connection's net.Conn.
func (s Server) servePortForwardTunnel(w http.ResponseWriter, req *http.Request, forward Forward) {
	if !checkWebSocketProtocols(w, req, tunnelProtocols) {
		return
	}
	sess := newPortForwardSession(forward, s.streamCreationTimeout())
	websocket.Server{
		// Origin is not checked, as upstream's tunnel does not: the client
		// is a command-line tool, authenticated like any API client.
		Handshake: func(cfg *websocket.Config, _ *http.Request) error {
			for _, p := range cfg.Protocol {
				if tunnelProtocols[p] {
					cfg.Protocol = []string{p}
					return nil
				}
			}
			return fmt.Errorf("requested protocol(s) are not supported: %v", cfg.Protocol)
		},
		Handler: func(ws *websocket.Conn) {
			// The client's tunneling connection takes binary messages only.
			ws.PayloadType = websocket.BinaryFrame
			conn, err := spdy.NewServerConnection(ws, sess.newStream)
			if err != nil {
				runtime.HandleError(fmt.Errorf("unable to start SPDY over websocket: %w", err))
				return
			}
			conn.SetIdleTimeout(s.idleTimeout())
			sess.serve(req, conn)
		},
	}.ServeHTTP(newHijackWriter(w), req)
}
