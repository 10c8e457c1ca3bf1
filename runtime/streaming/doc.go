// Package streaming is the server side of kubectl's streaming protocols:
// it takes over a pods/exec, pods/attach or pods/portforward request,
// upgrades it to whichever protocol the client speaks, and connects the
// streams to a callback that runs the command or relays the connection.
//
// Remote command (exec, attach), see ServeRemoteCommand:
//   - WebSocket with the channel subprotocols v5.channel.k8s.io (kubectl
//     1.30+ tries it first; it adds the stream-close signal, so closing stdin
//     reaches the command), v4.channel.k8s.io, v4.base64.channel.k8s.io,
//     channel.k8s.io, base64.channel.k8s.io and none;
//   - SPDY/3.1 with v4.channel.k8s.io, v3, v2 and channel.k8s.io, the
//     fallback of kubectl and the only transport of older clients.
//
// Port-forward, see ServePortForward:
//   - SPDY/3.1 with portforward.k8s.io: a data and an error stream per
//     forwarded connection, paired by their requestID header, the port in
//     their port header;
//   - the same SPDY session tunnelled through a WebSocket, subprotocol
//     SPDY/3.1+portforward.k8s.io, as kubectl 1.31+ does;
//   - the kubelet's WebSocket channel protocol for clients that name the
//     ports in the query (port or ports) rather than per stream.
//
// The framing is k8s.io/streaming's (the SPDY upgrader, httpstream.Handshake,
// wsstream.Conn); this package only applies the rules upstream's kubelet and
// API server follow on top of it, and each such rule names its origin.
package streaming
