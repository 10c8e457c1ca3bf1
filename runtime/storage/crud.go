package storage

import (
	"bytes"
	"context"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
)

// Create implements storage.Interface.
func (s *store) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	if rv, err := s.versioner.ObjectResourceVersion(obj); err == nil && rv != 0 {
		return storage.ErrResourceVersionSetOnCreate
	}
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return fmt.Errorf("PrepareObjectForStorage failed: %v", err)
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return err
	}
	stored, err := s.transformer.TransformToStorage(ctx, data, keyContext(key))
	if err != nil {
		return storage.NewInternalError(err)
	}
	ok, rev, _, err := s.db.commit(key, 0, false, stored, ttl)
	if err != nil {
		return err
	}
	if !ok {
		return storage.NewKeyExistsError(key, 0)
	}
	if out != nil {
		return s.decodeInto(data, out, rev)
	}
	return nil
}

// Get implements storage.Interface. Reads are always of the latest state,
// which satisfies any "not older than" resourceVersion that is not in the
// future.
func (s *store) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	r, rev, err := s.db.get(key)
	if err != nil {
		return err
	}
	if err := s.checkMinimumRV(opts.ResourceVersion, rev); err != nil {
		return err
	}
	if r == nil {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(key, 0)
	}
	return s.decode(ctx, key, r.data, out, r.rev)
}

// checkMinimumRV enforces "the result is at least as new as minimum"
// (etcd3's validateMinimumResourceVersion): a minimum newer than the read is
// a "Too large resource version" timeout the client retries.
func (s *store) checkMinimumRV(minimum string, readRev uint64) error {
	if minimum == "" {
		return nil
	}
	minRV, err := s.versioner.ParseResourceVersion(minimum)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	if minRV > readRev {
		return storage.NewTooLargeResourceVersionError(minRV, readRev, 0)
	}
	return nil
}

// objState is what an update or delete starts from, like etcd3's: the
// decoded object, its mod revision and its bytes before decoding.
type objState struct {
	obj   runtime.Object
	rev   uint64
	data  []byte
	stale bool // the transformer asks for a rewrite (e.g. key rotation)
}

// newObj makes an empty object of v's type (v is the element of the
// caller's out pointer).
func newObj(v reflect.Value) runtime.Object {
	if u, ok := v.Addr().Interface().(runtime.Unstructured); ok {
		return u.NewEmptyInstance()
	}
	return reflect.New(v.Type()).Interface().(runtime.Object)
}

// stateOf turns a stored record (nil: no such key) into an objState. With
// expectCorrupt (unsafe deletion of a malformed object) an object that does
// decode is an error, and one that does not has a nil obj.
func (s *store) stateOf(ctx context.Context, key string, r *record, v reflect.Value, ignoreNotFound, expectCorrupt bool) (*objState, error) {
	st := &objState{obj: newObj(v)}
	if r == nil {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		if err := runtime.SetZeroValue(st.obj); err != nil {
			return nil, err
		}
		return st, nil
	}
	st.rev = r.rev
	data, stale, err := s.transformer.TransformFromStorage(ctx, r.data, keyContext(key))
	if err != nil {
		if !expectCorrupt {
			return nil, s.transformError(key, err)
		}
		st.obj, st.stale = nil, true
		return st, nil
	}
	st.data, st.stale = data, stale
	if err := s.decodeInto(data, st.obj, st.rev); err != nil {
		if !expectCorrupt {
			return nil, s.decodeError(key, err)
		}
		st.obj = nil
		return st, nil
	}
	if expectCorrupt {
		return nil, storage.NewInvalidObjError(key, "unsafe deletion is not allowed because the object is decodable from storage")
	}
	return st, nil
}

func (s *store) currentState(ctx context.Context, key string, v reflect.Value, ignoreNotFound, expectCorrupt bool) (*objState, error) {
	r, _, err := s.db.get(key)
	if err != nil {
		return nil, err
	}
	return s.stateOf(ctx, key, r, v, ignoreNotFound, expectCorrupt)
}

// cachedState builds an objState from the registry's cached copy, a hint
// that may be stale: its bytes are recomputed as a write would make them.
func (s *store) cachedState(cached runtime.Object) (*objState, error) {
	rv, err := s.versioner.ObjectResourceVersion(cached)
	if err != nil {
		return nil, fmt.Errorf("couldn't get resource version: %v", err)
	}
	obj := cached.DeepCopyObject()
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return nil, fmt.Errorf("PrepareObjectForStorage failed: %v", err)
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.UpdateObject(obj, rv); err != nil {
		return nil, err
	}
	return &objState{obj: obj, rev: rv, data: data}, nil
}

