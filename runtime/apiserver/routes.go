package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/api"
)

// request is a parsed API path.
type request struct {
	res         api.Resource
	namespace   string
	name        string
	subresource string
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(r.URL.Path, "/")
	switch path {
	case "healthz", "readyz", "livez":
		w.Write([]byte("ok"))
		return
	case "version":
		writeJSON(w, http.StatusOK, map[string]string{
			"major": "1", "minor": strings.Split(version.KubernetesVersion, ".")[1],
			"gitVersion": version.KubernetesVersion + "+podlab-" + version.Version, "platform": "linux",
		})
		return
	case "api":
		writeJSON(w, http.StatusOK, &metav1.APIVersions{
			TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"},
		})
		return
	case "api/v1":
		writeJSON(w, http.StatusOK, resourceList())
		return
	case "podlab/v1/status":
		if s.cfg.Status == nil {
			writeError(w, fmt.Errorf("status not available"))
			return
		}
		writeJSON(w, http.StatusOK, s.cfg.Status(r.Context()))
		return
	}
	req, ok := parsePath(path)
	if !ok {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
		return
	}
	s.serveResource(w, r, req)
}

// parsePath maps /api/v1/... paths onto a resource, namespace, name and subresource.
func parsePath(path string) (request, bool) {
	parts := strings.Split(path, "/")
	if len(parts) < 3 || parts[0] != "api" || parts[1] != "v1" {
		return request{}, false
	}
	rest := parts[2:]
	var req request
	if rest[0] == "namespaces" && len(rest) >= 3 {
		// /namespaces/{ns}/{resource}[/{name}[/{sub}]]
		res, ok := api.Lookup(rest[2])
		if !ok || res.Name != rest[2] {
			// namespaces/{name}/status or finalize
			if len(rest) == 3 && (rest[2] == "status" || rest[2] == "finalize") {
				return request{res: api.Namespaces, name: rest[1], subresource: rest[2]}, true
			}
			return request{}, false
		}
		if !res.Namespaced {
			return request{}, false
		}
		req = request{res: res, namespace: rest[1]}
		rest = rest[3:]
	} else {
		res, ok := api.Lookup(rest[0])
		if !ok || res.Name != rest[0] {
			return request{}, false
		}
		req = request{res: res}
		rest = rest[1:]
		if res.Namespaced && len(rest) > 0 {
			return request{}, false // /api/v1/pods/x is not a path
		}
	}
	switch len(rest) {
	case 0:
	case 1:
		req.name = rest[0]
	case 2:
		req.name, req.subresource = rest[0], rest[1]
	default:
		return request{}, false
	}
	return req, true
}

func resourceList() *metav1.APIResourceList {
	list := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: "v1"}
	for _, r := range api.All {
		verbs := metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}
		list.APIResources = append(list.APIResources, metav1.APIResource{
			Name: r.Name, SingularName: r.Singular, Namespaced: r.Namespaced, Kind: r.Kind, ShortNames: r.Short, Verbs: verbs,
		})
		if r.Name == api.Pods.Name {
			for _, sub := range []string{"pods/status", "pods/log", "pods/exec", "pods/attach", "pods/portforward"} {
				list.APIResources = append(list.APIResources, metav1.APIResource{Name: sub, Namespaced: true, Kind: "Pod"})
			}
		}
	}
	return list
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}
