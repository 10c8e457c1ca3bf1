package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/api"
)

// Client talks to the control plane over its unix socket.
type Client struct {
	socket string
	cfg    *rest.Config
	http   *http.Client

	mu      sync.Mutex
	clients map[schema.GroupVersion]*rest.RESTClient
}

var _ Interface = (*Client)(nil)

// New returns a client of the API served on socketPath.
func New(socketPath string) *Client {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socketPath)
	}
	cfg := &rest.Config{
		// The host is a placeholder: every connection goes to the socket.
		Host:      "http://podlab",
		Dial:      dial,
		UserAgent: "podlab/" + version.Version,
		// The CLI's own commands are few; no client-side rate limit.
		QPS: -1,
		// Warnings are returned to the caller, who prints them as kubectl does.
		WarningHandler: rest.NoWarnings{},
	}
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		panic(fmt.Sprintf("client: %v", err)) // only a malformed static config fails
	}
	return &Client{socket: socketPath, cfg: cfg, http: hc, clients: map[schema.GroupVersion]*rest.RESTClient{}}
}

// Socket is the unix socket the client talks to.
func (c *Client) Socket() string { return c.socket }

// restFor returns the REST client of res's group and version.
func (c *Client) restFor(gv schema.GroupVersion) *rest.RESTClient {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rc, ok := c.clients[gv]; ok {
		return rc
	}
	cfg := rest.CopyConfig(c.cfg)
	cfg.GroupVersion = &gv
	cfg.APIPath = "/apis"
	if gv.Group == "" {
		cfg.APIPath = "/api"
	}
	cfg.NegotiatedSerializer = api.Codecs.WithoutConversion()
	rc, err := rest.RESTClientForConfigAndClient(cfg, c.http)
	if err != nil {
		panic(fmt.Sprintf("client: %v", err))
	}
	c.clients[gv] = rc
	return rc
}

func (c *Client) request(verb string, res api.Resource, namespace, name string) *rest.Request {
	r := c.restFor(res.GroupVersion()).Verb(verb).Resource(res.Name)
	if res.Namespaced && namespace != "" {
		r = r.Namespace(namespace)
	}
	if name != "" {
		r = r.Name(name)
	}
	return r
}

// object decodes a result into a typed object and its warnings; a bare
// Status (what a delete may answer) gives no object.
func (c *Client) object(result rest.Result) (api.Object, []string, error) {
	var warnings []string
	for _, w := range result.Warnings() {
		warnings = append(warnings, w.Text)
	}
	obj, err := result.Get()
	if err != nil {
		return nil, warnings, c.unavailable(err)
	}
	if _, ok := obj.(*metav1.Status); ok {
		return nil, warnings, nil
	}
	o, ok := obj.(api.Object)
	if !ok {
		return nil, warnings, fmt.Errorf("client: the server answered with a %T", obj)
	}
	api.SetTypeMeta(o)
	return o, warnings, nil
}

func namespaceOf(res api.Resource, ns string) string {
	if res.Namespaced && ns == "" {
		return api.DefaultNamespace
	}
	return ns
}

// Create creates obj.
func (c *Client) Create(ctx context.Context, res api.Resource, obj api.Object, opts metav1.CreateOptions) (api.Object, []string, error) {
	r := c.request("POST", res, namespaceOf(res, obj.GetNamespace()), "").VersionedParams(&opts, api.ParameterCodec).Body(obj)
	return c.object(r.Do(ctx))
}

// Get fetches one object.
func (c *Client) Get(ctx context.Context, res api.Resource, namespace, name string) (api.Object, error) {
	obj, _, err := c.object(c.request("GET", res, namespace, name).Do(ctx))
	return obj, err
}

// List lists objects.
func (c *Client) List(ctx context.Context, res api.Resource, namespace string, opts metav1.ListOptions) ([]api.Object, string, error) {
	obj, err := c.request("GET", res, namespace, "").VersionedParams(&opts, api.ParameterCodec).Do(ctx).Get()
	if err != nil {
		return nil, "", c.unavailable(err)
	}
	items, err := listItems(obj)
	if err != nil {
		return nil, "", err
	}
	rv := ""
	if l, ok := obj.(metav1.ListInterface); ok {
		rv = l.GetResourceVersion()
	}
	return items, rv, nil
}

func listItems(list runtime.Object) ([]api.Object, error) {
	objs, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]api.Object, 0, len(objs))
	for _, o := range objs {
		obj, ok := o.(api.Object)
		if !ok {
			return nil, fmt.Errorf("client: a list holds a %T", o)
		}
		api.SetTypeMeta(obj)
		out = append(out, obj)
	}
	return out, nil
}

// Update replaces obj.
func (c *Client) Update(ctx context.Context, res api.Resource, obj api.Object, opts metav1.UpdateOptions) (api.Object, []string, error) {
	r := c.request("PUT", res, namespaceOf(res, obj.GetNamespace()), obj.GetName()).VersionedParams(&opts, api.ParameterCodec).Body(obj)
	return c.object(r.Do(ctx))
}

// Patch patches an object.
func (c *Client) Patch(ctx context.Context, res api.Resource, namespace, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions) (api.Object, []string, error) {
	r := c.restFor(res.GroupVersion()).Patch(pt).Resource(res.Name).Name(name).VersionedParams(&opts, api.ParameterCodec).Body(data)
	if res.Namespaced {
		r = r.Namespace(namespaceOf(res, namespace))
	}
	return c.object(r.Do(ctx))
}

// Delete deletes an object.
func (c *Client) Delete(ctx context.Context, res api.Resource, namespace, name string, opts metav1.DeleteOptions) (api.Object, error) {
	obj, _, err := c.object(c.request("DELETE", res, namespace, name).Body(&opts).Do(ctx))
	return obj, err
}

// Watch streams changes as typed events. Bookmarks are not passed on; an
// error the server sends (a resourceVersion too old, say) ends the stream,
// after which the caller lists again.
func (c *Client) Watch(ctx context.Context, res api.Resource, namespace string, opts metav1.ListOptions) (<-chan watch.Event, error) {
	opts.Watch = true
	w, err := c.request("GET", res, namespace, "").VersionedParams(&opts, api.ParameterCodec).Watch(ctx)
	if err != nil {
		return nil, c.unavailable(err)
	}
	ch := make(chan watch.Event, 64)
	go func() {
		defer close(ch)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok || ev.Type == watch.Error {
					return
				}
				if ev.Type == watch.Bookmark {
					continue
				}
				if o, ok := ev.Object.(api.Object); ok {
					api.SetTypeMeta(o)
				}
				select {
				case ch <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return ch, nil
}

// Status describes the running control plane.
func (c *Client) Status(ctx context.Context) (ServerStatus, error) {
	var st ServerStatus
	body, err := c.restFor(schema.GroupVersion{Version: "v1"}).Get().AbsPath("/podlab/v1/status").DoRaw(ctx)
	if err != nil {
		return st, c.unavailable(err)
	}
	return st, json.Unmarshal(body, &st)
}