// Delete implements storage.Interface, with etcd3's retry rules: checks
// that fail against a cached object are redone against the stored one,
// and a delete that races a write starts over from what was written.
func (s *store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, opts storage.DeleteOptions) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %v", err)
	}
	expectCorrupt := opts.ExpectTransformOrDecodeError && unsafeDeletion()

	var st *objState
	current := false
	if cachedExistingObject != nil && !expectCorrupt {
		st, err = s.cachedState(cachedExistingObject)
	} else {
		st, err = s.currentState(ctx, key, v, false, expectCorrupt)
		current = true
	}
	if err != nil {
		return err
	}
	// check runs one check; on a stale hint it refetches and reports retry.
	check := func(f func() error) (retry bool, err error) {
		checkErr := f()
		if checkErr == nil {
			return false, nil
		}
		if current {
			return false, checkErr
		}
		cachedRev := st.rev
		if st, err = s.currentState(ctx, key, v, false, expectCorrupt); err != nil {
			return false, err
		}
		current = true
		if st.rev == cachedRev {
			return false, checkErr // the hint was not stale after all
		}
		return true, nil
	}
	for {
		if preconditions != nil {
			retry, err := check(func() error { return preconditions.Check(key, st.obj) })
			if err != nil {
				return err
			}
			if retry {
				continue
			}
		}
		retry, err := check(func() error { return validateDeletion(ctx, st.obj) })
		if err != nil {
			return err
		}
		if retry {
			continue
		}
		ok, rev, cur, err := s.db.commit(key, st.rev, true, nil, 0)
		if err != nil {
			return err
		}
		if !ok {
			if st, err = s.stateOf(ctx, key, cur, v, false, expectCorrupt); err != nil {
				return err
			}
			current = true
			continue
		}
		if expectCorrupt {
			return nil
		}
		// The deleted object as it was, at the deletion's resourceVersion.
		return s.decodeInto(st.data, out, rev)
	}
}

// GuaranteedUpdate implements storage.Interface with etcd3's rules: a
// failure against a cached object is retried against the stored one, a
// write that races another starts over from it, and a result that encodes
// to the stored bytes is not written at all (no new resourceVersion, no
// watch event), so a no-op update wakes nobody.
func (s *store) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	key, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(destination)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %v", err)
	}
	var st *objState
	current := false
	if cachedExistingObject != nil {
		st, err = s.cachedState(cachedExistingObject)
	} else {
		st, err = s.currentState(ctx, key, v, ignoreNotFound, false)
		current = true
	}
	if err != nil {
		return err
	}
	refetch := func() error {
		st, err = s.currentState(ctx, key, v, ignoreNotFound, false)
		current = true
		return err
	}
	for {
		if err := preconditions.Check(key, st.obj); err != nil {
			if current {
				return err
			}
			if err := refetch(); err != nil {
				return err
			}
			continue
		}
		ret, ttlPtr, err := tryUpdate(st.obj, storage.ResponseMeta{ResourceVersion: st.rev})
		if err != nil {
			if current {
				return err
			}
			cachedRev := st.rev
			if err2 := refetch(); err2 != nil {
				return err2
			}
			if st.rev == cachedRev {
				return err
			}
			continue
		}
		if err := s.versioner.PrepareObjectForStorage(ret); err != nil {
			return fmt.Errorf("PrepareObjectForStorage failed: %v", err)
		}
		data, err := runtime.Encode(s.codec, ret)
		if err != nil {
			return err
		}
		if !st.stale && st.data != nil && bytes.Equal(data, st.data) {
			// Nothing changes. A cached hint must first be confirmed
			// against the file before the write is skipped.
			if !current {
				if err := refetch(); err != nil {
					return err
				}
				if !bytes.Equal(data, st.data) {
					continue
				}
			}
			if !st.stale {
				return s.decodeInto(st.data, destination, st.rev)
			}
		}
		stored, err := s.transformer.TransformToStorage(ctx, data, keyContext(key))
		if err != nil {
			return storage.NewInternalError(err)
		}
		// As with an etcd lease: no TTL (nil or 0) writes the object
		// without one, even if it had one.
		var ttl uint64
		if ttlPtr != nil {
			ttl = *ttlPtr
		}
		ok, rev, cur, err := s.db.commit(key, st.rev, false, stored, ttl)
		if err != nil {
			return err
		}
		if !ok {
			if st, err = s.stateOf(ctx, key, cur, v, ignoreNotFound, false); err != nil {
				return err
			}
			current = true
			continue
		}
		return s.decodeInto(data, destination, rev)
	}
}
