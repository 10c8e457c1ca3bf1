package streaming

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"sync"

	"k8s.io/streaming/pkg/httpstream/wsstream"
	"k8s.io/streaming/pkg/runtime"
)

// portForwardWebSocketProtocols are the kubelet's subprotocols for its
// WebSocket port-forward; the ports come from the query.
func portForwardWebSocketProtocols(ports []int32) map[string]wsstream.ChannelProtocolConfig {
	channels := make([]wsstream.ChannelType, 0, 2*len(ports))
	for range ports {
		channels = append(channels, wsstream.ReadWriteChannel, wsstream.WriteChannel)
	}
	binary := wsstream.ChannelProtocolConfig{Binary: true, Channels: channels}
	return map[string]wsstream.ChannelProtocolConfig{
		"":                      binary,
		v4ChannelProtocol:       binary,
		v4Base64ChannelProtocol: {Binary: false, Channels: channels},
	}
}

// servePortForwardWebSocket serves the kubelet's WebSocket port-forward: one
// connection per port of the query, port i on channels 2i (data) and 2i+1
// (error), each of which first carries the port as a little-endian uint16
// (the kubelet's handleWebSocketStreams). The session ends when every
// forward has.
func (s Server) servePortForwardWebSocket(w http.ResponseWriter, req *http.Request, ports []int32, forward Forward) {
	protocols := portForwardWebSocketProtocols(ports)
	if !checkWebSocketProtocols(w, req, protocols) {
		return
	}
	hw := newHijackWriter(w)
	conn := wsstream.NewConn(protocols)
	conn.SetIdleTimeout(s.idleTimeout())
	_, channels, err := conn.Open(hw, req)
	if err != nil {
		runtime.HandleError(fmt.Errorf("unable to upgrade websocket connection: %w", err))
		return
	}
	defer conn.Close()
	ctx, cancel := sessionContext(req, hw.gone)
	defer cancel()

	var wg sync.WaitGroup
	for i, port := range ports {
		data, errs := channels[2*i], channels[2*i+1]
		prefix := binary.LittleEndian.AppendUint16(nil, uint16(port))
		if _, err := data.Write(prefix); err != nil {
			return
		}
		if _, err := errs.Write(prefix); err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			forwardChannel(ctx, forward, port, data, errs)
		}()
	}
	wg.Wait()
}

func forwardChannel(ctx context.Context, forward Forward, port int32, data io.ReadWriter, errs io.Writer) {
	if err := forward(ctx, port, data); err != nil {
		runtime.HandleError(err)
		_, _ = fmt.Fprint(errs, err.Error())
	}
}
