package apiserver

import (
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	openapicommon "k8s.io/kube-openapi/pkg/common"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/api/openapi"
)

// openAPIConfigs describe every served type from the definitions generated
// by upstream's openapi-gen (runtime/api/openapi), titled as kube-apiserver's.
func openAPIConfigs() (*openapicommon.Config, *openapicommon.OpenAPIV3Config) {
	namer := openapinamer.NewDefinitionNamer(api.Scheme)
	v2 := genericapiserver.DefaultOpenAPIConfig(openapi.GetOpenAPIDefinitions, namer)
	v2.Info.Title, v2.Info.Version = "Kubernetes", version.KubernetesVersion
	v3 := genericapiserver.DefaultOpenAPIV3Config(openapi.GetOpenAPIDefinitions, namer)
	v3.Info.Title, v3.Info.Version = "Kubernetes", version.KubernetesVersion
	return v2, v3
}
