package box

import (
	"net/netip"
	"testing"
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
