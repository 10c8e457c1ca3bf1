package lab

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/engine"
	"github.com/podlab/podlab/runtime/images/box"
)

// trafficHandler serves client.TrafficPath: the counts the lab's proxy
// publishes in its stats directory under dir (the proxy directory), read
// on each request, as client.Traffic — of one namespace with ?namespace=.
// Before the proxy has published anything there are no Services.
func trafficHandler(dir string) http.Handler {
	path := filepath.Join(engine.ProxyStatsDir(dir), engine.ProxyTrafficFile)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the traffic counts are read-only", http.StatusMethodNotAllowed)
			return
		}
		out, err := readTraffic(path, r.URL.Query().Get("namespace"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
}

// readTraffic reads the proxy's file and keeps namespace's Services ("": all).
func readTraffic(path, namespace string) (client.Traffic, error) {
	out := client.Traffic{Services: []client.ServiceTraffic{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	var table box.TrafficTable
	if err := json.Unmarshal(b, &table); err != nil {
		return out, err
	}
	out.Since, out.Updated = table.Since, table.Updated
	for _, s := range table.Services {
		// The proxy's name of a service port is servicenet's "namespace/name:port".
		ns, rest, _ := strings.Cut(s.Name, "/")
		name, port, _ := strings.Cut(rest, ":")
		if namespace != "" && ns != namespace {
			continue
		}
		st := client.ServiceTraffic{Namespace: ns, Name: name, Port: port, ClusterIP: s.IP, PortNumber: s.Port,
			Refused: s.Refused, Endpoints: []client.EndpointTraffic{}}
		for _, e := range s.Endpoints {
			host, p, err := net.SplitHostPort(e.Endpoint)
			if err != nil {
				continue
			}
			n, _ := strconv.Atoi(p)
			st.Endpoints = append(st.Endpoints, client.EndpointTraffic{IP: host, Port: n, Connections: e.Connections, Active: e.Active,
				Failed: e.Failed, BytesIn: e.BytesIn, BytesOut: e.BytesOut})
		}
		out.Services = append(out.Services, st)
	}
	return out, nil
}
