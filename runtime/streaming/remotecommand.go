package streaming

import (
	"context"
	"io"
	"net/http"
	"strings"

	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// Options are the streams the client asked for, from
// corev1.PodExecOptions or PodAttachOptions.
type Options struct {
	Stdin, Stdout, Stderr, TTY bool
}

// TerminalSize is a terminal's size as the client sends it on the resize
// stream (client-go's remotecommand.TerminalSize).
type TerminalSize struct {
	Width, Height uint16
}

// Streams connect the remote command to the client. A stream the client did
// not ask for is nil.
//
// The transports deliver input in order without buffering it, so a Run that
// asked for Stdin must keep reading it (to EOF, or until it returns).
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	TTY            bool
	// Resize delivers the terminal's sizes (TTY only, else nil) and is
	// closed when no more can come. A size not yet received is replaced by
	// a newer one.
	Resize <-chan TerminalSize
}

// Run runs the command over s until it ends or ctx is done; ctx is also
// cancelled when the client goes away. A command that exited non-zero is
// reported with an error that has ExitStatus() int (client-go's
// exec.CodeExitError, say), so that kubectl exits with that code; an error
// that carries a metav1.Status (apierrors.APIStatus) is reported as that
// status; any other error as an internal error.
type Run func(ctx context.Context, s Streams) error

// ServeRemoteCommand serves an exec or attach request: it upgrades req to
// WebSocket or SPDY, whichever the client asks for, runs run over the
// negotiated streams and reports its outcome on the error stream. A request
// that cannot be upgraded is answered with a metav1.Status.
func (s Server) ServeRemoteCommand(w http.ResponseWriter, req *http.Request, opts Options, run Run) {
	// The kubelet drops stderr with a TTY (remotecommand.NewOptions): the
	// terminal merges it into stdout and the client opens no stderr stream.
	if opts.TTY {
		opts.Stderr = false
	}
	// The API server's check in its exec and attach locations.
	if !opts.Stdin && !opts.Stdout && !opts.Stderr {
		badRequest(w, "you must specify at least 1 of stdin, stdout, stderr")
		return
	}
	switch {
	case wsstream.IsWebSocketRequest(req):
		s.serveWebSocketExec(w, req, opts, run)
	case isSPDYRequest(req):
		s.serveSPDYExec(w, req, opts, run)
	default:
		rejectNonUpgrade(w, req)
	}
}

func isSPDYRequest(req *http.Request) bool {
	return httpstream.IsUpgradeRequest(req) &&
		strings.Contains(strings.ToLower(req.Header.Get(httpstream.HeaderUpgrade)), strings.ToLower(spdy.HeaderSpdy31))
}

// rejectNonUpgrade answers a request that asks for neither protocol: the API
// server's "Upgrade request required" when it is no upgrade at all, the
// kubelet's complaint otherwise (without its dump of the request's headers).
func rejectNonUpgrade(w http.ResponseWriter, req *http.Request) {
	if !httpstream.IsUpgradeRequest(req) {
		badRequest(w, "Upgrade request required")
		return
	}
	badRequest(w, "unable to upgrade: missing upgrade headers in request")
}

// runSession runs the command with ctx and reports how it ended.
func runSession(ctx context.Context, run Run, streams Streams, report statusWriter) {
	err := run(ctx, streams)
	_ = report(sessionStatus(err)) // a client that went away hears nothing
}
