package streaming

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/runtime"
)

// servePortForwardSPDY serves port-forward over a SPDY upgrade of req.
func (s Server) servePortForwardSPDY(w http.ResponseWriter, req *http.Request, forward Forward) {
	if _, ok := handshake(w, req, portForwardProtocols); !ok {
		return
	}
	sess := newPortForwardSession(forward, s.streamCreationTimeout())
	conn := spdy.NewResponseUpgrader().UpgradeResponse(newHijackWriter(w), req, sess.newStream)
	if conn == nil {
		return // the upgrader has answered
	}
	conn.SetIdleTimeout(s.idleTimeout())
	sess.serve(req, conn)
}

// portForwardSession pairs the data and error streams of each forwarded
// connection of one SPDY session and runs forward on every complete pair
// (the kubelet's httpStreamHandler).
type portForwardSession struct {
	forward  Forward
	timeout  time.Duration
	incoming chan httpstream.Stream
	done     chan struct{} // closed when the session stops taking streams

	mu    sync.Mutex
	pairs map[string]*streamPair // pairs still missing a stream
	wg    sync.WaitGroup         // running forwards
}

// streamPair is one forwarded connection's data and error streams.
type streamPair struct {
	requestID   string
	data, error httpstream.Stream
	expiry      *time.Timer
}

func newPortForwardSession(forward Forward, timeout time.Duration) *portForwardSession {
	return &portForwardSession{
		forward:  forward,
		timeout:  timeout,
		incoming: make(chan httpstream.Stream),
		done:     make(chan struct{}),
		pairs:    map[string]*streamPair{},
	}
}

// newStream is the connection's httpstream.NewStreamHandler: it accepts a
// stream with a valid port and stream type header and hands it to serve
// (the kubelet's httpStreamReceived); a rejected stream is reset.
func (p *portForwardSession) newStream(st httpstream.Stream, _ <-chan struct{}) error {
	h := st.Headers()
	port := h.Get(corev1.PortHeader)
	if port == "" {
		return fmt.Errorf("%q header is required", corev1.PortHeader)
	}
	if _, err := parsePort(port); err != nil {
		return err
	}
	switch t := h.Get(corev1.StreamType); t {
	case corev1.StreamTypeError, corev1.StreamTypeData:
	case "":
		return fmt.Errorf("%q header is required", corev1.StreamType)
	default:
		return fmt.Errorf("invalid stream type %q", t)
	}
	select {
	case p.incoming <- st:
		return nil
	case <-p.done:
		return errors.New("port-forward session is over")
	}
}

// serve pairs streams until the connection closes or req's context ends,
// then closes the connection and waits for the forwards to return.
func (p *portForwardSession) serve(req *http.Request, conn httpstream.Connection) {
	ctx, cancel := sessionContext(req, conn.CloseChan())
	defer func() {
		close(p.done)
		p.mu.Lock()
		for _, pair := range p.pairs {
			pair.expiry.Stop()
		}
		p.mu.Unlock()
		cancel()
		_ = conn.Close()
		p.wg.Wait()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case st := <-p.incoming:
			if pair := p.add(conn, st); pair != nil {
				p.wg.Add(1)
				go p.run(ctx, conn, pair)
			}
		}
	}
}

// requestID names the forwarded connection a stream belongs to. Clients
// older than the requestID header open a connection's error and data
// streams back to back, so their identifiers differ by 2 (the kubelet's
// best effort for them).
func requestID(st httpstream.Stream) string {
	if id := st.Headers().Get(corev1.PortForwardRequestIDHeader); id != "" {
		return id
	}
	if st.Headers().Get(corev1.StreamType) == corev1.StreamTypeData {
		return strconv.Itoa(int(st.Identifier()) - 2)
	}
	return strconv.Itoa(int(st.Identifier()))
}

// add files st with its pair and returns the pair once it is complete.
func (p *portForwardSession) add(conn httpstream.Connection, st httpstream.Stream) *streamPair {
	id := requestID(st)
	p.mu.Lock()
	pair, ok := p.pairs[id]
	if !ok {
		pair = &streamPair{requestID: id}
		p.pairs[id] = pair
		pair.expiry = time.AfterFunc(p.timeout, func() { p.expire(conn, pair) })
	}
	slot := &pair.data
	if st.Headers().Get(corev1.StreamType) == corev1.StreamTypeError {
		slot = &pair.error
	}
	dup := *slot != nil
	if !dup {
		*slot = st
	}
	complete := pair.data != nil && pair.error != nil
	if complete {
		pair.expiry.Stop()
		delete(p.pairs, id)
	}
	p.mu.Unlock()

	if dup {
		msg := fmt.Sprintf("error processing stream for request %s: %s stream already assigned", id, st.Headers().Get(corev1.StreamType))
		runtime.HandleError(errors.New(msg))
		_ = st.Reset()
		if pair.error != nil && !complete {
			_, _ = fmt.Fprint(pair.error, msg)
		}
		return nil
	}
	if complete {
		return pair
	}
	return nil
}

// expire gives up on a pair still incomplete after the stream-creation
// timeout, telling the client on the error stream if it has one.
func (p *portForwardSession) expire(conn httpstream.Connection, pair *streamPair) {
	p.mu.Lock()
	if p.pairs[pair.requestID] != pair {
		p.mu.Unlock()
		return // completed meanwhile
	}
	delete(p.pairs, pair.requestID)
	p.mu.Unlock()
	msg := fmt.Sprintf("request %s: timed out waiting for streams", pair.requestID)
	runtime.HandleError(errors.New(msg))
	if pair.error != nil {
		_, _ = fmt.Fprint(pair.error, msg)
		_ = pair.error.Close()
	}
	if pair.data != nil {
		_ = pair.data.Reset()
	}
	conn.RemoveStreams(pair.data, pair.error)
}

// run forwards one connection to the port its data stream names and closes
// our side of both streams; a failure goes to the error stream.
func (p *portForwardSession) run(ctx context.Context, conn httpstream.Connection, pair *streamPair) {
	defer p.wg.Done()
	port, _ := parsePort(pair.data.Headers().Get(corev1.PortHeader)) // checked by newStream
	if err := p.forward(ctx, port, pair.data); err != nil {
		runtime.HandleError(err)
		_, _ = fmt.Fprint(pair.error, err.Error())
	}
	_ = pair.error.Close()
	_ = pair.data.Close()
	conn.RemoveStreams(pair.data, pair.error)
}
