package box

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestProbeHTTPFollowsUpstreamRules(t *testing.T) {
	var gotUA, gotHeader string
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotHeader = r.UserAgent(), r.Header.Get("Custom-Header")
		w.Write([]byte(strings.Repeat("x", 20<<10)))
	})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://elsewhere.invalid/", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res := probeHTTP(srv.URL+"/ok", []string{"Custom-Header: Awesome"}, "kube-probe/1.34", time.Second)
	if res.Result != "success" || gotUA != "kube-probe/1.34" || gotHeader != "Awesome" || len(res.Output) != maxProbeBody {
		t.Fatalf("ok: %s, UA %q, header %q, body %d bytes", res.Result, gotUA, gotHeader, len(res.Output))
	}
	if res := probeHTTP(srv.URL+"/bad", nil, "ua", time.Second); res.Result != "failure" || res.Output != "HTTP probe failed with statuscode: 500" {
		t.Fatalf("500: %+v", res)
	}
	if res := probeHTTP(srv.URL+"/hop", nil, "ua", time.Second); res.Result != "success" {
		t.Fatalf("same-host redirect: %+v", res)
	}
	if res := probeHTTP(srv.URL+"/away", nil, "ua", time.Second); res.Result != "warning" || !strings.HasPrefix(res.Output, "Probe terminated redirects") {
		t.Fatalf("other-host redirect: %+v", res)
	}
}

func TestProbeTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if res := probeTCP(addr, time.Second); res.Result != "success" {
		t.Fatalf("open port: %+v", res)
	}
	ln.Close()
	if res := probeTCP(addr, time.Second); res.Result != "failure" || !strings.Contains(res.Output, "connection refused") {
		t.Fatalf("closed port: %+v", res)
	}
}

func TestProbeGRPCHealth(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(ln)
	defer srv.Stop()
	addr := ln.Addr().String()
	if res := probeGRPC(addr, "", "kube-probe/1.34", time.Second); res.Result != "success" {
		t.Fatalf("serving: %+v", res)
	}
	hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
	if res := probeGRPC(addr, "db", "ua", time.Second); res.Result != "failure" || res.Output != `service unhealthy (responded with "NOT_SERVING")` {
		t.Fatalf("not serving: %+v", res)
	}
}
