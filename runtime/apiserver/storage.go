package apiserver

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage/storagebackend"

	"github.com/podlab/podlab/runtime/api"
)

// restOptions gives each resource its storage: the lab's store under
// "/<resource>", objects kept as the JSON of their served version (as
// etcd keeps kube-apiserver's objects, in protobuf there).
type restOptions struct{ decorator generic.StorageDecorator }

func (o restOptions) GetRESTOptions(resource schema.GroupResource, _ runtime.Object) (generic.RESTOptions, error) {
	var gv schema.GroupVersion
	found := false
	for _, r := range api.All {
		if r.GroupResource() == resource {
			gv, found = r.GroupVersion(), true
		}
	}
	if !found {
		return generic.RESTOptions{}, fmt.Errorf("apiserver: no storage for %s", resource)
	}
	serializer := json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{})
	codec := api.Codecs.CodecForVersions(serializer, serializer, gv, schema.GroupVersion{Group: gv.Group, Version: runtime.APIVersionInternal})
	return generic.RESTOptions{
		StorageConfig: &storagebackend.ConfigForResource{
			Config:        storagebackend.Config{Codec: codec},
			GroupResource: resource,
		},
		Decorator:               o.decorator,
		EnableGarbageCollection: true,
		DeleteCollectionWorkers: 1,
		ResourcePrefix:          "/" + resource.Resource,
	}, nil
}
