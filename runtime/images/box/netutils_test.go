package box

import (
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// runNC runs the nc applet against addr with its stdin under the test's
// control (feed writes it; closing it ends stdin) and returns nc's output.
func runNC(t *testing.T, addr string, feed func(stdin io.WriteCloser)) string {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	outR, outW, _ := os.Pipe()
	inR, inW, _ := os.Pipe()
	oldOut, oldIn := os.Stdout, os.Stdin
	os.Stdout, os.Stdin = outW, inR
	defer func() { os.Stdout, os.Stdin = oldOut, oldIn; inW.Close(); inR.Close() }()
	done := make(chan int, 1)
	go func() { done <- ncMain([]string{"nc", host, port}) }()
	feed(inW)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("nc exit %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nc did not end")
	}
	outW.Close()
	var buf bytes.Buffer
	io.Copy(&buf, outR)
	return buf.String()
}

func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		serve(conn)
	}()
	return ln.Addr().String()
}

// The end of stdin half-closes the connection: the peer reads to EOF and
// its answer still reaches stdout.
func TestNCHalfClosesOnEndOfStdin(t *testing.T) {
	addr := listen(t, func(c net.Conn) {
		req, _ := io.ReadAll(c)
		io.WriteString(c, "got "+string(req))
	})
	out := runNC(t, addr, func(stdin io.WriteCloser) {
		io.WriteString(stdin, "ping")
		stdin.Close()
	})
	if out != "got ping" {
		t.Fatalf("nc output %q, want %q", out, "got ping")
	}
}

// The peer closing the connection ends nc although its stdin stays open, as
// a forwarded connection's stdin does while the local client waits.
func TestNCEndsWhenThePeerCloses(t *testing.T) {
	addr := listen(t, func(c net.Conn) {
		line := make([]byte, 5)
		io.ReadFull(c, line)
		io.WriteString(c, strings.ToUpper(string(line)))
	})
	out := runNC(t, addr, func(stdin io.WriteCloser) { io.WriteString(stdin, "hello") })
	if out != "HELLO" {
		t.Fatalf("nc output %q, want %q", out, "HELLO")
	}
}
