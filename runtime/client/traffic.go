package client

import (
	"context"
	"encoding/json"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TrafficPath is the control plane's podlab-only, read-only endpoint of
// the lab's service traffic (?namespace=NS: that namespace's Services only).
const TrafficPath = "/podlab/v1/traffic"

// Traffic is what the lab's service proxy counted: the connections made to
// each Service port's cluster IP, per endpoint. Connections a pod makes
// straight to another pod's IP do not pass the proxy and are not counted;
// nor are the node ports, which the control plane serves itself.
type Traffic struct {
	// Since is when the proxy started counting (zero: it has published
	// nothing yet); the counts start again from zero with it.
	Since time.Time `json:"since,omitempty"`
	// Updated is when the proxy last published its counts.
	Updated  time.Time        `json:"updated,omitempty"`
	Services []ServiceTraffic `json:"services"`
}

// ServiceTraffic is one Service port's counts.
type ServiceTraffic struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Port is the Service port's name, or its number when it has none.
	Port       string `json:"port"`
	ClusterIP  string `json:"clusterIP"`
	PortNumber int    `json:"portNumber"`
	// Refused counts the connections no endpoint could take (reset).
	Refused   int64             `json:"refused"`
	Endpoints []EndpointTraffic `json:"endpoints"`
}

// EndpointTraffic is one endpoint's counts for a Service port.
type EndpointTraffic struct {
	IP   string `json:"ip"`
	Port int    `json:"port"`
	// Connections counts those forwarded to it, Active those open now.
	Connections int64 `json:"connections"`
	Active      int64 `json:"active"`
	// Failed counts the dials to it that failed.
	Failed int64 `json:"failed"`
	// BytesIn went to the endpoint, BytesOut came back; a connection's
	// bytes are added when it closes.
	BytesIn  int64 `json:"bytesIn"`
	BytesOut int64 `json:"bytesOut"`
}

// Traffic reads the service proxy's counts, of one namespace's Services
// ("" for all).
func (c *Client) Traffic(ctx context.Context, namespace string) (Traffic, error) {
	var t Traffic
	req := c.restFor(schema.GroupVersion{Version: "v1"}).Get().AbsPath(TrafficPath)
	if namespace != "" {
		req = req.Param("namespace", namespace)
	}
	body, err := req.DoRaw(ctx)
	if err != nil {
		return t, c.unavailable(err)
	}
	return t, json.Unmarshal(body, &t)
}
