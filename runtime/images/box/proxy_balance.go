package box

import (
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultClientIPTimeout is upstream's default for
// sessionAffinityConfig.clientIP.timeoutSeconds
// (corev1.DefaultClientIPServiceAffinitySeconds, three hours).
const DefaultClientIPTimeout = 10800 * time.Second

// Balancer picks a service's endpoints: round robin, or, with sessionAffinity
// ClientIP, the endpoint a client was last given, kept in a table.
//
// Upstream rule followed (kube-proxy's iptables mode): each endpoint chain
// records the client's source address at every new connection (`-m recent
// --set`), and the service chain sends a client back to the endpoint that
// saw it within timeoutSeconds (`--rcheck --seconds T --reap`); an endpoint
// that leaves takes its records with it. So a client keeps its endpoint for
// as long as that endpoint stays in the ready set and the client connects
// again within the timeout, whatever other endpoints come and go; a new or
// expired client is balanced like any other connection.
type Balancer struct {
	next atomic.Uint64

	mu       sync.Mutex
	affinity map[netip.Addr]affinityEntry
	// Now is the clock for the table (nil: time.Now); tests set it.
	Now func() time.Time
}

// affinityEntry is a client's endpoint and when it last connected.
type affinityEntry struct {
	endpoint string
	lastUsed time.Time
}

// Pick orders the endpoints to try for a client: the first is the choice,
// the rest are fallbacks when it cannot be reached.
func (b *Balancer) Pick(s ProxyService, client netip.Addr) []string {
	n := len(s.Endpoints)
	if n == 0 {
		return nil
	}
	var first int
	if s.ClientIP {
		first = b.sticky(s, client)
	} else {
		first = int((b.next.Add(1) - 1) % uint64(n))
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, s.Endpoints[(first+i)%n])
	}
	return out
}

// sticky is the index of client's endpoint, choosing (and recording) one
// by round robin when the client has none that is still listed and fresh.
func (b *Balancer) sticky(s ProxyService, client netip.Addr) int {
	timeout := DefaultClientIPTimeout
	if s.ClientIPTimeout > 0 {
		timeout = time.Duration(s.ClientIPTimeout) * time.Second
	}
	now := time.Now()
	if b.Now != nil {
		now = b.Now()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.affinity == nil {
		b.affinity = map[netip.Addr]affinityEntry{}
	}
	// --reap: forget the clients away longer than the timeout, and those of
	// endpoints that left (their chains go, and their records with them).
	for ip, e := range b.affinity {
		if now.Sub(e.lastUsed) >= timeout || !slices.Contains(s.Endpoints, e.endpoint) {
			delete(b.affinity, ip)
		}
	}
	i := -1
	if e, ok := b.affinity[client]; ok {
		i = slices.Index(s.Endpoints, e.endpoint)
	}
	if i < 0 {
		i = int((b.next.Add(1) - 1) % uint64(len(s.Endpoints)))
	}
	b.affinity[client] = affinityEntry{endpoint: s.Endpoints[i], lastUsed: now}
	return i
}
