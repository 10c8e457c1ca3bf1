package servicenet

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/images/box"
)

// Name is the component's name in logs.
const Name = "kube-proxy"

// TableFile is the table's name in the proxy directory.
const TableFile = "proxy.json"

// Proxy is the lab's proxy container as the engine runs it.
type Proxy interface {
	EnsureProxy(ctx context.Context) (string, error)
}

// Controller keeps the proxy's table and the node ports.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced
	proxy    Proxy
	dir      string
	// NodePortHost is where node ports listen ("127.0.0.1").
	nodePortHost string
	changed      chan struct{}

	mu        sync.Mutex
	nodePorts map[int]*nodePort
}

type nodePort struct {
	ln  net.Listener
	svc box.ProxyService
	bal *box.Balancer
}

// New returns the component; dir is the proxy's table directory (made if
// missing), proxy may be nil (no container: tests).
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, proxy Proxy, dir string) (*Controller, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	svcInf := factory.Core().V1().Services()
	sliceInf := factory.Discovery().V1().EndpointSlices()
	c := &Controller{
		client: client, services: svcInf.Lister(), slices: sliceInf.Lister(),
		proxy: proxy, dir: dir, nodePortHost: "127.0.0.1",
		changed: make(chan struct{}, 1), nodePorts: map[int]*nodePort{},
	}
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.poke() },
		UpdateFunc: func(any, any) { c.poke() },
		DeleteFunc: func(any) { c.poke() },
	}
	for _, inf := range []cache.SharedIndexInformer{svcInf.Informer(), sliceInf.Informer()} {
		reg, err := inf.AddEventHandler(h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Name, err)
		}
		c.synced = append(c.synced, reg.HasSynced)
	}
	return c, nil
}

func (c *Controller) poke() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// Run keeps the table until ctx ends. The caller starts the informer factory.
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil
	}
	defer c.closeNodePorts()
	c.ensureDNSService(ctx)
	keepAlive := time.NewTicker(30 * time.Second)
	defer keepAlive.Stop()
	c.poke()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-keepAlive.C:
			c.ensureDNSService(ctx)
		case <-c.changed:
			// Gather a burst of changes (a rollout's) into one write.
			time.Sleep(20 * time.Millisecond)
			if err := c.sync(); err != nil {
				log.Printf("%s: %v", Name, err)
			}
		}
	}
}

// ensureDNSService keeps the proxy running and kube-system/kube-dns at the
// DNS address, with the proxy as its endpoints (kubeadm's Service, in
// front of the lab's DNS server instead of CoreDNS pods).
func (c *Controller) ensureDNSService(ctx context.Context) {
	ip := ""
	if c.proxy != nil {
		var err error
		if ip, err = c.proxy.EnsureProxy(ctx); err != nil {
			log.Printf("%s: the lab's proxy: %v", Name, err)
		}
	}
	svcs := c.client.CoreV1().Services(metav1.NamespaceSystem)
	if _, err := c.services.Services(metav1.NamespaceSystem).Get(api.DNSServiceName); apierrors.IsNotFound(err) {
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: api.DNSServiceName, Labels: map[string]string{
				"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS",
			}},
			Spec: corev1.ServiceSpec{
				ClusterIP: api.DNSServiceIP.String(),
				Ports: []corev1.ServicePort{
					{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
					{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
				},
			},
		}
		if _, err := svcs.Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			log.Printf("%s: creating %s/%s: %v", Name, metav1.NamespaceSystem, api.DNSServiceName, err)
		}
	}
	if ip == "" {
		return
	}
	eps := c.client.CoreV1().Endpoints(metav1.NamespaceSystem)
	want := []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: ip}},
		Ports: []corev1.EndpointPort{
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
			{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP},
		},
	}}
	cur, err := eps.Get(ctx, api.DNSServiceName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		eps.Create(ctx, &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: api.DNSServiceName, Labels: map[string]string{"k8s-app": "kube-dns"}}, Subsets: want}, metav1.CreateOptions{})
	case err == nil && (len(cur.Subsets) != 1 || len(cur.Subsets[0].Addresses) != 1 || cur.Subsets[0].Addresses[0].IP != ip):
		cur.Subsets = want
		eps.Update(ctx, cur, metav1.UpdateOptions{})
	}
}

// sync writes the table and adjusts the node ports.
func (c *Controller) sync() error {
	svcs, err := c.services.List(labels.Everything())
	if err != nil {
		return err
	}
	allSlices, err := c.slices.List(labels.Everything())
	if err != nil {
		return err
	}
	bySvc := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range allSlices {
		if name := s.Labels[discoveryv1.LabelServiceName]; name != "" && s.AddressType == discoveryv1.AddressTypeIPv4 {
			bySvc[s.Namespace+"/"+name] = append(bySvc[s.Namespace+"/"+name], s)
		}
	}
	table, nodePorts := Build(svcs, bySvc)
	b, err := json.MarshalIndent(table, "", " ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(c.dir, "."+TableFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, TableFile)); err != nil {
		return err
	}
	c.setNodePorts(nodePorts)
	return nil
}

