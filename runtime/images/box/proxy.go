package box

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"
)

func init() { register(proxyMain, "podlab-proxy") }

// ProxyTable is what the lab's proxy serves, as the control plane writes
// it (JSON) for the proxy container to read.
type ProxyTable struct {
	// Services are the TCP service ports by cluster IP.
	Services []ProxyService `json:"services"`
	// Names are the DNS names the proxy answers (fully qualified, without
	// the final dot), each with its A records.
	Names map[string][]string `json:"names"`
}

// ProxyService is one port of one Service.
type ProxyService struct {
	Name string `json:"name"` // namespace/name:port, for logs
	IP   string `json:"ip"`
	Port int    `json:"port"`
	// ClientIP sticks each client to one endpoint (sessionAffinity ClientIP).
	ClientIP bool `json:"clientIP,omitempty"`
	// ClientIPTimeout is sessionAffinityConfig.clientIP.timeoutSeconds: how
	// long a client's endpoint is kept after its last connection (0: the
	// upstream default, 10800).
	ClientIPTimeout int `json:"clientIPTimeoutSeconds,omitempty"`
	// Endpoints are the ready endpoints, "ip:port".
	Endpoints []string `json:"endpoints"`
}

// Forward connects conn to the first reachable of endpoints and copies
// both ways until either side closes; none reachable resets conn.
func Forward(conn net.Conn, endpoints []string) { ForwardCounted(conn, endpoints, nil) }

// ForwardCounted is Forward counting the connection in c (nil: not
// counted; proxy_stats.go).
func ForwardCounted(conn net.Conn, endpoints []string, c *ServiceCounter) {
	defer conn.Close()
	var up net.Conn
	var to string
	for _, ep := range endpoints {
		u, err := net.DialTimeout("tcp", ep, 2*time.Second)
		if err == nil {
			up, to = u, ep
			break
		}
		c.failed(ep)
	}
	if up == nil {
		// No endpoint: refuse as kube-proxy does (a reset, not a hang).
		c.refusedConn()
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		return
	}
	defer up.Close()
	c.opened(to)
	var in, out int64
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn, n *int64) {
		*n, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, conn, &in)
	go pipe(conn, up, &out)
	<-done
	<-done
	c.closed(to, in, out)
}

// proxyMain is the lab's service proxy and DNS server, one container per
// lab: `podlab-proxy --table FILE --cidr CIDR --dns IP [--stats FILE]`. Every address of
// CIDR is made its own (a local route on the loopback); it listens on each
// service port on every address and forwards a connection to one of the
// ready endpoints of the service whose cluster IP the client dialled. The
// table is re-read whenever the file changes (it is polled every 100 ms).
// DNS queries to IP:53 (UDP and TCP) are answered from the table's names;
// anything else is refused — the lab is offline. With --stats, the
// connections forwarded are counted and published there (proxy_stats.go).
func proxyMain(argv []string) int {
	fs := flag.NewFlagSet(argv[0], flag.ContinueOnError)
	table := fs.String("table", "/run/podlab/proxy.json", "the table the control plane writes")
	cidr := fs.String("cidr", "", "the service range to own")
	dnsIP := fs.String("dns", "", "the DNS server's address (in the range)")
	stats := fs.String("stats", "", "the file to publish the traffic counts in (proxy_stats.go)")
	if err := fs.Parse(argv[1:]); err != nil {
		return 2
	}
	log.SetPrefix("podlab-proxy: ")
	log.SetFlags(log.LstdFlags)
	if *cidr != "" {
		p, err := netip.ParsePrefix(*cidr)
		if err != nil {
			return fail(argv[0], "bad --cidr: %v", err)
		}
		if err := addRoute(p, netip.Addr{}, true); err != nil {
			return fail(argv[0], "owning %s: %v", p, err)
		}
	}
	px := &proxy{listeners: map[int]net.Listener{}, services: map[string]ProxyService{}, balancers: map[string]*Balancer{}, traffic: NewTraffic(time.Now())}
	if *stats != "" {
		go px.publishTraffic(*stats, nil)
	}
	if *dnsIP != "" {
		if err := px.serveDNS(*dnsIP); err != nil {
			return fail(argv[0], "DNS on %s: %v", *dnsIP, err)
		}
	}
	var last os.FileInfo
	for {
		if fi, err := os.Stat(*table); err == nil && (last == nil || !fi.ModTime().Equal(last.ModTime()) || fi.Size() != last.Size()) {
			if err := px.load(*table); err != nil {
				log.Printf("reading %s: %v", *table, err)
			} else {
				last = fi
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type proxy struct {
	mu        sync.RWMutex
	listeners map[int]net.Listener
	services  map[string]ProxyService // by ip:port
	balancers map[string]*Balancer
	names     map[string][]string
	traffic   *Traffic // the counts (proxy_stats.go)
}

func (p *proxy) load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var t ProxyTable
	if err := json.Unmarshal(b, &t); err != nil {
		return err
	}
	services := map[string]ProxyService{}
	ports := map[int]bool{}
	for _, s := range t.Services {
		key := net.JoinHostPort(s.IP, strconv.Itoa(s.Port))
		services[key] = s
		ports[s.Port] = true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.services, p.names = services, t.Names
	for key := range p.balancers {
		if _, ok := services[key]; !ok {
			delete(p.balancers, key)
		}
	}
	for port, ln := range p.listeners {
		if !ports[port] {
			ln.Close()
			delete(p.listeners, port)
		}
	}
	for port := range ports {
		if _, ok := p.listeners[port]; ok {
			continue
		}
		ln, err := net.Listen("tcp4", ":"+strconv.Itoa(port))
		if err != nil {
			log.Printf("listening on port %d: %v", port, err)
			continue
		}
		p.listeners[port] = ln
		go p.accept(ln)
	}
	return nil
}

func (p *proxy) accept(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		local := conn.LocalAddr().(*net.TCPAddr)
		remote := conn.RemoteAddr().(*net.TCPAddr)
		key := net.JoinHostPort(local.AddrPort().Addr().Unmap().String(), strconv.Itoa(local.Port))
		p.mu.Lock()
		s, ok := p.services[key]
		b := p.balancers[key]
		if ok && b == nil {
			b = &Balancer{}
			p.balancers[key] = b
		}
		p.mu.Unlock()
		var eps []string
		var counter *ServiceCounter
		if ok {
			eps = b.Pick(s, remote.AddrPort().Addr().Unmap())
			counter = p.traffic.Service(key, s)
		}
		go ForwardCounted(conn, eps, counter)
	}
}

func (p *proxy) lookup(name string) ([]string, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	ips, ok := p.names[name]
	return ips, ok
}

func (p *proxy) serveDNS(ip string) error {
	addr := net.JoinHostPort(ip, "53")
	uc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return err
	}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := uc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out := DNSAnswer(buf[:n], p.lookup, 512); out != nil {
				uc.WriteTo(out, from)
			}
		}
	}()
	tl, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				for {
					var l [2]byte
					if _, err := io.ReadFull(c, l[:]); err != nil {
						return
					}
					q := make([]byte, int(l[0])<<8|int(l[1]))
					if _, err := io.ReadFull(c, q); err != nil {
						return
					}
					out := DNSAnswer(q, p.lookup, 65535)
					if out == nil {
						return
					}
					c.Write(append([]byte{byte(len(out) >> 8), byte(len(out))}, out...))
				}
			}()
		}
	}()
	return nil
}

