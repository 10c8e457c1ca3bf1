package apiserver

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// ListenUnix listens on a unix socket at path, mode 0600, replacing a stale
// socket file (one nobody answers on any more).
func ListenUnix(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("listening on %s: another server answers there", path)
		}
		os.Remove(path)
	}
	// The socket must never exist with looser permissions, even briefly.
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}
