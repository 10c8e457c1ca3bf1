package box

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWebHealthzFailsAfterAndReadyzWaits(t *testing.T) {
	cfg := webConfig{dir: t.TempDir(), healthz: "/healthz", failAfter: 150 * time.Millisecond, readyAfter: 100 * time.Millisecond, startedAt: time.Now(), serverName: "test"}
	srv := httptest.NewServer(routes(cfg))
	defer srv.Close()
	if code, _ := get(t, srv, "/healthz"); code != 200 {
		t.Fatalf("healthz at start = %d", code)
	}
	if code, _ := get(t, srv, "/readyz"); code != 503 {
		t.Fatalf("readyz at start = %d, want 503", code)
	}
	time.Sleep(200 * time.Millisecond)
	if code, body := get(t, srv, "/healthz"); code != 500 || !strings.Contains(body, "unhealthy") {
		t.Fatalf("healthz after fail-after = %d %q", code, body)
	}
	if code, _ := get(t, srv, "/readyz"); code != 200 {
		t.Fatalf("readyz later = %d", code)
	}
	if code, body := get(t, srv, "/echo?msg=hello"); code != 200 || body != "hello\n" {
		t.Fatalf("echo = %d %q", code, body)
	}
}

// --start-delay: connections are refused until the delay has passed, then
// served; SIGTERM then stops the server gracefully (serve returns 0).
func TestWebStartDelay(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg := webConfig{port: port, dir: t.TempDir(), healthz: "/healthz", serverName: "test", startDelay: 700 * time.Millisecond,
		quitSignals: []os.Signal{syscall.SIGTERM}}
	done := make(chan int, 1)
	start := time.Now()
	go func() { done <- serve(cfg) }()
	time.Sleep(100 * time.Millisecond)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		if time.Since(start) < cfg.startDelay {
			t.Fatal("the server accepted a connection during its start delay")
		}
	}
	var resp *http.Response
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("never served after the delay: %v", err)
	}
	resp.Body.Close()
	if time.Since(start) < cfg.startDelay {
		t.Errorf("served after %s, before the %s delay", time.Since(start), cfg.startDelay)
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve returned %d after SIGTERM", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}
