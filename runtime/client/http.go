package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/store"
)

// Client talks to the control plane over its unix socket.
type Client struct {
	socket string
	http   *http.Client
}

var _ Interface = (*Client)(nil)

// New returns a client of the API served on socketPath.
func New(socketPath string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
		MaxIdleConnsPerHost: 4,
	}
	return &Client{socket: socketPath, http: &http.Client{Transport: tr}}
}

// Socket is the unix socket the client talks to.
func (c *Client) Socket() string { return c.socket }

// UnavailableError says no control plane answers on the socket.
type UnavailableError struct {
	Socket string
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("no podlab control plane answers on %s (start it with \"podlab up\"): %v", e.Socket, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err means the control plane is not running.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

func resourcePath(res api.Resource, namespace, name string) string {
	var b strings.Builder
	b.WriteString("/api/v1")
	if res.Namespaced && namespace != "" {
		b.WriteString("/namespaces/" + url.PathEscape(namespace))
	}
	b.WriteString("/" + res.Name)
	if name != "" {
		b.WriteString("/" + url.PathEscape(name))
	}
	return b.String()
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, contentType string, body []byte) (*http.Response, error) {
	u := "http://podlab" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) || isNoSocket(err) {
			return nil, &UnavailableError{Socket: c.socket, Err: err}
		}
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, decodeError(resp)
	}
	return resp, nil
}

func isNoSocket(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// decodeError turns a metav1.Status response into an apierrors value.
func decodeError(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && st.Kind == "Status" {
		return &apierrors.StatusError{ErrStatus: st}
	}
	// Not a Status (a proxy, or a server that is not podlab's): keep the
	// code's reason, and say what the server said.
	se := apierrors.NewGenericServerResponse(resp.StatusCode, resp.Request.Method, schema.GroupResource{}, "", "", 0, false)
	if msg := strings.TrimSpace(string(body)); msg != "" {
		se.ErrStatus.Message = msg
	}
	return se
}

func warnings(resp *http.Response) []string {
	var out []string
	for _, h := range resp.Header.Values("Warning") {
		// 299 - "text"
		parts := strings.SplitN(h, " ", 3)
		if len(parts) == 3 {
			if s, err := strconv.Unquote(parts[2]); err == nil {
				out = append(out, s)
				continue
			}
		}
		out = append(out, h)
	}
	return out
}

func decodeObject(res api.Resource, resp *http.Response) (api.Object, error) {
	defer resp.Body.Close()
	obj := res.New()
	if err := json.NewDecoder(resp.Body).Decode(obj); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", res.Kind, err)
	}
	api.SetTypeMeta(obj)
	return obj, nil
}

// Create creates obj.
func (c *Client) Create(ctx context.Context, res api.Resource, obj api.Object) (api.Object, []string, error) {
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, err
	}
	ns := obj.GetNamespace()
	if res.Namespaced && ns == "" {
		ns = api.DefaultNamespace
	}
	resp, err := c.do(ctx, http.MethodPost, resourcePath(res, ns, ""), nil, "application/json", body)
	if err != nil {
		return nil, nil, err
	}
	out, err := decodeObject(res, resp)
	return out, warnings(resp), err
}

// Get fetches one object.
func (c *Client) Get(ctx context.Context, res api.Resource, namespace, name string) (api.Object, error) {
	resp, err := c.do(ctx, http.MethodGet, resourcePath(res, namespace, name), nil, "", nil)
	if err != nil {
		return nil, err
	}
	return decodeObject(res, resp)
}

func listQuery(opts store.ListOptions) url.Values {
	q := url.Values{}
	if opts.LabelSelector != nil && !opts.LabelSelector.Empty() {
		q.Set("labelSelector", opts.LabelSelector.String())
	}
	if opts.FieldSelector != nil && !opts.FieldSelector.Empty() {
		q.Set("fieldSelector", opts.FieldSelector.String())
	}
	return q
}

// List lists objects; namespace "" lists all namespaces.
func (c *Client) List(ctx context.Context, res api.Resource, namespace string, opts store.ListOptions) ([]api.Object, string, error) {
	resp, err := c.do(ctx, http.MethodGet, resourcePath(res, namespace, ""), listQuery(opts), "", nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, "", fmt.Errorf("decoding %s: %w", res.ListKind, err)
	}
	out := make([]api.Object, 0, len(list.Items))
	for _, raw := range list.Items {
		obj := res.New()
		if err := json.Unmarshal(raw, obj); err != nil {
			return nil, "", err
		}
		api.SetTypeMeta(obj)
		out = append(out, obj)
	}
	return out, list.Metadata.ResourceVersion, nil
}

