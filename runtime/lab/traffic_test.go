package lab

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/engine"
	"github.com/podlab/podlab/runtime/images/box"
)

// The handler serves the proxy's file as client.Traffic, split into
// namespace, Service and port, filtered by ?namespace=, read-only.
func TestTrafficHandler(t *testing.T) {
	if engine.ProxyTrafficFile != box.TrafficFile {
		t.Fatalf("the engine's name of the counts' file %q is not the proxy's %q", engine.ProxyTrafficFile, box.TrafficFile)
	}
	dir := t.TempDir()
	h := trafficHandler(dir)
	get := func(query string) (client.Traffic, int) {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, client.TrafficPath+query, nil))
		var out client.Traffic
		if rec.Code == http.StatusOK {
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("%s: %v", rec.Body, err)
			}
		}
		return out, rec.Code
	}
	// Nothing published yet: no Services, not an error.
	if got, code := get(""); code != http.StatusOK || got.Services == nil || len(got.Services) != 0 || !got.Since.IsZero() {
		t.Fatalf("before the proxy published: %d %+v", code, got)
	}
	since := time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)
	if err := os.MkdirAll(engine.ProxyStatsDir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	err := box.WriteTraffic(filepath.Join(engine.ProxyStatsDir(dir), box.TrafficFile), box.TrafficTable{Since: since, Updated: since.Add(time.Minute), Services: []box.TrafficService{
		{Name: "default/web:http", IP: "10.96.0.20", Port: 80, Refused: 1, Endpoints: []box.TrafficEndpoint{
			{Endpoint: "172.18.0.5:8080", Connections: 3, Active: 1, BytesIn: 300, BytesOut: 900},
			{Endpoint: "172.18.0.6:8080", Connections: 2, Failed: 1},
		}},
		{Name: "shop/db:5432", IP: "10.96.0.30", Port: 5432, Endpoints: []box.TrafficEndpoint{{Endpoint: "172.18.0.9:5432", Connections: 7}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	all, _ := get("")
	if len(all.Services) != 2 || !all.Since.Equal(since) || !all.Updated.Equal(since.Add(time.Minute)) {
		t.Fatalf("all namespaces: %+v", all)
	}
	def, _ := get("?namespace=default")
	if len(def.Services) != 1 {
		t.Fatalf("namespace default: %+v", def.Services)
	}
	web := def.Services[0]
	if web.Namespace != "default" || web.Name != "web" || web.Port != "http" || web.ClusterIP != "10.96.0.20" || web.PortNumber != 80 || web.Refused != 1 {
		t.Errorf("web: %+v", web)
	}
	want := []client.EndpointTraffic{
		{IP: "172.18.0.5", Port: 8080, Connections: 3, Active: 1, BytesIn: 300, BytesOut: 900},
		{IP: "172.18.0.6", Port: 8080, Connections: 2, Failed: 1},
	}
	if len(web.Endpoints) != 2 || web.Endpoints[0] != want[0] || web.Endpoints[1] != want[1] {
		t.Errorf("web's endpoints: %+v", web.Endpoints)
	}
	if none, _ := get("?namespace=kube-system"); len(none.Services) != 0 {
		t.Errorf("kube-system: %+v", none.Services)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, client.TrafficPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}
