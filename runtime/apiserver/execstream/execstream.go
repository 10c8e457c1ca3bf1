// Package execstream is the framing of `exec` streams between the API server
// and its clients over a hijacked HTTP connection: each frame is one channel
// byte, a big-endian uint32 length and the payload. It imports nothing from podlab.
package execstream

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// Upgrade is the protocol name of the HTTP upgrade that starts an exec stream.
const Upgrade = "podlab-exec.v1"

// Channels of an exec stream.
const (
	Stdin      byte = 0
	Stdout     byte = 1
	Stderr     byte = 2
	Exit       byte = 3 // JSON {"code":N} or {"error":"..."}, last frame from the server
	Resize     byte = 4 // JSON {"Width":W,"Height":H}
	StdinClose byte = 5
)

// maxFrame bounds a frame's payload so a bad peer cannot make us allocate much.
const maxFrame = 1 << 20

// Writer writes frames; it is safe for concurrent use.
type Writer struct {
	mu sync.Mutex
	w  io.Writer
}

// NewWriter frames onto w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteFrame writes one frame.
func (fw *Writer) WriteFrame(ch byte, payload []byte) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	var hdr [5]byte
	hdr[0] = ch
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(payload)))
	if _, err := fw.w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := fw.w.Write(payload)
	return err
}

// Channel returns an io.Writer that frames everything written on ch.
func (fw *Writer) Channel(ch byte) io.Writer { return channelWriter{fw, ch} }

type channelWriter struct {
	fw *Writer
	ch byte
}

func (c channelWriter) Write(p []byte) (int, error) {
	for off := 0; off < len(p); off += maxFrame {
		end := min(off+maxFrame, len(p))
		if err := c.fw.WriteFrame(c.ch, p[off:end]); err != nil {
			return off, err
		}
	}
	return len(p), nil
}

// ReadFrame reads one frame.
func ReadFrame(r io.Reader) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > maxFrame {
		return 0, nil, errors.New("execstream: frame too large")
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return 0, nil, err
	}
	return hdr[0], buf, nil
}
