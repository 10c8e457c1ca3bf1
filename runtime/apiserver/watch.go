package apiserver

import (
	"encoding/json"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/store"
)

// watchEvent is the wire form of one watch event, as the Kubernetes API
// streams it: {"type":"ADDED","object":{...}} per line.
type watchEvent struct {
	Type   watch.EventType `json:"type"`
	Object any             `json:"object"`
}

// watch streams changes. Without a resourceVersion it first sends the
// current objects as ADDED, as the API server does for a watch from "".
func (s *Server) watch(w http.ResponseWriter, r *http.Request, req request) {
	opts, err := listOptions(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ctx := r.Context()
	since := r.URL.Query().Get("resourceVersion")
	var initial []store.WatchEvent
	if since == "" {
		objs, rv, err := s.cfg.Store.List(req.res, req.namespace, opts)
		if err != nil {
			writeError(w, err)
			return
		}
		for _, o := range objs {
			initial = append(initial, store.WatchEvent{Type: watch.Added, Object: o})
		}
		since = rv
	}
	ch, err := s.cfg.Store.Watch(ctx, req.res, req.namespace, opts, since)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := json.NewEncoder(w)
	send := func(ev store.WatchEvent) bool {
		if err := enc.Encode(watchEvent{Type: ev.Type, Object: ev.Object}); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	for _, ev := range initial {
		if !send(ev) {
			return
		}
	}
	if flusher != nil {
		flusher.Flush()
	}
	// timeoutSeconds ends the watch as the API server does; the client lists again.
	var timeout <-chan time.Time
	if v := r.URL.Query().Get("timeoutSeconds"); v != "" {
		if d, err := time.ParseDuration(v + "s"); err == nil && d > 0 {
			timeout = time.After(d)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-timeout:
			return
		case ev, ok := <-ch:
			if !ok || !send(ev) {
				return
			}
		}
	}
}
