package streaming

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/streaming/pkg/httpstream/wsstream"
	"k8s.io/streaming/pkg/runtime"
)

// The channel subprotocols for a remote command over WebSocket: v5 (the API
// server's, with the stream-close signal) and those of the kubelet's
// WebSocket server, which the API server proxied before v5.
const (
	v5ChannelProtocol       = remotecommandconsts.StreamProtocolV5Name
	v4ChannelProtocol       = "v4." + wsstream.ChannelWebSocketProtocol
	v4Base64ChannelProtocol = "v4." + wsstream.Base64ChannelWebSocketProtocol
)

// writeStatusDeadline bounds the write of the final status, so a client
// that stopped reading cannot hold the session (the API server's
// writeErrorDeadline).
const writeStatusDeadline = 10 * time.Second

// execChannels lays out the channels as the kubelet and the API server do:
// stdin 0, stdout 1, stderr 2, error 3, resize 4; a stream not asked for is
// ignored.
func execChannels(opts Options) []wsstream.ChannelType {
	ch := func(want bool, t wsstream.ChannelType) wsstream.ChannelType {
		if want {
			return t
		}
		return wsstream.IgnoreChannel
	}
	return []wsstream.ChannelType{
		remotecommandconsts.StreamStdIn:  ch(opts.Stdin, wsstream.ReadChannel),
		remotecommandconsts.StreamStdOut: ch(opts.Stdout, wsstream.WriteChannel),
		remotecommandconsts.StreamStdErr: ch(opts.Stderr, wsstream.WriteChannel),
		remotecommandconsts.StreamErr:    wsstream.WriteChannel,
		remotecommandconsts.StreamResize: wsstream.ReadChannel,
	}
}

// execWebSocketProtocols maps each subprotocol to its encoding.
func execWebSocketProtocols(opts Options) map[string]wsstream.ChannelProtocolConfig {
	channels := execChannels(opts)
	binary := wsstream.ChannelProtocolConfig{Binary: true, Channels: channels}
	text := wsstream.ChannelProtocolConfig{Binary: false, Channels: channels}
	return map[string]wsstream.ChannelProtocolConfig{
		v5ChannelProtocol:                       binary,
		v4ChannelProtocol:                       binary,
		v4Base64ChannelProtocol:                 text,
		wsstream.ChannelWebSocketProtocol:       binary,
		wsstream.Base64ChannelWebSocketProtocol: text,
		"":                                      binary,
	}
}

// serveWebSocketExec serves a remote command over a WebSocket with
// wsstream.Conn's channel framing.
func (s Server) serveWebSocketExec(w http.ResponseWriter, req *http.Request, opts Options, run Run) {
	protocols := execWebSocketProtocols(opts)
	if !checkWebSocketProtocols(w, req, protocols) {
		return
	}
	hw := newHijackWriter(w)
	conn := wsstream.NewConn(protocols)
	conn.SetIdleTimeout(s.idleTimeout())
	protocol, channels, err := conn.Open(hw, req)
	if err != nil {
		runtime.HandleError(fmt.Errorf("unable to upgrade websocket connection: %w", err))
		return
	}
	defer conn.Close()

	// An empty message on the lowest writable channel tells the client the
	// session is up (the kubelet's and API server's createWebSocketStreams).
	switch {
	case opts.Stdout:
		_, err = channels[remotecommandconsts.StreamStdOut].Write(nil)
	case opts.Stderr:
		_, err = channels[remotecommandconsts.StreamStdErr].Write(nil)
	default:
		_, err = channels[remotecommandconsts.StreamErr].Write(nil)
	}
	if err != nil {
		return
	}

	ctx, cancel := sessionContext(req, hw.gone)
	defer cancel()
	ss := Streams{TTY: opts.TTY}
	if opts.Stdin {
		ss.Stdin = channels[remotecommandconsts.StreamStdIn]
	}
	if opts.Stdout {
		ss.Stdout = channels[remotecommandconsts.StreamStdOut]
	}
	if opts.Stderr {
		ss.Stderr = channels[remotecommandconsts.StreamStdErr]
	}
	// The resize channel always exists here and is always read, else a
	// client's stray resize would block the connection's read loop.
	resize := channels[remotecommandconsts.StreamResize]
	if opts.TTY {
		ss.Resize = resizeEvents(resize, ctx.Done())
	} else {
		go func() { _, _ = io.Copy(io.Discard, resize) }()
	}

	errStream := channels[remotecommandconsts.StreamErr]
	report := textStatus(errStream)
	if protocol == v5ChannelProtocol || protocol == v4ChannelProtocol || protocol == v4Base64ChannelProtocol {
		report = jsonStatus(errStream)
	}
	runSession(ctx, run, ss, func(st *metav1.Status) error {
		conn.SetWriteDeadline(writeStatusDeadline)
		return report(st)
	})
}

// checkWebSocketProtocols answers with a metav1.Status when none of the
// client's subprotocols is served (a client offering none gets ""), instead
// of the bare 403 the WebSocket handshake would give; it negotiates as
// wsstream does, taking the client's order of preference.
func checkWebSocketProtocols[T any](w http.ResponseWriter, req *http.Request, served map[string]T) bool {
	offered := splitProtocols(req.Header.Values(wsstream.WebSocketProtocolHeader))
	if len(offered) == 0 {
		offered = []string{""}
	}
	for _, p := range offered {
		if _, ok := served[p]; ok {
			return true
		}
	}
	var supported []string
	for p := range served {
		if p != "" {
			supported = append(supported, p)
		}
	}
	slices.Sort(supported)
	writeHTTPStatus(w, http.StatusForbidden, reasonFor(http.StatusForbidden),
		fmt.Sprintf("unable to upgrade: unable to negotiate protocol: client supports %v, server accepts %v", offered, supported))
	return false
}
