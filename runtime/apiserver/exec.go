package apiserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/apiserver/execstream"
	"github.com/podlab/podlab/runtime/client"
)

// exec upgrades the connection and runs the command through PodIO, framing
// the streams with execstream.
func (s *Server) exec(w http.ResponseWriter, r *http.Request, req request) {
	q := r.URL.Query()
	pod, container, err := s.podContainer(req, q.Get("container"))
	if err != nil {
		writeError(w, err)
		return
	}
	cmd := q["command"]
	attach := req.subresource == "attach"
	if len(cmd) == 0 && !attach {
		writeError(w, apierrors.NewBadRequest("you must specify at least 1 command"))
		return
	}
	useStdin := queryBool(q, "stdin")
	resize := make(chan client.TermSize, 4)
	serveStream(w, r, "exec", useStdin, resize, func(ctx context.Context, stdin io.Reader, out *execstream.Writer) (int, error) {
		opts := client.ExecOptions{
			Container: container, Command: cmd, TTY: queryBool(q, "tty"),
			Stdout: out.Channel(execstream.Stdout), Stderr: out.Channel(execstream.Stderr), Resize: resize,
		}
		if useStdin {
			opts.Stdin = stdin
		}
		run := s.cfg.PodIO.Exec
		if attach {
			run = s.cfg.PodIO.Attach
		}
		return run(ctx, pod, opts)
	})
}

// serveStream upgrades the connection to podlab's stream protocol (exec,
// attach, port-forward) and runs one session on it: the client's frames
// feed the session's stdin (when useStdin) and resizes; the session's exit
// code, or its error, goes back as the exit frame. After the hijack the
// request's context no longer follows the connection: the frame reader ends
// the session when the client goes away.
func serveStream(w http.ResponseWriter, r *http.Request, what string, useStdin bool, resize chan client.TermSize,
	session func(ctx context.Context, stdin io.Reader, out *execstream.Writer) (int, error)) {
	conn, rw, ok := upgrade(w, r, what)
	if !ok {
		return
	}
	defer conn.Close()
	fw := execstream.NewWriter(conn)
	stdinR, stdinW := io.Pipe()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		readClientFrames(rw.Reader, stdinW, useStdin, resize)
		cancel()
	}()
	code, err := session(ctx, stdinR, fw)
	exit := map[string]any{"code": code}
	if err != nil {
		exit = map[string]any{"error": err.Error()}
	}
	b, _ := json.Marshal(exit)
	fw.WriteFrame(execstream.Exit, b)
	stdinW.Close()
	stdinR.Close()
}

// readClientFrames feeds the client's stdin and resize frames to the session
// until the connection ends. Stdin goes through its own goroutine, so a
// session that has not read its input yet never holds up a resize.
func readClientFrames(r *bufio.Reader, stdin *io.PipeWriter, useStdin bool, resize chan<- client.TermSize) {
	defer close(resize)
	input := make(chan []byte, 256)
	defer close(input)
	go func() {
		defer stdin.Close()
		for payload := range input {
			if payload == nil {
				return // stdin closed by the client
			}
			if _, err := stdin.Write(payload); err != nil {
				// The session stopped reading stdin: drop the rest.
				for range input {
				}
				return
			}
		}
	}()
	for {
		ch, payload, err := execstream.ReadFrame(r)
		if err != nil {
			return
		}
		switch ch {
		case execstream.Stdin:
			if useStdin && len(payload) > 0 {
				input <- payload
			}
		case execstream.StdinClose:
			if useStdin {
				input <- nil
				useStdin = false
			}
		case execstream.Resize:
			var sz client.TermSize
			if json.Unmarshal(payload, &sz) == nil {
				select {
				case resize <- sz:
				default:
				}
			}
		}
	}
}

func unwrapHijacker(w http.ResponseWriter) (http.Hijacker, bool) {
	for {
		if hj, ok := w.(http.Hijacker); ok {
			return hj, true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil, false
		}
		w = u.Unwrap()
	}
}

// upgrade switches the request's connection to podlab's stream protocol
// (execstream framing) for exec, attach and port-forward; when it cannot,
// it has answered the request and returns false.
func upgrade(w http.ResponseWriter, r *http.Request, what string) (net.Conn, *bufio.ReadWriter, bool) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), execstream.Upgrade) {
		writeError(w, apierrors.NewBadRequest(what+" needs an upgrade to "+execstream.Upgrade))
		return nil, nil, false
	}
	hj, ok := unwrapHijacker(w)
	if !ok {
		writeError(w, fmt.Errorf("connection cannot be upgraded"))
		return nil, nil, false
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, false
	}
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: %s\r\nConnection: Upgrade\r\n\r\n", execstream.Upgrade)
	rw.Flush()
	return conn, rw, true
}
