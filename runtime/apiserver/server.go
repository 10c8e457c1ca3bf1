package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	genericfilters "k8s.io/apiserver/pkg/server/filters"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	restclient "k8s.io/client-go/rest"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/registry"
)

// Config wires the API server.
type Config struct {
	// Storage hands every resource its storage (runtime/storage's Decorator).
	Storage generic.StorageDecorator
	// PodIO serves logs, exec, attach and port-forward (the node agent).
	PodIO registry.PodIO
	// Admission are the lab's admission plugins, run after upstream's
	// NamespaceLifecycle.
	Admission []admission.Interface
	// Listener is the loopback TCP listener of the TLS endpoint.
	Listener net.Listener
	// Certs are the lab's CA, serving certificate and key (PEM).
	CACert, ServingCert, ServingKey []byte
	// Users maps bearer tokens to the users they authenticate.
	Users map[string]User
	// LoopbackToken authenticates the lab's own components as
	// system:apiserver (generated when empty); ClientConfig builds their
	// client configuration from it.
	LoopbackToken string
	// EventTTL is how long events are kept (default 1 h).
	EventTTL time.Duration
	// Extra handlers served beside the API (e.g. podlab's /podlab/v1/status).
	Extra map[string]http.Handler
}

// User is who a bearer token or client certificate stands for.
type User struct {
	Name   string
	Groups []string
}

// Server is a running API server.
type Server struct {
	generic  *genericapiserver.GenericAPIServer
	loopback *restclient.Config
	unixAuth string // the header the unix socket's requests carry
}

// longRunning are the requests the request timeout does not end (upstream's
// kube-apiserver list).
var longRunning = genericfilters.BasicLongRunningRequestCheck(
	sets.NewString("watch", "proxy"),
	sets.NewString("attach", "exec", "proxy", "log", "portforward"),
)

// New builds the API server; Run serves it.
func New(cfg Config) (*Server, error) {
	if cfg.Listener == nil || cfg.Storage == nil {
		return nil, fmt.Errorf("apiserver: a listener and storage are required")
	}
	loopbackToken, unixToken := cfg.LoopbackToken, randomToken()
	if loopbackToken == "" {
		loopbackToken = randomToken()
	}
	users := map[string]User{
		loopbackToken: {Name: "system:apiserver", Groups: []string{"system:masters"}},
		unixToken:     {Name: "podlab", Groups: []string{"system:masters"}},
	}
	for t, u := range cfg.Users {
		users[t] = u
	}
	c := genericapiserver.NewConfig(api.Codecs)
	c.EffectiveVersion = effectiveVersion()
	c.LongRunningFunc = longRunning
	c.EnableProfiling = false
	c.EnableMetrics = false

	serving, err := dynamiccertificates.NewStaticCertKeyContent("serving-cert", cfg.ServingCert, cfg.ServingKey)
	if err != nil {
		return nil, fmt.Errorf("apiserver: serving certificate: %w", err)
	}
	clientCA, err := dynamiccertificates.NewStaticCAContent("client-ca", cfg.CACert)
	if err != nil {
		return nil, fmt.Errorf("apiserver: client CA: %w", err)
	}
	c.SecureServing = &genericapiserver.SecureServingInfo{Listener: cfg.Listener, Cert: serving, ClientCA: clientCA}
	c.Authentication.Authenticator, err = requestAuthenticator(cfg.CACert, users)
	if err != nil {
		return nil, err
	}
	authz := authorizerfactory.NewAlwaysAllowAuthorizer()
	c.Authorization.Authorizer = authz
	c.RuleResolver = authz
	c.ExternalAddress = cfg.Listener.Addr().String()
	c.LoopbackClientConfig = ClientConfig(cfg.Listener.Addr().String(), cfg.CACert, loopbackToken)
	c.OpenAPIConfig, c.OpenAPIV3Config = openAPIConfigs()

	client, err := kubernetes.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	lifecycle, err := namespaceLifecycle(client, factory)
	if err != nil {
		return nil, err
	}
	c.AdmissionControl = admission.NewChainHandler(append([]admission.Interface{lifecycle}, cfg.Admission...)...)

	completed := c.Complete(factory)
	g, err := completed.New("podlab-apiserver", genericapiserver.NewEmptyDelegate())
	if err != nil {
		return nil, err
	}
	if err := installGroups(g, cfg, authz); err != nil {
		return nil, err
	}
	for path, h := range cfg.Extra {
		g.Handler.NonGoRestfulMux.Handle(path, h)
	}
	g.AddPostStartHookOrDie("start-informers", func(ctx genericapiserver.PostStartHookContext) error {
		factory.Start(ctx.Done())
		return nil
	})
	g.AddPostStartHookOrDie("system-namespaces", func(ctx genericapiserver.PostStartHookContext) error {
		return ensureSystemNamespaces(ctx, client)
	})
	g.AddPostStartHookOrDie("kubernetes-service", func(ctx genericapiserver.PostStartHookContext) error {
		go keepKubernetesService(ctx, client, cfg.Listener.Addr())
		return nil
	})
	return &Server{generic: g, loopback: c.LoopbackClientConfig, unixAuth: "Bearer " + unixToken}, nil
}

