package apiserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/store"
)

// maxBody bounds request bodies (the API server's limit is 3 MiB).
const maxBody = 3 << 20

func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, req request) {
	switch {
	case req.subresource != "":
		s.serveSubresource(w, r, req)
	case req.name == "":
		switch r.Method {
		case http.MethodGet:
			if isWatch(r) {
				s.watch(w, r, req)
			} else {
				s.list(w, r, req)
			}
		case http.MethodPost:
			s.create(w, r, req)
		default:
			methodNotAllowed(w, r)
		}
	default:
		switch r.Method {
		case http.MethodGet:
			obj, err := s.cfg.Store.Get(req.res, req.namespace, req.name)
			if err != nil {
				writeError(w, err)
				return
			}
			writeJSON(w, http.StatusOK, obj)
		case http.MethodPut:
			s.update(w, r, req, false)
		case http.MethodPatch:
			s.patch(w, r, req)
		case http.MethodDelete:
			s.delete(w, r, req)
		default:
			methodNotAllowed(w, r)
		}
	}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeStatus(w, http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
		fmt.Sprintf("the server does not allow this method on the requested resource (%s)", r.Method))
}

func isWatch(r *http.Request) bool {
	return queryBool(r.URL.Query(), "watch")
}

// listOptions parses labelSelector and fieldSelector.
func listOptions(r *http.Request) (store.ListOptions, error) {
	var opts store.ListOptions
	q := r.URL.Query()
	if v := q.Get("labelSelector"); v != "" {
		sel, err := labels.Parse(v)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
		}
		opts.LabelSelector = sel
	}
	if v := q.Get("fieldSelector"); v != "" {
		sel, err := fields.ParseSelector(v)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
		}
		opts.FieldSelector = sel
	}
	return opts, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, req request) {
	opts, err := listOptions(r)
	if err != nil {
		writeError(w, err)
		return
	}
	objs, rv, err := s.cfg.Store.List(req.res, req.namespace, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	items := make([]json.RawMessage, 0, len(objs))
	for _, o := range objs {
		b, err := json.Marshal(o)
		if err != nil {
			writeError(w, err)
			return
		}
		items = append(items, b)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"kind": req.res.ListKind, "apiVersion": "v1",
		"metadata": map[string]string{"resourceVersion": rv},
		"items":    items,
	})
}