// Update replaces obj.
func (c *Client) Update(ctx context.Context, res api.Resource, obj api.Object) (api.Object, []string, error) {
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.do(ctx, http.MethodPut, resourcePath(res, obj.GetNamespace(), obj.GetName()), nil, "application/json", body)
	if err != nil {
		return nil, nil, err
	}
	out, err := decodeObject(res, resp)
	return out, warnings(resp), err
}

// UpdateStatus replaces a pod's status (the status subresource).
func (c *Client) UpdateStatus(ctx context.Context, res api.Resource, obj api.Object) (api.Object, error) {
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, http.MethodPut, resourcePath(res, obj.GetNamespace(), obj.GetName())+"/status", nil, "application/json", body)
	if err != nil {
		return nil, err
	}
	return decodeObject(res, resp)
}

// Patch patches an object.
func (c *Client) Patch(ctx context.Context, res api.Resource, namespace, name string, pt types.PatchType, data []byte) (api.Object, []string, error) {
	resp, err := c.do(ctx, http.MethodPatch, resourcePath(res, namespace, name), nil, string(pt), data)
	if err != nil {
		return nil, nil, err
	}
	out, err := decodeObject(res, resp)
	return out, warnings(resp), err
}

// Delete deletes an object.
func (c *Client) Delete(ctx context.Context, res api.Resource, namespace, name string, opts DeleteOptions) (api.Object, error) {
	q := url.Values{}
	grace := opts.GracePeriodSeconds
	if opts.Force && grace == nil {
		zero := int64(0)
		grace = &zero
	}
	if grace != nil {
		q.Set("gracePeriodSeconds", strconv.FormatInt(*grace, 10))
	}
	resp, err := c.do(ctx, http.MethodDelete, resourcePath(res, namespace, name), q, "", nil)
	if err != nil {
		return nil, err
	}
	return decodeObject(res, resp)
}

// Watch streams changes.
func (c *Client) Watch(ctx context.Context, res api.Resource, namespace string, opts store.ListOptions, sinceRV string) (<-chan store.WatchEvent, error) {
	q := listQuery(opts)
	q.Set("watch", "true")
	if sinceRV != "" {
		q.Set("resourceVersion", sinceRV)
	}
	resp, err := c.do(ctx, http.MethodGet, resourcePath(res, namespace, ""), q, "", nil)
	if err != nil {
		return nil, err
	}
	ch := make(chan store.WatchEvent, 64)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		dec := json.NewDecoder(bufio.NewReader(resp.Body))
		for {
			var ev struct {
				Type   watch.EventType `json:"type"`
				Object json.RawMessage `json:"object"`
			}
			if err := dec.Decode(&ev); err != nil {
				return
			}
			obj := res.New()
			if err := json.Unmarshal(ev.Object, obj); err != nil {
				return
			}
			api.SetTypeMeta(obj)
			select {
			case ch <- store.WatchEvent{Type: ev.Type, Object: obj}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

// Logs streams a container's log.
func (c *Client) Logs(ctx context.Context, namespace, pod string, opts LogOptions) (io.ReadCloser, error) {
	q := url.Values{}
	if opts.Container != "" {
		q.Set("container", opts.Container)
	}
	if opts.Follow {
		q.Set("follow", "true")
	}
	if opts.Previous {
		q.Set("previous", "true")
	}
	if opts.Timestamps {
		q.Set("timestamps", "true")
	}
	if opts.TailLines != nil {
		q.Set("tailLines", strconv.FormatInt(*opts.TailLines, 10))
	}
	if opts.Since > 0 {
		secs := int64(opts.Since.Seconds())
		if secs < 1 {
			secs = 1
		}
		q.Set("sinceSeconds", strconv.FormatInt(secs, 10))
	}
	resp, err := c.do(ctx, http.MethodGet, resourcePath(api.Pods, namespace, pod)+"/log", q, "", nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Status describes the running control plane.
func (c *Client) Status(ctx context.Context) (ServerStatus, error) {
	resp, err := c.do(ctx, http.MethodGet, "/podlab/v1/status", nil, "", nil)
	if err != nil {
		return ServerStatus{}, err
	}
	defer resp.Body.Close()
	var st ServerStatus
	return st, json.NewDecoder(resp.Body).Decode(&st)
}
