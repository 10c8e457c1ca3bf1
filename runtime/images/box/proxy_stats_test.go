package box

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// upstream listens on loopback and answers every connection with reply
// once the client has closed its side, after reading what it sent.
func upstream(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(io.Discard, c)
				io.WriteString(c, reply)
			}()
		}
	}()
	return ln.Addr().String()
}

// deadAddress is a loopback address nothing listens on.
func deadAddress(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// forwarded dials a front listener whose one connection is forwarded to
// endpoints counted by c, and returns the client's side (nil when the
// connection was reset before the dial returned: no endpoint).
func forwarded(t *testing.T, endpoints []string, c *ServiceCounter) (net.Conn, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		ln.Close()
		if err == nil {
			ForwardCounted(conn, endpoints, c)
		}
	}()
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		if len(endpoints) > 0 {
			t.Fatal(err)
		}
		return nil, done
	}
	t.Cleanup(func() { client.Close() })
	return client, done
}

// exchange sends msg, closes the write side and reads the answer.
func exchange(t *testing.T, client net.Conn, msg string) string {
	t.Helper()
	if client == nil {
		return ""
	}
	io.WriteString(client, msg)
	client.(*net.TCPConn).CloseWrite()
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, _ := io.ReadAll(client)
	return string(b)
}

func endpointCounts(table TrafficTable, service, ep string) (TrafficEndpoint, bool) {
	for _, s := range table.Services {
		if s.Name != service {
			continue
		}
		for _, e := range s.Endpoints {
			if e.Endpoint == ep {
				return e, true
			}
		}
	}
	return TrafficEndpoint{}, false
}

func TestForwardCountsConnectionsPerEndpoint(t *testing.T) {
	a, b, dead := upstream(t, "from a"), upstream(t, "from b!"), deadAddress(t)
	tr := NewTraffic(time.Unix(100, 0))
	svc := ProxyService{Name: "default/web:http", IP: "10.96.0.20", Port: 80}
	c := tr.Service("10.96.0.20:80", svc)

	// An open connection is active; it counts its bytes when it closes.
	open, openDone := forwarded(t, []string{a}, c)
	deadline := time.Now().Add(5 * time.Second)
	for {
		table, _ := tr.Snapshot(time.Now())
		if e, ok := endpointCounts(table, svc.Name, a); ok && e.Active == 1 && e.Connections == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the open connection is not counted active: %+v", table)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := exchange(t, open, "hello"); got != "from a" {
		t.Fatalf("through the proxy: %q", got)
	}
	<-openDone

	// The dead endpoint fails first, then b takes the connection.
	second, secondDone := forwarded(t, []string{dead, b}, c)
	if got := exchange(t, second, "hi"); got != "from b!" {
		t.Fatalf("after a failed endpoint: %q", got)
	}
	<-secondDone
	third, thirdDone := forwarded(t, []string{a}, c)
	exchange(t, third, "again")
	<-thirdDone
	// No endpoint at all: refused.
	refused, refusedDone := forwarded(t, nil, c)
	exchange(t, refused, "x")
	<-refusedDone

	table, changes := tr.Snapshot(time.Unix(200, 0))
	if changes == 0 || !table.Since.Equal(time.Unix(100, 0)) || !table.Updated.Equal(time.Unix(200, 0)) {
		t.Errorf("snapshot at change %d, since %v, updated %v", changes, table.Since, table.Updated)
	}
	if len(table.Services) != 1 || table.Services[0].IP != "10.96.0.20" || table.Services[0].Port != 80 || table.Services[0].Refused != 1 {
		t.Fatalf("services: %+v", table.Services)
	}
	want := map[string]TrafficEndpoint{
		a:    {Endpoint: a, Connections: 2, BytesIn: int64(len("hello") + len("again")), BytesOut: 2 * int64(len("from a"))},
		b:    {Endpoint: b, Connections: 1, BytesIn: 2, BytesOut: int64(len("from b!"))},
		dead: {Endpoint: dead, Failed: 1},
	}
	if got := table.Services[0].Endpoints; len(got) != len(want) {
		t.Fatalf("endpoints: %+v", got)
	}
	for ep, w := range want {
		if got, _ := endpointCounts(table, svc.Name, ep); got != w {
			t.Errorf("endpoint %s: %+v, want %+v", ep, got, w)
		}
	}

	// A nil counter (node ports, tests) forwards without counting.
	plain, plainDone := forwarded(t, []string{b}, nil)
	if got := exchange(t, plain, "uncounted"); got != "from b!" {
		t.Fatalf("uncounted forward: %q", got)
	}
	<-plainDone
	if _, again := tr.Snapshot(time.Now()); again != changes {
		t.Errorf("an uncounted connection moved the counts from %d to %d", changes, again)
	}
}

// The proxy publishes its counts to a file, atomically, when they change,
// and forgets a Service that left its table.
func TestProxyPublishesTraffic(t *testing.T) {
	path := filepath.Join(t.TempDir(), TrafficFile)
	web := ProxyService{Name: "default/web:http", IP: "10.96.0.20", Port: 80}
	db := ProxyService{Name: "default/db:5432", IP: "10.96.0.30", Port: 5432}
	p := &proxy{services: map[string]ProxyService{"10.96.0.20:80": web, "10.96.0.30:5432": db}, traffic: NewTraffic(time.Now())}
	p.traffic.Service("10.96.0.20:80", web).opened("172.18.0.5:8080")
	p.traffic.Service("10.96.0.30:5432", db).refusedConn()
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() { p.publishTraffic(path, stop); close(stopped) }()
	defer func() { close(stop); <-stopped }()

	read := func(what string, ok func(TrafficTable) bool) TrafficTable {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		var last TrafficTable
		for time.Now().Before(deadline) {
			if b, err := os.ReadFile(path); err == nil {
				last = TrafficTable{}
				if err := json.Unmarshal(b, &last); err != nil {
					t.Fatalf("a torn file: %v: %s", err, b)
				}
				if ok(last) {
					return last
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: the file says %+v", what, last)
		return last
	}
	read("the first counts", func(tt TrafficTable) bool {
		e, ok := endpointCounts(tt, web.Name, "172.18.0.5:8080")
		return ok && e.Connections == 1 && e.Active == 1 && len(tt.Services) == 2
	})
	// db leaves the table; web's connection closes.
	p.mu.Lock()
	delete(p.services, "10.96.0.30:5432")
	p.mu.Unlock()
	p.traffic.Service("10.96.0.20:80", web).closed("172.18.0.5:8080", 10, 20)
	got := read("after a close", func(tt TrafficTable) bool {
		e, ok := endpointCounts(tt, web.Name, "172.18.0.5:8080")
		return ok && e.Active == 0
	})
	if len(got.Services) != 1 || got.Services[0].Name != web.Name || got.Services[0].Endpoints[0].BytesOut != 20 {
		t.Errorf("after db left: %+v", got.Services)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
