package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labhome"
)

// startTimeout bounds how long Up waits for a new control plane to answer.
const startTimeout = 60 * time.Second

// Status reports on the control plane, if it runs.
func Status(ctx context.Context, home labhome.Home) (client.ServerStatus, bool, error) {
	c := client.New(home.Socket())
	st, err := c.Status(ctx)
	if err != nil {
		if client.IsUnavailable(err) {
			return client.ServerStatus{}, false, nil
		}
		return client.ServerStatus{}, false, err
	}
	return st, true, nil
}

// Connect returns a client of the lab's running control plane, starting it
// in the background first if it is not running (with a one-line notice on notice).
func Connect(ctx context.Context, home labhome.Home, notice io.Writer) (client.Interface, error) {
	if _, running, err := Status(ctx, home); err != nil {
		return nil, err
	} else if running {
		return client.New(home.Socket()), nil
	}
	if notice != nil {
		fmt.Fprintf(notice, "podlab: starting the lab's control plane (podlab up) in %s\n", home.Dir)
	}
	if _, _, err := Up(ctx, Options{Home: home}); err != nil {
		return nil, err
	}
	return client.New(home.Socket()), nil
}

// Up starts the control plane in the background unless it runs already
// (alreadyRunning), and returns its status.
func Up(ctx context.Context, opts Options) (client.ServerStatus, bool, error) {
	home := opts.Home
	// A shape the lab cannot take is refused here, in the learner's
	// terminal, rather than in the background process's log.
	if _, err := resolveShape(home, opts, false); err != nil {
		return client.ServerStatus{}, false, err
	}
	if st, running, err := Status(ctx, home); err != nil {
		return st, false, err
	} else if running {
		return st, true, nil
	}
	if err := home.Ensure(); err != nil {
		return client.ServerStatus{}, false, err
	}
	exe, err := os.Executable()
	if err != nil {
		return client.ServerStatus{}, false, err
	}
	args := []string{"serve"}
	if opts.AllowPrivileged {
		args = append(args, "--allow-privileged")
	}
	if opts.AllowHostPaths {
		args = append(args, "--allow-host-paths")
	}
	if opts.Workers != 0 {
		args = append(args, "--nodes", strconv.Itoa(opts.Workers))
	}
	if opts.ClusterFile != "" {
		// The control plane runs in the lab's home: the path must not be relative.
		abs, err := filepath.Abs(opts.ClusterFile)
		if err != nil {
			return client.ServerStatus{}, false, err
		}
		args = append(args, "--cluster", abs)
	}
	scale := opts.TimeScale
	if scale <= 0 {
		scale = labclock.Scale()
	}
	args = append(args, "--time-scale", strconv.FormatFloat(scale, 'g', -1, 64))

	logf, err := os.OpenFile(home.LogFile(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return client.ServerStatus{}, false, err
	}
	defer logf.Close()
	offset, _ := logf.Seek(0, io.SeekEnd)
	cmd := exec.Command(exe, args...)
	cmd.Dir = home.Dir
	cmd.Env = append(os.Environ(), labhome.EnvVar+"="+home.Dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own session: the control plane outlives the terminal that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return client.ServerStatus{}, false, fmt.Errorf("starting the control plane: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return client.ServerStatus{}, false, fmt.Errorf("the control plane exited at start (%v):\n%s", err, logTail(home.LogFile(), offset))
		case <-ctx.Done():
			return client.ServerStatus{}, false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if st, running, _ := Status(ctx, home); running {
			return st, false, nil
		}
	}
	return client.ServerStatus{}, false, fmt.Errorf("the control plane did not answer within %s; see %s", startTimeout, home.LogFile())
}

// Down stops the control plane; pods keep running and are adopted at the next Up.
func Down(ctx context.Context, home labhome.Home) (bool, error) {
	pid, ok := readPID(home)
	if !ok {
		return false, nil
	}
	proc, err := os.FindProcess(pid)
	if err != nil || proc.Signal(syscall.Signal(0)) != nil {
		// A stale PID file from a killed control plane.
		os.Remove(home.PIDFile())
		return false, nil
	}
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		return false, err
	}
	for i := 0; i < 200; i++ { // up to 10 s for a clean shutdown
		if proc.Signal(syscall.Signal(0)) != nil {
			return true, nil
		}
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	_ = proc.Signal(syscall.SIGKILL)
	return true, nil
}

func readPID(home labhome.Home) (int, bool) {
	b, err := os.ReadFile(home.PIDFile())
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}

// logTail returns what the control plane logged after offset, for start errors.
func logTail(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, err := io.ReadAll(io.LimitReader(f, 8<<10))
	if err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	return strings.TrimSpace(string(b))
}
