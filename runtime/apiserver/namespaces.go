package apiserver

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/store"
)

// immortalNamespaces cannot be deleted (upstream's NamespaceLifecycle admission).
var immortalNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}

// namespaceRecheck is how often a terminating namespace is swept again even
// when no pod deletion woke it (a lost watch, a pod stuck terminating).
const namespaceRecheck = 5 * time.Second

// deleteNamespace marks a namespace Terminating and starts removing what it
// holds; the namespace itself goes once no pod remains (upstream's namespace
// controller, done here by one goroutine per terminating namespace).
func (s *Server) deleteNamespace(name string) (api.Object, error) {
	if immortalNamespaces[name] {
		return nil, apierrors.NewForbidden(api.Namespaces.GroupResource(), name, fmt.Errorf("this namespace may not be deleted"))
	}
	obj, err := s.cfg.Store.GuaranteedUpdate(api.Namespaces, "", name, func(o api.Object) (api.Object, error) {
		ns := o.(*corev1.Namespace)
		if ns.DeletionTimestamp != nil {
			// Upstream's namespace storage answers a second delete this way.
			return nil, apierrors.NewConflict(api.Namespaces.GroupResource(), name,
				fmt.Errorf("The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system."))
		}
		now := metav1.Now()
		ns.DeletionTimestamp = &now
		ns.Status.Phase = corev1.NamespaceTerminating
		return ns, nil
	})
	if err != nil {
		return nil, err
	}
	s.startFinalizer(name)
	return obj, nil
}

// resumeNamespaceTermination restarts the removal of namespaces a previous
// control plane left Terminating.
func (s *Server) resumeNamespaceTermination() {
	if s.cfg.Store == nil {
		return
	}
	objs, _, err := s.cfg.Store.List(api.Namespaces, "", store.ListOptions{})
	if err != nil {
		return
	}
	for _, o := range objs {
		if o.(*corev1.Namespace).Status.Phase == corev1.NamespaceTerminating {
			s.startFinalizer(o.GetName())
		}
	}
}

func (s *Server) startFinalizer(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finalizing[name] {
		return
	}
	s.finalizing[name] = true
	go func() {
		s.finalizeNamespace(name)
		s.mu.Lock()
		delete(s.finalizing, name)
		s.mu.Unlock()
	}()
}

// finalizeNamespace sweeps the namespace until no pod is left, waking on pod
// changes there, then removes its events and the namespace. It ends early
// when the store fails (closed).
func (s *Server) finalizeNamespace(name string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for {
		remaining, rv, err := s.sweepNamespace(name)
		if err != nil {
			return
		}
		if remaining == 0 {
			evs, _, _ := s.cfg.Store.List(api.Events, name, store.ListOptions{})
			for _, e := range evs {
				s.cfg.Store.Delete(api.Events, name, e.GetName())
			}
			s.cfg.Store.Delete(api.Namespaces, "", name)
			return
		}
		if !s.awaitPodDeletion(ctx, name, rv) {
			return
		}
	}
}

// sweepNamespace deletes the namespace's objects (pods gracefully) and
// returns how many pods remain and the pods' list resourceVersion.
func (s *Server) sweepNamespace(name string) (int, string, error) {
	var remaining int
	var podsRV string
	for _, res := range api.All {
		if !res.Namespaced || res.Name == api.Events.Name {
			continue
		}
		objs, rv, err := s.cfg.Store.List(res, name, store.ListOptions{})
		if err != nil {
			return 0, "", err
		}
		if res.Name != api.Pods.Name {
			for _, o := range objs {
				s.cfg.Store.Delete(res, name, o.GetName())
			}
			continue
		}
		podsRV = rv
		for _, o := range objs {
			if o.GetDeletionTimestamp() == nil {
				if _, err := DeletePod(s.cfg.Store, name, o.GetName(), nil); apierrors.IsNotFound(err) {
					continue // removed at once (unbound or finished)
				}
			}
			remaining++
		}
	}
	return remaining, podsRV, nil
}

// awaitPodDeletion waits for a pod of the namespace to go, or for the
// recheck period; false means the store ended the wait for good.
func (s *Server) awaitPodDeletion(ctx context.Context, namespace, sinceRV string) bool {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := s.cfg.Store.Watch(wctx, api.Pods, namespace, store.ListOptions{}, sinceRV)
	if err != nil {
		return labclock.Sleep(ctx, namespaceRecheck)
	}
	recheck := labclock.NewTimer(namespaceRecheck)
	defer recheck.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				// Closed: a slow watch or a closed store; the next sweep tells.
				return true
			}
			if ev.Type == watch.Deleted {
				return true
			}
		case <-recheck.C:
			return true
		}
	}
}