// allowAll is the lab's authorizer: it has no RBAC yet, so every
// authenticated user may do everything.
type allowAll interface {
	authorizer.Authorizer
	authorizer.RuleResolver
}

// installGroups installs the core group (/api/v1) and the review groups.
func installGroups(g *genericapiserver.GenericAPIServer, cfg Config, authz allowAll) error {
	regCfg := registry.Config{RESTOptions: restOptions{decorator: cfg.Storage}, PodIO: cfg.PodIO, EventTTL: cfg.EventTTL}
	core, err := registry.Core(regCfg)
	if err != nil {
		return err
	}
	legacy := genericapiserver.NewDefaultAPIGroupInfo("", api.Scheme, api.ParameterCodec, api.Codecs)
	legacy.VersionedResourcesStorageMap["v1"] = core
	if err := g.InstallLegacyAPIGroup(genericapiserver.DefaultLegacyAPIPrefix, &legacy); err != nil {
		return fmt.Errorf("apiserver: installing the core group: %w", err)
	}
	coordination, err := registry.Coordination(regCfg)
	if err != nil {
		return err
	}
	policy, err := registry.Policy(regCfg)
	if err != nil {
		return err
	}
	apps, err := registry.Apps(regCfg)
	if err != nil {
		return err
	}
	batch, err := registry.Batch(regCfg)
	if err != nil {
		return err
	}
	discovery, err := registry.Discovery(regCfg)
	if err != nil {
		return err
	}
	// In kube-apiserver's order (the aggregator's group priorities), so
	// discovery lists the groups, and `kubectl get all` the kinds, as a
	// cluster does.
	for _, g2 := range []struct {
		name     string
		priority int
		storage  map[string]rest.Storage
	}{
		{"apps", 17800, apps},
		{"authentication.k8s.io", 17700, registry.Authentication()},
		{"authorization.k8s.io", 17600, registry.Authorization(authz, authz)},
		{"batch", 17400, batch},
		{"policy", 17100, policy},
		{"coordination.k8s.io", 16500, coordination},
		{"discovery.k8s.io", 16200, discovery},
	} {
		group, storage := g2.name, g2.storage
		info := genericapiserver.NewDefaultAPIGroupInfo(group, api.Scheme, api.ParameterCodec, api.Codecs)
		info.VersionedResourcesStorageMap["v1"] = storage
		if err := g.InstallAPIGroup(&info); err != nil {
			return fmt.Errorf("apiserver: installing %s: %w", group, err)
		}
		if g.AggregatedDiscoveryGroupManager != nil {
			g.AggregatedDiscoveryGroupManager.SetGroupVersionPriority(metav1.GroupVersion{Group: group, Version: "v1"}, g2.priority, 15)
		}
	}
	return nil
}

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	return s.generic.PrepareRun().RunWithContext(ctx)
}

// ClientConfig is the client configuration of the lab's own components: the
// TLS endpoint at addr, trusted through the lab's CA, with the loopback
// token; rate limits are generous, as for kube-apiserver's loopback client.
func ClientConfig(addr string, caPEM []byte, token string) *restclient.Config {
	return &restclient.Config{
		Host:            "https://" + addr,
		BearerToken:     token,
		QPS:             200,
		Burst:           400,
		TLSClientConfig: restclient.TLSClientConfig{CAData: caPEM},
	}
}

// RandomToken is a fresh bearer token.
func RandomToken() string { return randomToken() }

// LoopbackConfig is the client configuration the lab's own components use.
func (s *Server) LoopbackConfig() *restclient.Config { return restclient.CopyConfig(s.loopback) }

// UnixHandler serves the API to podlab's CLI on the unix socket: whoever may
// open the socket acts as the lab's user.
func (s *Server) UnixHandler() http.Handler {
	h := s.generic.Handler
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", s.unixAuth)
		h.ServeHTTP(w, r)
	})
}
