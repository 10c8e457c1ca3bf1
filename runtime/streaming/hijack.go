package streaming

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// hijackWriter lets the upgraders hijack a ResponseWriter that only wraps a
// hijackable one (as middleware writers do; the kubelet unwraps them with
// responsewriter.GetOriginal), and reports when the hijacked connection is
// closed: that is how a WebSocket session learns its client went away, since
// wsstream.Conn closes the connection when its read loop ends.
type hijackWriter struct {
	http.ResponseWriter
	once sync.Once
	gone chan struct{}
}

func newHijackWriter(w http.ResponseWriter) *hijackWriter {
	return &hijackWriter{ResponseWriter: w, gone: make(chan struct{})}
}

func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &closeNotifyConn{Conn: c, h: h}, rw, nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (h *hijackWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

type closeNotifyConn struct {
	net.Conn
	h *hijackWriter
}

func (c *closeNotifyConn) Close() error {
	err := c.Conn.Close()
	c.h.once.Do(func() { close(c.h.gone) })
	return err
}
