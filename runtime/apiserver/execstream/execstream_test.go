package execstream

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

func TestFramesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.Channel(Stdout).Write([]byte("out"))
	w.WriteFrame(StdinClose, nil)
	big := bytes.Repeat([]byte("x"), maxFrame+10)
	if n, err := w.Channel(Stderr).Write(big); err != nil || n != len(big) {
		t.Fatalf("big write: %d, %v", n, err)
	}
	for _, want := range []struct {
		ch  byte
		len int
	}{{Stdout, 3}, {StdinClose, 0}, {Stderr, maxFrame}, {Stderr, 10}} {
		ch, payload, err := ReadFrame(&buf)
		if err != nil || ch != want.ch || len(payload) != want.len {
			t.Fatalf("frame: channel %d, %d bytes, %v; want channel %d, %d bytes", ch, len(payload), err, want.ch, want.len)
		}
	}
	if _, _, err := ReadFrame(&buf); err == nil {
		t.Fatal("read past the last frame")
	}
}

func TestOversizedFrameIsRejected(t *testing.T) {
	var hdr [5]byte
	hdr[0] = Stdin
	binary.BigEndian.PutUint32(hdr[1:], maxFrame+1)
	if _, _, err := ReadFrame(bytes.NewReader(hdr[:])); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Fatalf("oversized frame: %v", err)
	}
}