// Build computes the proxy's table over the Services and their slices (by
// namespace/name), and the node ports' services.
func Build(svcs []*corev1.Service, slicesOf map[string][]*discoveryv1.EndpointSlice) (box.ProxyTable, map[int]box.ProxyService) {
	table := box.ProxyTable{Names: map[string][]string{}}
	nodePorts := map[int]box.ProxyService{}
	slices.SortFunc(svcs, func(a, b *corev1.Service) int {
		return compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	for _, svc := range svcs {
		key := svc.Namespace + "/" + svc.Name
		fqdn := svc.Name + "." + svc.Namespace + ".svc." + api.ClusterDomain
		ss := slicesOf[key]
		switch {
		case svc.Spec.Type == corev1.ServiceTypeExternalName:
			continue // a CNAME upstream; the lab's DNS answers only A records
		case svc.Spec.ClusterIP == corev1.ClusterIPNone:
			// Headless: the name is the ready endpoints' addresses.
			var ips []string
			for _, s := range ss {
				for _, ep := range s.Endpoints {
					if !ready(ep, svc) || len(ep.Addresses) == 0 {
						continue
					}
					ips = append(ips, ep.Addresses[0])
					if ep.Hostname != nil && *ep.Hostname != "" {
						table.Names[*ep.Hostname+"."+fqdn] = []string{ep.Addresses[0]}
					}
				}
			}
			slices.Sort(ips)
			table.Names[fqdn] = slices.Compact(ips)
			continue
		case svc.Spec.ClusterIP == "":
			continue
		}
		table.Names[fqdn] = []string{svc.Spec.ClusterIP}
		if svc.Spec.ClusterIP == api.DNSServiceIP.String() {
			continue // the proxy itself answers at the DNS address
		}
		for _, sp := range svc.Spec.Ports {
			if sp.Protocol != corev1.ProtocolTCP && sp.Protocol != "" {
				continue // the lab's proxy forwards TCP only
			}
			ps := box.ProxyService{
				Name: fmt.Sprintf("%s:%s", key, portName(sp)), IP: svc.Spec.ClusterIP, Port: int(sp.Port),
				ClientIP:  svc.Spec.SessionAffinity == corev1.ServiceAffinityClientIP,
				Endpoints: endpointsFor(svc, sp, ss),
			}
			if c := svc.Spec.SessionAffinityConfig; ps.ClientIP && c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
				ps.ClientIPTimeout = int(*c.ClientIP.TimeoutSeconds)
			}
			table.Services = append(table.Services, ps)
			if sp.NodePort != 0 {
				nodePorts[int(sp.NodePort)] = ps
			}
		}
	}
	return table, nodePorts
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func portName(sp corev1.ServicePort) string {
	if sp.Name != "" {
		return sp.Name
	}
	return strconv.Itoa(int(sp.Port))
}

// ready is an endpoint's ready condition; nil counts as ready, as the
// EndpointSlice API says consumers should.
func ready(ep discoveryv1.Endpoint, svc *corev1.Service) bool {
	return ep.Conditions.Ready == nil || *ep.Conditions.Ready
}

// endpointsFor lists "ip:port" of the slices' endpoints for the Service
// port (the slice port of the same name): the ready ones, or, when none
// is, the serving terminating ones (kube-proxy's terminating fallback).
func endpointsFor(svc *corev1.Service, sp corev1.ServicePort, ss []*discoveryv1.EndpointSlice) []string {
	var readyEps, terminating []string
	for _, s := range ss {
		var port int32 = -1
		for _, p := range s.Ports {
			if p.Name != nil && *p.Name == sp.Name && p.Port != nil && (p.Protocol == nil || *p.Protocol == corev1.ProtocolTCP) {
				port = *p.Port
			}
		}
		if port < 0 {
			continue
		}
		for _, ep := range s.Endpoints {
			if len(ep.Addresses) == 0 {
				continue
			}
			hp := net.JoinHostPort(ep.Addresses[0], strconv.Itoa(int(port)))
			switch {
			case ready(ep, svc):
				readyEps = append(readyEps, hp)
			case ep.Conditions.Serving != nil && *ep.Conditions.Serving && ep.Conditions.Terminating != nil && *ep.Conditions.Terminating:
				terminating = append(terminating, hp)
			}
		}
	}
	out := readyEps
	if len(out) == 0 {
		out = terminating
	}
	slices.SortFunc(out, func(a, b string) int {
		x, _ := netip.ParseAddrPort(a)
		y, _ := netip.ParseAddrPort(b)
		return x.Compare(y)
	})
	return slices.Compact(out)
}

// setNodePorts listens on the node ports wanted and stops the others.
func (c *Controller) setNodePorts(want map[int]box.ProxyService) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for port, np := range c.nodePorts {
		if _, ok := want[port]; !ok {
			np.ln.Close()
			delete(c.nodePorts, port)
		}
	}
	for _, port := range slices.Sorted(maps.Keys(want)) {
		svc := want[port]
		if np, ok := c.nodePorts[port]; ok {
			np.svc = svc
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(c.nodePortHost, strconv.Itoa(port)))
		if err != nil {
			log.Printf("%s: node port %d of %s: %v", Name, port, svc.Name, err)
			continue
		}
		np := &nodePort{ln: ln, svc: svc, bal: &box.Balancer{}}
		c.nodePorts[port] = np
		go c.serveNodePort(np)
	}
}

func (c *Controller) serveNodePort(np *nodePort) {
	for {
		conn, err := np.ln.Accept()
		if err != nil {
			return
		}
		c.mu.Lock()
		svc := np.svc
		c.mu.Unlock()
		client := conn.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
		go box.Forward(conn, np.bal.Pick(svc, client))
	}
}

func (c *Controller) closeNodePorts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for port, np := range c.nodePorts {
		np.ln.Close()
		delete(c.nodePorts, port)
	}
}
