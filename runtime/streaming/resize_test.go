package streaming

import (
	"encoding/json"
	"io"
	"testing"
	"time"
)

// A consumer that does not keep up must not hold up the resize stream's
// reader; it gets the sizes in order, the latest surely, and the channel
// closes with the stream.
func TestResizeEventsNeverBlockTheReader(t *testing.T) {
	r, w := io.Pipe()
	done := make(chan struct{})
	defer close(done)
	events := resizeEvents(r, done)

	wrote := make(chan error, 1)
	go func() {
		enc := json.NewEncoder(w)
		for i := 1; i <= 100; i++ {
			if err := enc.Encode(TerminalSize{Width: uint16(i), Height: uint16(i)}); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- w.Close()
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("writing sizes blocked while nobody consumed them")
	}

	var last uint16
	for size := range events {
		if size.Width <= last || size.Width != size.Height {
			t.Fatalf("size %+v after width %d", size, last)
		}
		last = size.Width
	}
	if last != 100 {
		t.Fatalf("last size %d, want 100", last)
	}
}

func TestResizeEventsSurviveGarbage(t *testing.T) {
	r, w := io.Pipe()
	done := make(chan struct{})
	defer close(done)
	events := resizeEvents(r, done)
	go func() {
		io.WriteString(w, `{"Width":10,"Height":5}`+"\nnot json\n"+`{"Width":20,"Height":5}`)
		w.Close() // every write went through: garbage does not wedge the stream
	}()
	var got []TerminalSize
	for size := range events {
		got = append(got, size)
	}
	if len(got) != 1 || got[0] != (TerminalSize{Width: 10, Height: 5}) {
		t.Fatalf("got %+v", got)
	}
}
