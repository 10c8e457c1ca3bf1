package apiserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/store"
)

func deleteOptions(r *http.Request) (metav1.DeleteOptions, error) {
	var opts metav1.DeleteOptions
	if body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody)); len(body) > 0 {
		if err := json.Unmarshal(body, &opts); err != nil {
			return opts, apierrors.NewBadRequest(err.Error())
		}
	}
	if v := r.URL.Query().Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return opts, apierrors.NewBadRequest("invalid gracePeriodSeconds")
		}
		opts.GracePeriodSeconds = &n
	}
	return opts, nil
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, req request) {
	opts, err := deleteOptions(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var obj api.Object
	switch req.res.Name {
	case api.Pods.Name:
		obj, err = DeletePod(s.cfg.Store, req.namespace, req.name, opts.GracePeriodSeconds)
	case api.Namespaces.Name:
		obj, err = s.deleteNamespace(req.name)
	default:
		obj, err = s.cfg.Store.Delete(req.res, req.namespace, req.name)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, obj)
}

// DeletePod follows the API server's graceful deletion of pods: a pod bound
// to a node and still running is marked with deletionTimestamp and
// deletionGracePeriodSeconds (from the request, else the pod's
// terminationGracePeriodSeconds) and the node's kubelet removes it once its
// containers stopped; a second delete may shorten the grace period, never
// lengthen it. An unbound or finished pod, or a grace period of 0, is removed at once.
func DeletePod(st store.API, namespace, name string, grace *int64) (api.Object, error) {
	cur, err := st.Get(api.Pods, namespace, name)
	if err != nil {
		return nil, err
	}
	pod := cur.(*corev1.Pod)
	g := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		g = *pod.Spec.TerminationGracePeriodSeconds
	}
	if grace != nil {
		g = *grace
	}
	if g < 0 {
		g = 0
	}
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	if g == 0 || pod.Spec.NodeName == "" || terminal {
		return st.Delete(api.Pods, namespace, name)
	}
	if pod.DeletionGracePeriodSeconds != nil && *pod.DeletionGracePeriodSeconds <= g {
		return pod, nil // already terminating at least as fast: nothing changes
	}
	return st.GuaranteedUpdate(api.Pods, namespace, name, func(o api.Object) (api.Object, error) {
		p := o.(*corev1.Pod)
		if p.UID != pod.UID {
			return nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, name, fmt.Errorf("pod was replaced"))
		}
		if p.DeletionGracePeriodSeconds != nil && *p.DeletionGracePeriodSeconds <= g {
			return p, nil // already terminating at least as fast
		}
		now := time.Now()
		if p.DeletionTimestamp != nil && p.DeletionGracePeriodSeconds != nil {
			// Shorten: the deadline moves earlier, never later.
			start := p.DeletionTimestamp.Add(-time.Duration(*p.DeletionGracePeriodSeconds) * time.Second)
			if start.Before(now) {
				now = start
			}
		}
		ts := metav1.NewTime(now.Add(time.Duration(g) * time.Second))
		p.DeletionTimestamp = &ts
		p.DeletionGracePeriodSeconds = &g
		return p, nil
	})
}
