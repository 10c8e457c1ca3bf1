package kubelet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/labclock"
)

// startPodInformer follows the pods bound to this node — upstream's API
// source lists and watches pods with the field selector
// spec.nodeName=<node> — and hands each change to the pod's worker. It
// returns once the informer's cache holds the first full list.
func (k *Kubelet) startPodInformer(ctx context.Context) error {
	selector := fields.OneTermEqualSelector("spec.nodeName", k.cfg.NodeName).String()
	factory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = selector }))
	pods := factory.Core().V1().Pods()
	inf := pods.Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.podUpdated(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { k.podUpdated(obj.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				k.podDeleted(p.UID)
			}
		},
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("kubelet: the pod informer did not sync: %w", ctx.Err())
	}
	k.mu.Lock()
	k.pods = pods.Lister()
	k.mu.Unlock()
	return nil
}

// cachedPods are the node's pods as the informer last saw them.
func (k *Kubelet) cachedPods() []*corev1.Pod {
	k.mu.Lock()
	lister := k.pods
	k.mu.Unlock()
	if lister == nil {
		return nil
	}
	pods, _ := lister.List(labels.Everything())
	return pods
}

// resyncLoop wakes every pod worker periodically besides the events, as the
// kubelet's resync does, and forgets finished pods the cache no longer has.
func (k *Kubelet) resyncLoop(ctx context.Context) {
	t := labclock.NewTimer(resyncPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		live := map[types.UID]bool{}
		for _, p := range k.cachedPods() {
			live[p.UID] = true
		}
		k.mu.Lock()
		for _, w := range k.workers {
			w.trigger()
		}
		for uid := range k.finished {
			if !live[uid] {
				delete(k.finished, uid)
			}
		}
		k.mu.Unlock()
		t.Reset(labclock.Scaled(resyncPeriod))
	}
}

// podUpdated hands the newest pod to its worker, starting one if needed.
func (k *Kubelet) podUpdated(p *corev1.Pod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.finished[p.UID] || k.stopping {
		return
	}
	w, ok := k.workers[p.UID]
	if !ok {
		w = newPodWorker(k, p)
		k.workers[p.UID] = w
		k.running.Add(1)
		go func() {
			defer k.running.Done()
			w.run(k.ctx)
		}()
		w.trigger() // the first sync
	}
	w.update(p)
}

// podDeleted tells the pod's worker that the pod is gone from the API (a
// forced deletion, or the end of the kubelet's own).
func (k *Kubelet) podDeleted(uid types.UID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.finished, uid)
	if w := k.workers[uid]; w != nil {
		w.markDeleted()
	}
}

// workerDone forgets a worker; removed says its pod was terminated and
// deleted by this kubelet.
func (k *Kubelet) workerDone(uid types.UID, removed bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.workers, uid)
	if removed {
		k.finished[uid] = true
	}
}
