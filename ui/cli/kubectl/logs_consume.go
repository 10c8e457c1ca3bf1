package kubectl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/podlab/podlab/runtime/client"
)

// logsReader streams log requests as kubectl's LogsOptions does.
type logsReader struct {
	cl            client.Interface
	out, errOut   io.Writer
	follow        bool
	prefix        bool
	ignoreErrors  bool
	podTimeout    time.Duration // how long -f retries a log the server refuses
	retryInterval time.Duration // kubectl polls once a second
}

// run is RunLogs: with -f and more than one stream, all of them at once
// (no more than maxRequests); otherwise one after the other.
func (r *logsReader) run(ctx context.Context, reqs []logRequest, maxRequests int) error {
	if r.follow && len(reqs) > 1 {
		if len(reqs) > maxRequests {
			return fmt.Errorf("you are attempting to follow %d log streams, but maximum allowed concurrency is %d, use --max-log-requests to increase the limit", len(reqs), maxRequests)
		}
		return r.parallel(ctx, reqs)
	}
	for _, req := range reqs {
		if err := r.consumeWithRetry(ctx, req, r.withPrefix(req, r.out), r.out); err != nil {
			if ctx.Err() != nil {
				return nil // interrupted: kubectl's ctrl-c
			}
			return err
		}
	}
	return nil
}

// parallel follows every stream into one pipe; the first failure ends it.
func (r *logsReader) parallel(ctx context.Context, reqs []logRequest) error {
	pr, pw := io.Pipe()
	var wg sync.WaitGroup
	for _, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.consumeWithRetry(ctx, req, r.withPrefix(req, pw), pw); err != nil {
				pw.CloseWithError(err)
			}
		}()
	}
	go func() {
		wg.Wait()
		pw.Close()
	}()
	_, err := io.Copy(r.out, pr)
	if ctx.Err() != nil {
		return nil // interrupted: kubectl's ctrl-c
	}
	return err
}

// consumeWithRetry is kubectl's: without -f one try, whose failure
// --ignore-errors prints as "error: ..." to the log output and passes
// over; with -f the server's refusals (a container not started yet) are
// printed to stderr and tried again each second until --pod-running-timeout.
func (r *logsReader) consumeWithRetry(ctx context.Context, req logRequest, out, internalErrOut io.Writer) error {
	if !r.follow {
		err := r.consume(ctx, req, out)
		if err != nil && r.ignoreErrors {
			fmt.Fprint(internalErrOut, "error: "+err.Error()+"\n")
			return nil
		}
		return err
	}
	return wait.PollUntilContextTimeout(ctx, r.retryInterval, r.podTimeout, true, func(context.Context) (bool, error) {
		err := r.consume(ctx, req, out)
		if err == nil || ctx.Err() != nil {
			return true, nil
		}
		if r.ignoreErrors {
			fmt.Fprint(internalErrOut, "error: "+err.Error()+"\n")
			return true, nil
		}
		fmt.Fprint(r.errOut, err.Error()+"\n")
		var status apierrors.APIStatus
		if errors.As(err, &status) {
			return false, nil
		}
		return false, err
	})
}

// consume is DefaultConsumeRequest: the log a line at a time, so that
// parallel streams never interleave within a line.
func (r *logsReader) consume(ctx context.Context, req logRequest, out io.Writer) error {
	rc, err := r.cl.Logs(ctx, req.namespace, req.pod, req.opts)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if _, werr := out.Write(line); werr != nil {
				return werr
			}
		}
		if err == io.EOF || (err != nil && ctx.Err() != nil) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// withPrefix is addPrefixIfNeeded: --prefix writes "[pod/NAME/CONTAINER] "
// before each line.
func (r *logsReader) withPrefix(req logRequest, w io.Writer) io.Writer {
	if !r.prefix || req.pod == "" || req.container == "" {
		return w
	}
	return &prefixWriter{prefix: []byte(fmt.Sprintf("[pod/%s/%s] ", req.pod, req.container)), w: w}
}

// prefixWriter writes its prefix and each line in one Write, so a pipe
// shared by parallel streams keeps lines whole.
type prefixWriter struct {
	prefix []byte
	w      io.Writer
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := p.w.Write(append(append([]byte(nil), p.prefix...), b...))
	return max(0, min(len(b), n-len(p.prefix))), err
}
