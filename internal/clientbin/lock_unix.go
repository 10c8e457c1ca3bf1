//go:build unix

package clientbin

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive flock on path, polling until deadline so that
// a build hung in another process cannot hang this one forever; waiting is
// called once if the lock is held elsewhere. The kernel drops the lock if
// the holder dies, so a crashed build never leaves the cache locked.
func lockFile(path string, deadline time.Time, waiting func()) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if err != syscall.EWOULDBLOCK && err != syscall.EINTR {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: another process held it past the build timeout", path)
		}
		if !told {
			waiting()
			told = true
		}
		time.Sleep(500 * time.Millisecond)
	}
}
