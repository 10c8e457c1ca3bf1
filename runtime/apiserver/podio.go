package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

func (s *Server) serveSubresource(w http.ResponseWriter, r *http.Request, req request) {
	switch {
	case req.res.Name == api.Pods.Name && req.subresource == "status":
		switch r.Method {
		case http.MethodGet:
			obj, err := s.cfg.Store.Get(req.res, req.namespace, req.name)
			if err != nil {
				writeError(w, err)
				return
			}
			writeJSON(w, http.StatusOK, obj)
		case http.MethodPut:
			s.update(w, r, req, true)
		default:
			methodNotAllowed(w, r)
		}
	case req.res.Name == api.Pods.Name && req.subresource == "log":
		s.logs(w, r, req)
	case req.res.Name == api.Pods.Name && (req.subresource == "exec" || req.subresource == "attach"):
		s.exec(w, r, req)
	case req.res.Name == api.Pods.Name && req.subresource == "portforward":
		s.portForward(w, r, req)
	default:
		writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
}

// podContainer resolves the container a log or exec request names, with the
// API server's messages when it is missing or unknown.
func (s *Server) podContainer(req request, container string) (*corev1.Pod, string, error) {
	obj, err := s.cfg.Store.Get(api.Pods, req.namespace, req.name)
	if err != nil {
		return nil, "", err
	}
	pod := obj.(*corev1.Pod)
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	var apps []string
	for _, c := range pod.Spec.Containers {
		apps = append(apps, c.Name)
	}
	names = append(names, apps...)
	if container == "" {
		if len(apps) == 1 {
			return pod, apps[0], nil
		}
		msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", pod.Name, strings.Join(apps, " "))
		if len(pod.Spec.InitContainers) > 0 {
			var inits []string
			for _, c := range pod.Spec.InitContainers {
				inits = append(inits, c.Name)
			}
			msg += fmt.Sprintf(" or one of the init containers: [%s]", strings.Join(inits, " "))
		}
		return nil, "", apierrors.NewBadRequest(msg)
	}
	for _, n := range names {
		if n == container {
			return pod, container, nil
		}
	}
	return nil, "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, pod.Name))
}

func (s *Server) logs(w http.ResponseWriter, r *http.Request, req request) {
	q := r.URL.Query()
	pod, container, err := s.podContainer(req, q.Get("container"))
	if err != nil {
		writeError(w, err)
		return
	}
	opts := client.LogOptions{
		Container:  container,
		Follow:     queryBool(q, "follow"),
		Previous:   queryBool(q, "previous"),
		Timestamps: queryBool(q, "timestamps"),
	}
	if v := q.Get("tailLines"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			writeError(w, apierrors.NewBadRequest("invalid tailLines"))
			return
		}
		opts.TailLines = &n
	}
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeError(w, apierrors.NewBadRequest("invalid sinceSeconds"))
			return
		}
		opts.Since = time.Duration(n) * time.Second
	}
	rc, err := s.cfg.PodIO.Logs(r.Context(), pod, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

// queryBool reads a boolean query parameter as the API server does ("true", "1", ...).
func queryBool(q url.Values, key string) bool {
	b, _ := strconv.ParseBool(q.Get(key))
	return b
}
