package streaming

import (
	"encoding/json"
	"io"
)

// resizeEvents decodes the JSON sizes a client writes on its resize stream
// (client-go's handleResizes) and delivers them on the returned channel,
// which is closed when the stream ends or done is closed. A size still
// waiting for the consumer is replaced by a newer one: a slow consumer must
// not stall the stream's reader, which also feeds the session's other
// streams (a SPDY frame worker, the WebSocket read loop).
func resizeEvents(r io.Reader, done <-chan struct{}) <-chan TerminalSize {
	decoded := make(chan TerminalSize)
	go func() {
		defer close(decoded)
		dec := json.NewDecoder(r)
		for {
			var size TerminalSize
			if err := dec.Decode(&size); err != nil {
				// Past garbage nothing can be decoded, but the stream is
				// still drained so that it never blocks its reader.
				_, _ = io.Copy(io.Discard, r)
				return
			}
			select {
			case decoded <- size:
			case <-done:
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
	}()

	out := make(chan TerminalSize)
	go func() {
		defer close(out)
		var pending *TerminalSize
		in := decoded
		for in != nil || pending != nil {
			var send chan<- TerminalSize
			var next TerminalSize
			if pending != nil {
				send, next = out, *pending
			}
			select {
			case size, ok := <-in:
				if !ok {
					in = nil
					continue
				}
				pending = &size
			case send <- next:
				pending = nil
			case <-done:
				return
			}
		}
	}()
	return out
}

// noResize is the Resize of a TTY session whose protocol has no resize
// stream (before v3): closed, as no size will come.
func noResize() <-chan TerminalSize {
	c := make(chan TerminalSize)
	close(c)
	return c
}
