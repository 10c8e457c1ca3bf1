package box

import (
	"net/netip"
	"testing"
	"time"
)

// query builds a DNS query for name and type.
func query(name string, qtype byte) []byte {
	q := []byte{0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	for _, l := range splitDots(name) {
		q = append(q, byte(len(l)))
		q = append(q, l...)
	}
	return append(q, 0, 0, qtype, 0, 1)
}

func splitDots(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func TestDNSAnswer(t *testing.T) {
	names := map[string][]string{"web.default.svc.cluster.local": {"10.96.4.5"}, "db.default.svc.cluster.local": {"172.18.0.3", "172.18.0.4"}}
	lookup := func(n string) ([]string, bool) { ips, ok := names[n]; return ips, ok }
	a := DNSAnswer(query("Web.default.svc.cluster.local", dnsTypeA), lookup, 512)
	if a[0] != 0x12 || a[1] != 0x34 || a[3]&0x0F != rcodeNoError || a[7] != 1 {
		t.Fatalf("A answer header % x", a[:12])
	}
	if got := a[len(a)-4:]; netip.AddrFrom4([4]byte(got)).String() != "10.96.4.5" {
		t.Errorf("A record %v", got)
	}
	if a := DNSAnswer(query("db.default.svc.cluster.local", dnsTypeA), lookup, 512); a[7] != 2 {
		t.Errorf("headless: %d answers", a[7])
	}
	if a := DNSAnswer(query("web.default.svc.cluster.local", dnsTypeAAAA), lookup, 512); a[3]&0x0F != rcodeNoError || a[7] != 0 {
		t.Errorf("AAAA of a known name: rcode %d, %d answers", a[3]&0x0F, a[7])
	}
	if a := DNSAnswer(query("web.default.default.svc.cluster.local", dnsTypeA), lookup, 512); a[3]&0x0F != rcodeNXDomain {
		t.Errorf("unknown cluster name: rcode %d", a[3]&0x0F)
	}
	if a := DNSAnswer(query("example.com", dnsTypeA), lookup, 512); a[3]&0x0F != rcodeRefused {
		t.Errorf("outside name: rcode %d", a[3]&0x0F)
	}
	if DNSAnswer([]byte{1, 2}, lookup, 512) != nil {
		t.Error("a short message got an answer")
	}
}

func TestBalancer(t *testing.T) {
	s := ProxyService{Endpoints: []string{"a", "b", "c"}}
	var b Balancer
	var firsts []string
	for range 6 {
		firsts = append(firsts, b.Pick(s, netip.MustParseAddr("172.18.0.9"))[0])
	}
	if got := firsts; got[0] != "a" || got[1] != "b" || got[2] != "c" || got[3] != "a" {
		t.Errorf("round robin: %v", got)
	}
	s.ClientIP = true
	one := b.Pick(s, netip.MustParseAddr("172.18.0.9"))[0]
	for range 5 {
		if got := b.Pick(s, netip.MustParseAddr("172.18.0.9")); got[0] != one || len(got) != 3 {
			t.Errorf("client IP affinity moved: %v, was %s", got, one)
		}
	}
	if b.Pick(ProxyService{}, netip.Addr{}) != nil {
		t.Error("no endpoints picked something")
	}
}

// With ClientIP, a client keeps its endpoint while other endpoints come and
// go, moves only when its own leaves, and is balanced afresh once it has
// been away for the timeout; different clients spread over the endpoints.
func TestBalancerClientIPTable(t *testing.T) {
	now := time.Unix(1000, 0)
	b := Balancer{Now: func() time.Time { return now }}
	s := ProxyService{ClientIP: true, ClientIPTimeout: 60, Endpoints: []string{"a:80", "b:80", "c:80"}}
	one, two := netip.MustParseAddr("172.18.0.9"), netip.MustParseAddr("172.18.0.10")
	first := b.Pick(s, one)[0]
	if got := b.Pick(s, two)[0]; got == first {
		t.Errorf("two new clients both went to %s, want round robin between them", got)
	}
	// Endpoints come and go: the client stays where it was.
	for _, eps := range [][]string{{"a:80", "b:80", "c:80", "d:80"}, {"d:80", "c:80", "b:80", "a:80", "e:80"}, {first, "z:80"}} {
		s.Endpoints = eps
		now = now.Add(30 * time.Second) // within the timeout of the last connection
		if got := b.Pick(s, one); got[0] != first || len(got) != len(eps) {
			t.Errorf("endpoints %v: client went to %v, want %s first", eps, got, first)
		}
	}
	// Its endpoint leaves: it moves, and stays on the new one.
	s.Endpoints = []string{"x:80", "y:80", "z:80"}
	moved := b.Pick(s, one)[0]
	for range 4 {
		if got := b.Pick(s, one)[0]; got != moved {
			t.Errorf("after its endpoint left, the client went to %s then %s", moved, got)
		}
	}
	// The endpoint coming back does not take the client back.
	s.Endpoints = append(s.Endpoints, first)
	if got := b.Pick(s, one)[0]; got != moved {
		t.Errorf("client went back to %s, want it to stay on %s", got, moved)
	}
	// Away for the timeout: the record is reaped and the next pick is the
	// round robin's. The counter stands at k; the expired client must get
	// endpoint k, not its old one.
	now = now.Add(60 * time.Second)
	next := s.Endpoints[int(b.next.Load()%uint64(len(s.Endpoints)))]
	if got := b.Pick(s, one)[0]; got != next {
		t.Errorf("after the timeout the client got %s, want the round robin's %s", got, next)
	}
	if next == moved {
		t.Fatalf("test is not telling: round robin lands on the old endpoint %s", moved)
	}
	if len(b.affinity) != 1 {
		t.Errorf("table holds %d clients after the other expired, want 1", len(b.affinity))
	}
}

// The table's default timeout is upstream's three hours.
func TestBalancerClientIPDefaultTimeout(t *testing.T) {
	now := time.Unix(1000, 0)
	b := Balancer{Now: func() time.Time { return now }}
	s := ProxyService{ClientIP: true, Endpoints: []string{"a:80", "b:80"}}
	c := netip.MustParseAddr("172.18.0.9")
	first := b.Pick(s, c)[0]
	b.Pick(s, netip.MustParseAddr("172.18.0.10")) // moves the round robin on
	now = now.Add(10799 * time.Second)
	if got := b.Pick(s, c)[0]; got != first {
		t.Errorf("within 10800 s the client moved to %s from %s", got, first)
	}
	now = now.Add(10800 * time.Second)
	b.Pick(s, netip.MustParseAddr("172.18.0.11"))
	if _, ok := b.affinity[c]; ok {
		t.Error("the client's record outlived 10800 s away")
	}
}
