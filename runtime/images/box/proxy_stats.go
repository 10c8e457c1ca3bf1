package box

import (
	"encoding/json"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The proxy's traffic counts: for every service port (cluster IP and
// port) and each endpoint it forwarded to, the connections made, those
// still open, the dials that failed and the bytes copied each way (added
// as a connection closes); per service port, the connections refused for
// want of a reachable endpoint. Only what passes the proxy is counted: a
// pod that dials another pod's IP goes straight over the lab network.
// The counts start at zero with the proxy and are published as one JSON
// file (TrafficTable) written atomically when they changed, at most every
// TrafficPeriod.

// TrafficFile is the counts' file name in the directory the proxy
// publishes to.
const TrafficFile = "traffic.json"

// TrafficPeriod is how often the proxy publishes changed counts.
const TrafficPeriod = 500 * time.Millisecond

// TrafficTable is the counts as the proxy publishes them.
type TrafficTable struct {
	// Since is when the proxy started counting.
	Since time.Time `json:"since"`
	// Updated is when the counts were written.
	Updated  time.Time        `json:"updated"`
	Services []TrafficService `json:"services"`
}

// TrafficService is one service port's counts.
type TrafficService struct {
	Name string `json:"name"` // namespace/name:port, as in the ProxyTable
	IP   string `json:"ip"`
	Port int    `json:"port"`
	// Refused counts connections no endpoint could take (reset).
	Refused   int64             `json:"refused"`
	Endpoints []TrafficEndpoint `json:"endpoints"`
}

// TrafficEndpoint is one endpoint's counts for a service port.
type TrafficEndpoint struct {
	Endpoint string `json:"endpoint"` // ip:port
	// Connections counts the connections forwarded to it, Active those open now.
	Connections int64 `json:"connections"`
	Active      int64 `json:"active"`
	// Failed counts the dials to it that failed (the next endpoint was tried).
	Failed int64 `json:"failed"`
	// BytesIn went from clients to the endpoint, BytesOut back; both are
	// added when a connection closes.
	BytesIn  int64 `json:"bytesIn"`
	BytesOut int64 `json:"bytesOut"`
}

// Traffic holds the counts of every service port; it is safe for
// concurrent use, and a nil *Traffic counts nothing.
type Traffic struct {
	mu       sync.Mutex
	since    time.Time
	services map[string]*ServiceCounter // by ip:port
	// changes goes up with every count: the publisher writes when it moved.
	changes uint64
}

// NewTraffic starts counting at since.
func NewTraffic(since time.Time) *Traffic {
	return &Traffic{since: since, services: map[string]*ServiceCounter{}}
}

// ServiceCounter counts one service port's connections; a nil one counts nothing.
type ServiceCounter struct {
	t         *Traffic
	name, ip  string
	port      int
	refused   int64
	endpoints map[string]*TrafficEndpoint
}

// Service is the counter of service port s, kept under key (its ip:port).
func (t *Traffic) Service(key string, s ProxyService) *ServiceCounter {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.services[key]
	if c == nil {
		c = &ServiceCounter{t: t, endpoints: map[string]*TrafficEndpoint{}}
		t.services[key] = c
		t.changes++
	}
	c.name, c.ip, c.port = s.Name, s.IP, s.Port
	return c
}

// Keep forgets the service ports whose keys live does not hold (Services
// deleted from the table), and says whether it forgot any.
func (t *Traffic) Keep(live func(key string) bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	forgot := false
	for key := range t.services {
		if !live(key) {
			delete(t.services, key)
			forgot = true
		}
	}
	if forgot {
		t.changes++
	}
	return forgot
}

// count runs f on endpoint ep's counts under the lock.
func (c *ServiceCounter) count(ep string, f func(e *TrafficEndpoint)) {
	if c == nil {
		return
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	e := c.endpoints[ep]
	if e == nil {
		e = &TrafficEndpoint{Endpoint: ep}
		c.endpoints[ep] = e
	}
	f(e)
	c.t.changes++
}

// failed counts a dial to ep that failed.
func (c *ServiceCounter) failed(ep string) { c.count(ep, func(e *TrafficEndpoint) { e.Failed++ }) }

// opened counts a connection forwarded to ep.
func (c *ServiceCounter) opened(ep string) {
	c.count(ep, func(e *TrafficEndpoint) { e.Connections++; e.Active++ })
}

// closed counts the end of a connection to ep and the bytes it carried.
func (c *ServiceCounter) closed(ep string, in, out int64) {
	c.count(ep, func(e *TrafficEndpoint) { e.Active--; e.BytesIn += in; e.BytesOut += out })
}

// refusedConn counts a connection no endpoint took.
func (c *ServiceCounter) refusedConn() {
	if c == nil {
		return
	}
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	c.refused++
	c.t.changes++
}

// Snapshot is the counts now, service ports by name, endpoints by address,
// and the change number they are at.
func (t *Traffic) Snapshot(now time.Time) (TrafficTable, uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := TrafficTable{Since: t.since, Updated: now, Services: []TrafficService{}}
	for _, c := range t.services {
		s := TrafficService{Name: c.name, IP: c.ip, Port: c.port, Refused: c.refused, Endpoints: []TrafficEndpoint{}}
		for _, e := range c.endpoints {
			s.Endpoints = append(s.Endpoints, *e)
		}
		slices.SortFunc(s.Endpoints, func(a, b TrafficEndpoint) int { return strings.Compare(a.Endpoint, b.Endpoint) })
		out.Services = append(out.Services, s)
	}
	slices.SortFunc(out.Services, func(a, b TrafficService) int {
		return strings.Compare(a.Name+" "+a.IP, b.Name+" "+b.IP)
	})
	return out, t.changes
}

// WriteTraffic writes table to path atomically (a temporary file in the
// same directory, renamed over it): a reader sees the old or the new.
func WriteTraffic(path string, table TrafficTable) error {
	b, err := json.Marshal(table)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone already once renamed
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// publishTraffic writes the proxy's counts to path whenever they changed,
// every TrafficPeriod, forgetting the service ports no longer in its table,
// until stop is closed (nil: for the proxy's life).
func (p *proxy) publishTraffic(path string, stop <-chan struct{}) {
	var written uint64
	first, failing := true, false
	tick := time.NewTicker(TrafficPeriod)
	defer tick.Stop()
	for {
		p.mu.RLock()
		live := make(map[string]bool, len(p.services))
		for key := range p.services {
			live[key] = true
		}
		p.mu.RUnlock()
		p.traffic.Keep(func(key string) bool { return live[key] })
		if table, changes := p.traffic.Snapshot(time.Now()); first || changes != written {
			if err := WriteTraffic(path, table); err != nil {
				if !failing {
					log.Printf("publishing the traffic counts to %s: %v", path, err)
				}
				failing = true
			} else {
				first, failing, written = false, false, changes
			}
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}
