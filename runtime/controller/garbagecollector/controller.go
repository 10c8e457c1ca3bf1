package garbagecollector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/controller/reconcile"
)

// Name is the controller's name, as kube-controller-manager's.
const Name = "garbage-collector-controller"

// workers process that many objects at once (upstream's
// --concurrent-gc-syncs is 20; the lab is small).
const workers = 2

const ownerIndex = "ownerUID"

// Controller is the garbage collector.
type Controller struct {
	meta    metadata.Interface
	factory metadatainformer.SharedInformerFactory
	res     []watched
	queue   *reconcile.Queue[item]
}

// watched is one resource and its informer.
type watched struct {
	api.Resource
	gvr      schema.GroupVersionResource
	informer cache.SharedIndexInformer
}

// item is an object to reconsider: its resource (an index in res) and key.
type item struct {
	res int
	key string // namespace/name or name
}

// String is the item's key, for the queue's log lines.
func (it item) String() string { return it.key }

// New returns a garbage collector over every resource the lab serves, read
// and written through the metadata client.
func New(meta metadata.Interface) (*Controller, error) {
	c := &Controller{
		meta:    meta,
		factory: metadatainformer.NewSharedInformerFactory(meta, 0),
		queue:   reconcile.NewQueue[item]("garbage_collector"),
	}
	for _, r := range api.All {
		if r.Name == api.Events.Name { // upstream ignores events
			continue
		}
		gvr := r.GroupVersion().WithResource(r.Name)
		inf := c.factory.ForResource(gvr).Informer()
		if err := inf.AddIndexers(cache.Indexers{ownerIndex: ownerUIDs}); err != nil {
			return nil, fmt.Errorf("%s: indexing %s: %w", Name, r.Name, err)
		}
		i := len(c.res)
		c.res = append(c.res, watched{Resource: r, gvr: gvr, informer: inf})
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { c.changed(i, obj) },
			UpdateFunc: func(_, obj any) { c.changed(i, obj) },
			DeleteFunc: func(obj any) { c.deleted(obj) },
		}); err != nil {
			return nil, fmt.Errorf("%s: watching %s: %w", Name, r.Name, err)
		}
	}
	return c, nil
}

func ownerUIDs(obj any) ([]string, error) {
	m, err := meta(obj)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range m.GetOwnerReferences() {
		out = append(out, string(r.UID))
	}
	return out, nil
}

func meta(obj any) (metav1.Object, error) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T is not an object", obj)
	}
	return m, nil
}

func keyOf(m metav1.Object) string {
	if m.GetNamespace() == "" {
		return m.GetName()
	}
	return m.GetNamespace() + "/" + m.GetName()
}

// changed reconsiders the object itself (its owners, or, being deleted,
// its dependents).
func (c *Controller) changed(res int, obj any) {
	if m, err := meta(obj); err == nil && (len(m.GetOwnerReferences()) > 0 || m.GetDeletionTimestamp() != nil) {
		c.queue.Add(item{res, keyOf(m)})
	}
}

// deleted reconsiders the object's dependents (their owner is gone) and
// its owners (one that waits for its dependents may be done).
func (c *Controller) deleted(obj any) {
	m, err := meta(obj)
	if err != nil {
		return
	}
	c.enqueueDependents(m.GetUID())
	for _, ref := range m.GetOwnerReferences() {
		if i, ok := c.resourceOf(ref); ok {
			ns := ""
			if c.res[i].Namespaced {
				ns = m.GetNamespace()
			}
			c.queue.Add(item{i, key(ns, ref.Name)})
		}
	}
}