// decodeBody decodes a JSON or YAML request body strictly into a new object of res.
func decodeBody(r *http.Request, res api.Resource) (api.Object, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if len(body) > maxBody {
		return nil, apierrors.NewRequestEntityTooLargeError("limit is 3145728")
	}
	if ct := r.Header.Get("Content-Type"); ct == "application/yaml" || ct == "application/x-yaml" {
		if body, err = yaml.YAMLToJSON(body); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	}
	obj := res.New()
	if err := api.DecodeStrictJSON(body, obj); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if kind := obj.GetObjectKind().GroupVersionKind().Kind; kind != "" && kind != res.Kind {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the kind %q of the object does not match the resource %q", kind, res.Name))
	}
	return obj, nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, req request) {
	obj, err := decodeBody(r, req.res)
	if err != nil {
		writeError(w, err)
		return
	}
	if req.res.Namespaced {
		switch ns := obj.GetNamespace(); {
		case ns == "":
			obj.SetNamespace(req.namespace)
		case ns != req.namespace:
			writeError(w, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request"))
			return
		}
		if err := s.namespaceOpen(req.namespace); err != nil {
			writeError(w, err)
			return
		}
	} else {
		obj.SetNamespace("")
	}
	prepareForCreate(obj)
	api.SetDefaults(obj)
	if errs := api.ValidateCreate(obj); len(errs) > 0 {
		writeError(w, apierrors.NewInvalid(kindOf(req.res), obj.GetName(), errs))
		return
	}
	warnings, err := s.admit(r, "CREATE", req.res, obj)
	if err != nil {
		writeError(w, err)
		return
	}
	created, err := s.cfg.Store.Create(req.res, obj)
	if err != nil {
		writeError(w, err)
		return
	}
	sendWarnings(w, warnings)
	writeJSON(w, http.StatusCreated, created)
}

// prepareForCreate does what upstream's registry strategies do before
// validation: a generated name from generateName (names.SimpleNameGenerator),
// and a status the client may not choose (a pod starts Pending, a namespace Active).
func prepareForCreate(obj api.Object) {
	if obj.GetName() == "" && obj.GetGenerateName() != "" {
		obj.SetName(store.GenerateName(obj.GetGenerateName()))
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		o.Status = corev1.PodStatus{Phase: corev1.PodPending}
	case *corev1.Namespace:
		o.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	}
}

// namespaceOpen checks that objects may be created in ns.
func (s *Server) namespaceOpen(ns string) error {
	o, err := s.cfg.Store.Get(api.Namespaces, "", ns)
	if err != nil {
		return err
	}
	if o.(*corev1.Namespace).Status.Phase == corev1.NamespaceTerminating {
		return apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, ns,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", ns))
	}
	return nil
}

func (s *Server) admit(r *http.Request, op string, res api.Resource, obj api.Object) ([]string, error) {
	if s.cfg.Admit == nil {
		return nil, nil
	}
	return s.cfg.Admit.Admit(r.Context(), op, res, obj)
}

// sendWarnings adds Kubernetes' `Warning: 299 - "text"` headers.
func sendWarnings(w http.ResponseWriter, warnings []string) {
	for _, text := range warnings {
		w.Header().Add("Warning", "299 - "+strconv.Quote(text))
	}
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, req request, statusOnly bool) {
	obj, err := decodeBody(r, req.res)
	if err != nil {
		writeError(w, err)
		return
	}
	if obj.GetName() != req.name {
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", obj.GetName(), req.name)))
		return
	}
	if req.res.Namespaced && obj.GetNamespace() == "" {
		obj.SetNamespace(req.namespace)
	}
	updated, warnings, err := s.replace(r, req, obj, statusOnly)
	writeUpdated(w, updated, warnings, err)
}

func writeUpdated(w http.ResponseWriter, obj api.Object, warnings []string, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	sendWarnings(w, warnings)
	writeJSON(w, http.StatusOK, obj)
}

// replace validates obj as an update of the stored object and writes it.
func (s *Server) replace(r *http.Request, req request, obj api.Object, statusOnly bool) (api.Object, []string, error) {
	old, err := s.cfg.Store.Get(req.res, req.namespace, req.name)
	if err != nil {
		return nil, nil, err
	}
	if statusOnly {
		// The status subresource changes status only (upstream's PrepareForUpdate).
		pod := old.DeepCopyObject().(*corev1.Pod)
		pod.Status = obj.(*corev1.Pod).Status
		pod.ResourceVersion = obj.GetResourceVersion()
		obj = pod
	} else if pod, ok := obj.(*corev1.Pod); ok {
		// The main resource never changes status (upstream's PrepareForUpdate).
		pod.Status = old.(*corev1.Pod).Status
		// Deletion marks are the API server's, not the client's.
		pod.DeletionTimestamp = old.GetDeletionTimestamp()
		pod.DeletionGracePeriodSeconds = old.GetDeletionGracePeriodSeconds()
	}
	api.SetDefaults(obj)
	if errs := api.ValidateUpdate(obj, old); len(errs) > 0 {
		return nil, nil, apierrors.NewInvalid(kindOf(req.res), obj.GetName(), errs)
	}
	warnings, err := s.admit(r, "UPDATE", req.res, obj)
	if err != nil {
		return nil, nil, err
	}
	updated, err := s.cfg.Store.Update(req.res, obj)
	if err != nil {
		return nil, nil, err
	}
	return updated, warnings, nil
}

// patchRetries bounds how often a patch is re-applied after losing a race
// with another writer (the API server retries patches the same way).
const patchRetries = 5

func (s *Server) patch(w http.ResponseWriter, r *http.Request, req request) {
	patch, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, apierrors.NewBadRequest(err.Error()))
		return
	}
	pt := types.PatchType(r.Header.Get("Content-Type"))
	if i := strings.IndexByte(string(pt), ';'); i >= 0 {
		pt = types.PatchType(strings.TrimSpace(string(pt[:i])))
	}
	switch pt {
	case types.StrategicMergePatchType, types.MergePatchType, types.JSONPatchType:
	default:
		writeStatus(w, http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
			fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s",
				types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType))
		return
	}
	for attempt := 0; ; attempt++ {
		obj, pinned, err := s.applyPatch(req, pt, patch)
		if err != nil {
			writeError(w, err)
			return
		}
		updated, warnings, err := s.replace(r, req, obj, false)
		if apierrors.IsConflict(err) && !pinned && attempt < patchRetries {
			continue // someone wrote in between: patch the newer object
		}
		writeUpdated(w, updated, warnings, err)
		return
	}
}

// applyPatch patches the stored object; pinned reports whether the patch
// itself names a resourceVersion (then a conflict is the client's to handle).
func (s *Server) applyPatch(req request, pt types.PatchType, patch []byte) (api.Object, bool, error) {
	cur, err := s.cfg.Store.Get(req.res, req.namespace, req.name)
	if err != nil {
		return nil, false, err
	}
	curJSON, err := json.Marshal(cur)
	if err != nil {
		return nil, false, err
	}
	var patched []byte
	switch pt {
	case types.StrategicMergePatchType:
		patched, err = strategicpatch.StrategicMergePatch(curJSON, patch, req.res.New())
	case types.MergePatchType:
		patched, err = jsonpatch.MergePatch(curJSON, patch)
	case types.JSONPatchType:
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(patch); err == nil {
			patched, err = p.Apply(curJSON)
		}
	}
	if err != nil {
		return nil, false, apierrors.NewBadRequest(err.Error())
	}
	obj := req.res.New()
	if err := api.DecodeStrictJSON(patched, obj); err != nil {
		return nil, false, apierrors.NewBadRequest(err.Error())
	}
	if obj.GetName() != cur.GetName() || obj.GetNamespace() != cur.GetNamespace() {
		return nil, false, apierrors.NewBadRequest("a patch may not change the object's name or namespace")
	}
	pinned := obj.GetResourceVersion() != cur.GetResourceVersion()
	if obj.GetResourceVersion() == "" {
		obj.SetResourceVersion(cur.GetResourceVersion())
		pinned = false
	}
	return obj, pinned, nil
}

func kindOf(res api.Resource) schema.GroupKind { return schema.GroupKind{Kind: res.Kind} }
