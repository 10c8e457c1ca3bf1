package box

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