func key(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func (c *Controller) enqueueDependents(uid types.UID) {
	for i, w := range c.res {
		objs, _ := w.informer.GetIndexer().ByIndex(ownerIndex, string(uid))
		for _, o := range objs {
			if m, err := meta(o); err == nil {
				c.queue.Add(item{i, keyOf(m)})
			}
		}
	}
}

// dependents lists the cached objects with a reference to uid.
func (c *Controller) dependents(uid types.UID) []dependent {
	var out []dependent
	for i, w := range c.res {
		objs, _ := w.informer.GetIndexer().ByIndex(ownerIndex, string(uid))
		for _, o := range objs {
			if m, err := meta(o); err == nil {
				out = append(out, dependent{i, m})
			}
		}
	}
	return out
}

type dependent struct {
	res int
	obj metav1.Object
}

// resourceOf finds the lab's resource an ownerReference names.
func (c *Controller) resourceOf(ref metav1.OwnerReference) (int, bool) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return 0, false
	}
	for i, w := range c.res {
		if w.Kind == ref.Kind && w.gvr.Group == gv.Group && w.gvr.Version == gv.Version {
			return i, true
		}
	}
	return 0, false
}

// Run collects until ctx ends; it starts its own informers.
func (c *Controller) Run(ctx context.Context) error {
	c.factory.Start(ctx.Done())
	defer c.factory.Shutdown()
	synced := make([]cache.InformerSynced, 0, len(c.res))
	for _, w := range c.res {
		synced = append(synced, w.informer.HasSynced)
	}
	return c.queue.Run(ctx, workers, func(ctx context.Context, it item) error {
		if err := c.process(ctx, it); err != nil {
			return fmt.Errorf("%s: %w", c.res[it.res].Name, err)
		}
		return nil
	}, synced...)
}

func (c *Controller) client(res int, ns string) metadata.ResourceInterface {
	r := c.meta.Resource(c.res[res].gvr)
	if c.res[res].Namespaced {
		return r.Namespace(ns)
	}
	return r
}

func (c *Controller) process(ctx context.Context, it item) error {
	obj, ok, err := c.res[it.res].informer.GetIndexer().GetByKey(it.key)
	if err != nil || !ok {
		return err
	}
	m, err := meta(obj)
	if err != nil {
		return nil
	}
	if m.GetDeletionTimestamp() != nil {
		switch {
		case slices.Contains(m.GetFinalizers(), metav1.FinalizerOrphanDependents):
			return c.orphan(ctx, it.res, m)
		case slices.Contains(m.GetFinalizers(), metav1.FinalizerDeleteDependents):
			return c.foreground(ctx, it.res, m)
		}
		return nil // being deleted; nothing of ours to do
	}
	refs := m.GetOwnerReferences()
	if len(refs) == 0 {
		return nil
	}
	var solid, dangling, waiting []metav1.OwnerReference
	for _, ref := range refs {
		switch st, err := c.ownerState(ctx, it.res, m, ref); {
		case err != nil:
			return err
		case st == absent:
			dangling = append(dangling, ref)
		case st == deleting:
			waiting = append(waiting, ref)
		default:
			solid = append(solid, ref)
		}
	}
	switch {
	case len(solid) > 0:
		if len(dangling) == 0 && len(waiting) == 0 {
			return nil
		}
		// Keep the solid owners only.
		return c.setOwners(ctx, it.res, m, solid)
	case len(waiting) > 0 && len(c.dependents(m.GetUID())) > 0:
		return c.delete(ctx, it.res, m, metav1.DeletePropagationForeground)
	default:
		policy := metav1.DeletePropagationBackground
		if slices.Contains(m.GetFinalizers(), metav1.FinalizerOrphanDependents) {
			policy = metav1.DeletePropagationOrphan
		} else if slices.Contains(m.GetFinalizers(), metav1.FinalizerDeleteDependents) {
			policy = metav1.DeletePropagationForeground
		}
		return c.delete(ctx, it.res, m, policy)
	}
}

type state int

const (
	exists state = iota
	absent
	deleting // in the foreground: its dependents first
	unknown
)

