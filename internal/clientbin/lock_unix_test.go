//go:build unix

package clientbin

import (
	"path/filepath"
	"testing"
	"time"
)

func TestLockFileMakesTheSecondBuilderWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := lockFile(path, time.Now().Add(time.Second), func() { t.Error("first locker waited") })
	if err != nil {
		t.Fatal(err)
	}
	// A second open file description conflicts like another process would.
	if _, err := lockFile(path, time.Now().Add(700*time.Millisecond), func() {}); err == nil {
		t.Fatal("second lock taken while the first is held")
	}
	waited := make(chan struct{}, 1)
	got := make(chan error, 1)
	go func() {
		u, err := lockFile(path, time.Now().Add(10*time.Second), func() { waited <- struct{}{} })
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("second locker did not say it waits")
	}
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("second locker after unlock: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second locker did not get the lock after unlock")
	}
}
