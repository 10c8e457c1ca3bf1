package streaming

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/streaming/pkg/httpstream"
)

// testServer is an httptest server (plain HTTP or TLS) with the rest.Config
// a client-go client needs to reach it, and a record of how it was reached.
type testServer struct {
	*httptest.Server
	cfg *rest.Config

	mu       sync.Mutex
	upgrades []string // each request's Upgrade header
	handled  chan struct{}
}

// newTestServer serves h, noting each request's Upgrade header and
// signalling on handled each time h returns.
func newTestServer(t *testing.T, useTLS bool, h http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{handled: make(chan struct{}, 16)}
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.upgrades = append(ts.upgrades, r.Header.Get(httpstream.HeaderUpgrade))
		ts.mu.Unlock()
		h(w, r)
		ts.handled <- struct{}{}
	})
	if useTLS {
		ts.Server = httptest.NewTLSServer(wrapped)
		ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
		ts.cfg = &rest.Config{Host: ts.URL, TLSClientConfig: rest.TLSClientConfig{CAData: ca}}
	} else {
		ts.Server = httptest.NewServer(wrapped)
		ts.cfg = &rest.Config{Host: ts.URL}
	}
	t.Cleanup(ts.Close)
	return ts
}

func (ts *testServer) url(t *testing.T, path string, q url.Values) *url.URL {
	t.Helper()
	u, err := url.Parse(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = q.Encode()
	return u
}

// lastUpgrade is the Upgrade header of the latest request.
func (ts *testServer) lastUpgrade() string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if len(ts.upgrades) == 0 {
		return ""
	}
	return ts.upgrades[len(ts.upgrades)-1]
}

// waitHandled waits for the handler to return.
func (ts *testServer) waitHandled(t *testing.T) {
	t.Helper()
	select {
	case <-ts.handled:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not return")
	}
}

// optionsFromQuery reads Options as the REST layer would from
// PodExecOptions' query parameters.
func optionsFromQuery(q url.Values) Options {
	b := func(k string) bool { v, _ := strconv.ParseBool(q.Get(k)); return v }
	return Options{Stdin: b("stdin"), Stdout: b("stdout"), Stderr: b("stderr"), TTY: b("tty")}
}

func wait[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
