package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/tools/cache"
)

// store is the storage.Interface of one resource: its keys, under
// resourcePrefix, in the shared DB, encoded with its codec.
type store struct {
	db             *DB
	codec          runtime.Codec
	transformer    value.Transformer // what encryption at rest would be; identity by default
	newFunc        func() runtime.Object
	newListFunc    func() runtime.Object
	resourcePrefix string
	versioner      storage.APIObjectVersioner
	// estimateSize turns on EstimatedAverageObjectSizeBytes in Stats.
	estimateSize atomic.Bool
	// reportCorrupt reports an object that cannot be transformed or decoded
	// as a corrupt-object StorageError, so the registry can offer to delete
	// it; the storage factory's etcd3 does this under
	// AllowUnsafeMalformedObjectDeletion.
	reportCorrupt bool
}

var _ storage.Interface = (*store)(nil)

// Decorator returns a generic.StorageDecorator that gives the registry a
// storage.Interface for one resource: keys under resourcePrefix, objects
// encoded with config.Codec (and config.Transformer when set), decoded with
// newFunc and newListFunc. The watch cache is not used: every read is served
// from the file, every watch from the DB's own fan-out. cacheKeyFunc,
// getAttrsFunc, trigger and indexers only serve a watch cache and are
// ignored (predicates carry their own GetAttrs), as is config.Prefix (the
// file holds one lab). The DestroyFunc does nothing: Close ends the DB.
func (db *DB) Decorator() generic.StorageDecorator {
	return func(config *storagebackend.ConfigForResource, resourcePrefix string,
		_ func(obj runtime.Object) (string, error),
		newFunc, newListFunc func() runtime.Object,
		_ storage.AttrFunc, _ storage.IndexerFuncs, _ *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
		s, err := db.newStore(config.Codec, config.Transformer, newFunc, newListFunc, resourcePrefix)
		if err != nil {
			return nil, nil, err
		}
		s.reportCorrupt = unsafeDeletion()
		return s, func() {}, nil
	}
}

func (db *DB) newStore(codec runtime.Codec, transformer value.Transformer, newFunc, newListFunc func() runtime.Object, resourcePrefix string) (*store, error) {
	// The same rules as etcd3.New.
	switch {
	case codec == nil:
		return nil, errors.New("storage: a codec is required")
	case resourcePrefix == "":
		return nil, errors.New("resourcePrefix cannot be empty")
	case resourcePrefix == "/":
		return nil, errors.New("resourcePrefix cannot be /")
	case !strings.HasPrefix(resourcePrefix, "/"):
		return nil, errors.New("resourcePrefix needs to start from /")
	}
	if transformer == nil {
		transformer = identity{}
	}
	s := &store{
		db:             db,
		codec:          codec,
		transformer:    transformer,
		newFunc:        newFunc,
		newListFunc:    newListFunc,
		resourcePrefix: resourcePrefix,
	}
	if err := s.normalizeLegacy(); err != nil {
		return nil, err
	}
	return s, nil
}

// identity is the transformer used when the config has none.
type identity struct{}

func (identity) TransformFromStorage(_ context.Context, data []byte, _ value.Context) ([]byte, bool, error) {
	return data, false, nil
}

func (identity) TransformToStorage(_ context.Context, data []byte, _ value.Context) ([]byte, error) {
	return data, nil
}

// keyContext authenticates stored bytes with their key, as etcd3 does, so a
// transformer that encrypts can refuse bytes moved to another key.
type keyContext string

func (k keyContext) AuthenticatedData() []byte { return []byte(k) }

func (s *store) prepareKey(key string, recursive bool) (string, error) {
	return storage.PrepareKey(s.resourcePrefix, key, recursive)
}

// Versioner implements storage.Interface.
func (s *store) Versioner() storage.Versioner { return s.versioner }

// ReadinessCheck implements storage.Interface: ready while the DB is open.
func (s *store) ReadinessCheck() error {
	if s.db.isClosed() {
		return errClosed
	}
	return nil
}

// RequestWatchProgress implements storage.Interface. Only the watch cache
// asks for progress, and there is none here.
func (s *store) RequestWatchProgress(context.Context) error { return nil }

// GetCurrentResourceVersion implements storage.Interface.
func (s *store) GetCurrentResourceVersion(context.Context) (uint64, error) {
	if s.db.isClosed() {
		return 0, errClosed
	}
	return s.db.ResourceVersion(), nil
}

// EnableResourceSizeEstimation implements storage.Interface: Stats then also
// reports the average stored size, measured on each call.
func (s *store) EnableResourceSizeEstimation(getKeys storage.KeysFunc) error {
	if getKeys == nil {
		return errors.New("KeysFunc cannot be nil")
	}
	s.estimateSize.Store(true)
	return nil
}

// CompactRevision implements storage.Interface: the newest resourceVersion
// whose change is no longer in the history window, 0 if none.
func (s *store) CompactRevision() int64 {
	s.db.mu.RLock()
	defer s.db.mu.RUnlock()
	return int64(s.db.history.compacted())
}

// decode decodes stored bytes of key into out and sets its resourceVersion.
func (s *store) decode(ctx context.Context, key string, stored []byte, out runtime.Object, rev uint64) error {
	data, _, err := s.transformer.TransformFromStorage(ctx, stored, keyContext(key))
	if err != nil {
		return s.transformError(key, err)
	}
	if err := s.decodeInto(data, out, rev); err != nil {
		return s.decodeError(key, err)
	}
	return nil
}

// unsafeDeletion reports AllowUnsafeMalformedObjectDeletion, which lets
// a delete ask for an object that cannot be read.
func unsafeDeletion() bool {
	return utilfeature.DefaultFeatureGate.Enabled(features.AllowUnsafeMalformedObjectDeletion)
}

func (s *store) transformError(key string, err error) error {
	if s.reportCorrupt {
		return storage.NewCorruptObjError(key, err)
	}
	return storage.NewInternalError(err)
}

func (s *store) decodeError(key string, err error) error {
	if s.reportCorrupt {
		return storage.NewCorruptObjError(key, err)
	}
	return err
}

func (s *store) decodeInto(data []byte, out runtime.Object, rev uint64) error {
	if _, _, err := s.codec.Decode(data, nil, out); err != nil {
		return err
	}
	if err := s.versioner.UpdateObject(out, rev); err != nil {
		return fmt.Errorf("storage: setting resourceVersion %d: %w", rev, err)
	}
	return nil
}