// ownerState classifies one ownerReference of m (see doc.go).
func (c *Controller) ownerState(ctx context.Context, res int, m metav1.Object, ref metav1.OwnerReference) (state, error) {
	i, ok := c.resourceOf(ref)
	if !ok {
		return exists, nil // a kind the lab does not serve: left alone
	}
	ns := ""
	if c.res[i].Namespaced {
		if !c.res[res].Namespaced {
			return absent, nil // a cluster-scoped object cannot have a namespaced owner
		}
		ns = m.GetNamespace()
	}
	classify := func(o metav1.Object) state {
		if o.GetDeletionTimestamp() != nil && slices.Contains(o.GetFinalizers(), metav1.FinalizerDeleteDependents) {
			return deleting
		}
		return exists
	}
	if obj, ok, _ := c.res[i].informer.GetIndexer().GetByKey(key(ns, ref.Name)); ok {
		if o, err := meta(obj); err == nil && o.GetUID() == ref.UID {
			return classify(o), nil
		}
	}
	// Not in the cache (or another object of that name): ask the API.
	live, err := c.client(i, ns).Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return absent, nil
	}
	if err != nil {
		return unknown, err
	}
	if live.UID != ref.UID {
		return absent, nil
	}
	return classify(live), nil
}

// delete deletes m with policy, only if it is still the object we judged.
func (c *Controller) delete(ctx context.Context, res int, m metav1.Object, policy metav1.DeletionPropagation) error {
	uid := m.GetUID()
	err := c.client(res, m.GetNamespace()).Delete(ctx, m.GetName(), metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: &policy,
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) && strings.Contains(err.Error(), "UID") {
		return nil
	}
	return err
}

// setOwners replaces m's ownerReferences (a merge patch guarded by its uid
// and resourceVersion).
func (c *Controller) setOwners(ctx context.Context, res int, m metav1.Object, refs []metav1.OwnerReference) error {
	if refs == nil {
		refs = []metav1.OwnerReference{}
	}
	return c.patchMeta(ctx, res, m, map[string]any{"ownerReferences": refs})
}

func (c *Controller) patchMeta(ctx context.Context, res int, m metav1.Object, fields map[string]any) error {
	fields["uid"], fields["resourceVersion"] = m.GetUID(), m.GetResourceVersion()
	body, err := json.Marshal(map[string]any{"metadata": fields})
	if err != nil {
		return err
	}
	_, err = c.client(res, m.GetNamespace()).Patch(ctx, m.GetName(), types.MergePatchType, body, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (c *Controller) removeFinalizer(ctx context.Context, res int, m metav1.Object, f string) error {
	rest := slices.DeleteFunc(slices.Clone(m.GetFinalizers()), func(s string) bool { return s == f })
	if rest == nil {
		rest = []string{}
	}
	return c.patchMeta(ctx, res, m, map[string]any{"finalizers": rest})
}

// orphan removes the owner's reference from each dependent, then the
// orphan finalizer (upstream's orphanDependents).
func (c *Controller) orphan(ctx context.Context, res int, owner metav1.Object) error {
	var errs []error
	for _, d := range c.dependents(owner.GetUID()) {
		rest := slices.DeleteFunc(slices.Clone(d.obj.GetOwnerReferences()), func(r metav1.OwnerReference) bool { return r.UID == owner.GetUID() })
		if err := c.setOwners(ctx, d.res, d.obj, rest); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return c.removeFinalizer(ctx, res, owner, metav1.FinalizerOrphanDependents)
}

// foreground waits for the dependents that block the owner's deletion,
// deleting them, then removes the foregroundDeletion finalizer (upstream's
// processDeletingDependentsItem).
func (c *Controller) foreground(ctx context.Context, res int, owner metav1.Object) error {
	blocking := 0
	for _, d := range c.dependents(owner.GetUID()) {
		for _, r := range d.obj.GetOwnerReferences() {
			if r.UID == owner.GetUID() && r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion {
				blocking++
			}
		}
		if d.obj.GetDeletionTimestamp() == nil {
			c.queue.Add(item{d.res, keyOf(d.obj)})
		}
	}
	if blocking > 0 {
		return nil // each dependent's deletion brings the owner back here
	}
	return c.removeFinalizer(ctx, res, owner, metav1.FinalizerDeleteDependents)
}