// DNS wire format (RFC 1035) constants.
const (
	dnsTypeA      = 1
	dnsTypeAAAA   = 28
	dnsClassIN    = 1
	rcodeNoError  = 0
	rcodeFormErr  = 1
	rcodeNXDomain = 3
	rcodeNotImp   = 4
	rcodeRefused  = 5
	dnsTTL        = 5 // CoreDNS's kubernetes plugin default TTL is 5 s
)

// DNSAnswer answers one query message from lookup (a name without its
// final dot, lower case): A records of a known name; no records (NOERROR)
// for another type of a known name; NXDOMAIN for an unknown name under
// cluster.local; REFUSED for any other name (nothing is forwarded). A
// malformed message gets FORMERR, or nil when not even its header is there.
func DNSAnswer(q []byte, lookup func(string) ([]string, bool), max int) []byte {
	if len(q) < 12 {
		return nil
	}
	id := q[0:2]
	flags := uint16(q[2])<<8 | uint16(q[3])
	if flags&0x8000 != 0 {
		return nil // a response, not a query
	}
	rd := flags & 0x0100
	reply := func(rcode uint16, question []byte, answers [][]byte) []byte {
		out := make([]byte, 12, 12+len(question)+16*len(answers))
		copy(out, id)
		f := 0x8000 | 0x0400 | rd | rcode // QR, AA, RD copied
		out[2], out[3] = byte(f>>8), byte(f)
		qd := 0
		if question != nil {
			qd = 1
		}
		out[5] = byte(qd)
		out[7] = byte(len(answers))
		out = append(out, question...)
		for _, a := range answers {
			if len(out)+len(a) > max {
				out[2] |= 0x02 // TC
				out[7]--
				continue
			}
			out = append(out, a...)
		}
		return out
	}
	opcode := (flags >> 11) & 0xF
	qdcount := int(q[4])<<8 | int(q[5])
	if opcode != 0 {
		return reply(rcodeNotImp, nil, nil)
	}
	if qdcount != 1 {
		return reply(rcodeFormErr, nil, nil)
	}
	name, off, err := readName(q, 12)
	if err != nil || off+4 > len(q) {
		return reply(rcodeFormErr, nil, nil)
	}
	question := q[12 : off+4]
	qtype := int(q[off])<<8 | int(q[off+1])
	qclass := int(q[off+2])<<8 | int(q[off+3])
	lname := lower(name)
	ips, ok := lookup(lname)
	if !ok {
		if lname == "cluster.local" || hasSuffix(lname, ".cluster.local") {
			return reply(rcodeNXDomain, question, nil)
		}
		return reply(rcodeRefused, question, nil)
	}
	var answers [][]byte
	if qtype == dnsTypeA && qclass == dnsClassIN {
		for _, ip := range ips {
			a, err := netip.ParseAddr(ip)
			if err != nil || !a.Is4() {
				continue
			}
			ip4 := a.As4()
			rr := []byte{0xC0, 12, 0, dnsTypeA, 0, dnsClassIN, 0, 0, 0, dnsTTL, 0, 4}
			answers = append(answers, append(rr, ip4[:]...))
		}
	}
	return reply(rcodeNoError, question, answers)
}

// readName reads an uncompressed name (queries carry no pointers).
func readName(b []byte, off int) (string, int, error) {
	name := ""
	for {
		if off >= len(b) {
			return "", 0, fmt.Errorf("short name")
		}
		l := int(b[off])
		off++
		if l == 0 {
			return name, off, nil
		}
		if l&0xC0 != 0 || off+l > len(b) {
			return "", 0, fmt.Errorf("bad label")
		}
		if name != "" {
			name += "."
		}
		name += string(b[off : off+l])
		off += l
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }
