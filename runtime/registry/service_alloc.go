package registry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlab/podlab/runtime/api"
)

// serviceAllocator hands out the cluster IPs of Services from
// api.ServiceCIDR and their node ports from api.NodePortMin–NodePortMax,
// as kube-apiserver's ipallocator and portallocator do, and with their
// messages. It keeps what is taken in memory, rebuilt from the stored
// Services the first time it is needed (kube-apiserver keeps its bitmaps
// in etcd and repairs them from the Services); the registry is the only
// writer of Services, so the two cannot drift apart.
//
// Like upstream's, an address or port asked for comes from anywhere in the
// range, and one picked for the client comes at random from the upper part
// of the range first (above the first 256 addresses, or 86 ports), which
// leaves the lower part to the ones people choose.
type serviceAllocator struct {
	// load lists the stored services; set by the registry.
	load func(context.Context) ([]*corev1.Service, error)

	mu     sync.Mutex
	loaded bool
	ips    map[netip.Addr]bool
	ports  map[int]bool
}

// The sizes of the ranges, without the network and broadcast addresses,
// and where the dynamic part begins (upstream's calculateRangeOffset:
// size/16 within 16–256 addresses, size/32 within 16–128 ports).
var (
	serviceIPs     = (1 << (32 - api.ServicePrefix.Bits())) - 2
	serviceIPStart = min(max(serviceIPs/16, 16), 256)
	nodePorts      = api.NodePortMax - api.NodePortMin + 1
	nodePortStart  = min(max(nodePorts/32, 16), 128)
)

// Upstream's allocator errors.
var (
	errIPAllocated   = errors.New("provided IP is already allocated")
	errPortAllocated = errors.New("provided port is already allocated")
	errRangeFull     = errors.New("range is full")
)

func errIPNotInRange(ip string) error {
	return fmt.Errorf("the provided IP (%s) is not in the valid range. The range of valid IPs is %s", ip, api.ServiceCIDR)
}

func errPortNotInRange() error {
	return fmt.Errorf("provided port is not in the valid range. The range of valid ports is %d-%d", api.NodePortMin, api.NodePortMax)
}

// ensureLoaded reads the stored services once. Called with mu held.
func (a *serviceAllocator) ensureLoaded(ctx context.Context) error {
	if a.loaded {
		return nil
	}
	svcs, err := a.load(ctx)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("reading the allocated cluster IPs and node ports: %w", err))
	}
	a.ips, a.ports = map[netip.Addr]bool{}, map[int]bool{}
	for _, s := range svcs {
		for _, ip := range allocatedIPs(s) {
			a.ips[ip] = true
		}
		for _, p := range allocatedPorts(s) {
			a.ports[p] = true
		}
	}
	a.loaded = true
	return nil
}

// allocatedIPs are the service's cluster IPs from the range.
func allocatedIPs(s *corev1.Service) []netip.Addr {
	if !api.NeedsClusterIP(s) {
		return nil
	}
	var out []netip.Addr
	for _, ip := range s.Spec.ClusterIPs {
		if a, err := netip.ParseAddr(ip); err == nil && api.ServicePrefix.Contains(a) {
			out = append(out, a)
		}
	}
	return out
}

// allocatedPorts are the service's node ports (and health check port)
// from the range.
func allocatedPorts(s *corev1.Service) []int {
	var out []int
	if api.NeedsNodePorts(s) {
		for _, p := range s.Spec.Ports {
			if inPortRange(int(p.NodePort)) {
				out = append(out, int(p.NodePort))
			}
		}
	}
	if api.NeedsHealthCheckNodePort(s) && inPortRange(int(s.Spec.HealthCheckNodePort)) {
		out = append(out, int(s.Spec.HealthCheckNodePort))
	}
	return out
}

func inPortRange(p int) bool { return p >= api.NodePortMin && p <= api.NodePortMax }

// allocation is one create's or update's allocations, taken at once (so
// concurrent requests never get the same value) and given back by revert
// unless commit keeps them; releases wait for commit. A dry run takes
// nothing: it only checks, and remembers what it handed out.
type allocation struct {
	a       *serviceAllocator
	dryRun  bool
	ips     []netip.Addr
	ports   []int
	release func()
}

// begin starts an allocation; the allocator stays locked until finish.
func (a *serviceAllocator) begin(ctx context.Context, dryRun bool) (*allocation, error) {
	a.mu.Lock()
	if err := a.ensureLoaded(ctx); err != nil {
		a.mu.Unlock()
		return nil, err
	}
	return &allocation{a: a, dryRun: dryRun}, nil
}

// finish commits (the releases happen) or reverts (the allocations go back).
func (t *allocation) finish(success bool) {
	defer t.a.mu.Unlock()
	switch {
	case t.dryRun:
	case success:
		if t.release != nil {
			t.release()
		}
	default:
		for _, ip := range t.ips {
			delete(t.a.ips, ip)
		}
		for _, p := range t.ports {
			delete(t.a.ports, p)
		}
	}
}

func (t *allocation) ipTaken(ip netip.Addr) bool {
	for _, x := range t.ips {
		if x == ip {
			return true
		}
	}
	return t.a.ips[ip]
}

func (t *allocation) portTaken(p int) bool {
	for _, x := range t.ports {
		if x == p {
			return true
		}
	}
	return t.a.ports[p]
}

func (t *allocation) takeIP(ip netip.Addr) {
	t.ips = append(t.ips, ip)
	if !t.dryRun {
		t.a.ips[ip] = true
	}
}

func (t *allocation) takePort(p int) {
	t.ports = append(t.ports, p)
	if !t.dryRun {
		t.a.ports[p] = true
	}
}

// allocateIP takes the address asked for ("" for any).
func (t *allocation) allocateIP(want string) (string, error) {
	if want != "" {
		ip, err := netip.ParseAddr(want)
		if err != nil {
			return "", apierrors.NewInternalError(fmt.Errorf("failed to parse service IP %q", want))
		}
		base := api.ServicePrefix.Masked().Addr()
		if !api.ServicePrefix.Contains(ip) || ip == base || ip == broadcast() {
			return "", errIPNotInRange(want)
		}
		if t.ipTaken(ip) {
			return "", errIPAllocated
		}
		t.takeIP(ip)
		return want, nil
	}
	n, ok := randomFree(serviceIPs, serviceIPStart, func(i int) bool { return t.ipTaken(ipAt(i)) })
	if !ok {
		return "", apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %v", errRangeFull))
	}
	t.takeIP(ipAt(n))
	return ipAt(n).String(), nil
}

// ipAt is the range's i-th usable address (0 is 10.96.0.1).
func ipAt(i int) netip.Addr {
	a := api.ServicePrefix.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(i) + 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func broadcast() netip.Addr { return ipAt(serviceIPs) }

// allocatePort takes the node port asked for (0 for any).
func (t *allocation) allocatePort(want int) (int, error) {
	if want != 0 {
		if !inPortRange(want) {
			return 0, errPortNotInRange()
		}
		if t.portTaken(want) {
			return 0, errPortAllocated
		}
		t.takePort(want)
		return want, nil
	}
	n, ok := randomFree(nodePorts, nodePortStart, func(i int) bool { return t.portTaken(api.NodePortMin + i) })
	if !ok {
		return 0, errRangeFull
	}
	t.takePort(api.NodePortMin + n)
	return api.NodePortMin + n, nil
}

// randomFree picks a free index at random, from [start, size) first, then
// from [0, start) (upstream's random scan with an offset).
func randomFree(size, start int, taken func(int) bool) (int, bool) {
	for _, band := range [][2]int{{start, size}, {0, start}} {
		lo, n := band[0], band[1]-band[0]
		if n <= 0 {
			continue
		}
		off := rand.IntN(n)
		for i := range n {
			if idx := lo + (off+i)%n; !taken(idx) {
				return idx, true
			}
		}
	}
	return 0, false
}

// allocateCreate is upstream's Allocators.allocateCreate: the IP family
// fields, then the cluster IP, then the node ports.
func (t *allocation) allocateCreate(s *corev1.Service) error {
	if err := initIPFamilyFields(s, nil); err != nil {
		return err
	}
	if err := t.allocClusterIP(s); err != nil {
		return err
	}
	return t.allocNodePorts(s, nil)
}

// allocateUpdate is allocateUpdate: a service that gains cluster IPs (from
// ExternalName) gets them, one that loses them gives them back on commit;
// node ports likewise, port by port.
func (t *allocation) allocateUpdate(s, old *corev1.Service) error {
	if err := initIPFamilyFields(s, old); err != nil {
		return err
	}
	var releases []func()
	switch {
	case api.NeedsClusterIP(s) && !api.NeedsClusterIP(old):
		if err := t.allocClusterIP(s); err != nil {
			return err
		}
	case !api.NeedsClusterIP(s) && api.NeedsClusterIP(old):
		ips := allocatedIPs(old)
		releases = append(releases, func() {
			for _, ip := range ips {
				delete(t.a.ips, ip)
			}
		})
	}
	if err := t.allocNodePorts(s, old); err != nil {
		return err
	}
	kept := map[int]bool{}
	for _, p := range allocatedPorts(s) {
		kept[p] = true
	}
	var gone []int
	for _, p := range allocatedPorts(old) {
		if !kept[p] {
			gone = append(gone, p)
		}
	}
	releases = append(releases, func() {
		for _, p := range gone {
			delete(t.a.ports, p)
		}
	})
	t.release = func() {
		for _, r := range releases {
			r()
		}
	}
	return nil
}

// allocClusterIP gives a service that needs one (not ExternalName, not
// headless) its cluster IP: the one asked for, or one from the range.
func (t *allocation) allocClusterIP(s *corev1.Service) error {
	if !api.NeedsClusterIP(s) || len(s.Spec.ClusterIPs) > 0 && s.Spec.ClusterIPs[0] == corev1.ClusterIPNone {
		return nil
	}
	want := ""
	if len(s.Spec.ClusterIPs) > 0 {
		want = s.Spec.ClusterIPs[0]
	}
	ip, err := t.allocateIP(want)
	switch {
	case apierrors.IsInternalError(err):
		return err
	case err != nil:
		return invalidService(s, field.Invalid(field.NewPath("spec", "clusterIPs"), s.Spec.ClusterIPs, fmt.Sprintf("failed to allocate IP %v: %v", want, err)))
	}
	s.Spec.ClusterIP = ip
	if len(s.Spec.ClusterIPs) == 0 {
		s.Spec.ClusterIPs = []string{ip}
	}
	s.Spec.ClusterIPs[0] = ip
	return nil
}

// allocNodePorts is upstream's initNodePorts (on create) and
// updateNodePorts (on update): a node port asked for is taken (unless the
// old service had it); a port without one gets one when the type
// allocates them, the same one for the same port number; a Local load
// balancer gets a health check port.
func (t *allocation) allocNodePorts(s, old *corev1.Service) error {
	had := map[int]bool{}
	if old != nil {
		for _, p := range allocatedPorts(old) {
			had[p] = true
		}
	}
	take := func(want int, p *field.Path) (int, error) {
		if want != 0 && had[want] {
			return want, nil
		}
		np, err := t.allocatePort(want)
		switch {
		case err == nil:
			return np, nil
		case want == 0:
			return 0, apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %v", err))
		}
		return 0, invalidService(s, field.Invalid(p, want, err.Error()))
	}
	if api.NeedsNodePorts(s) {
		byPort := map[int32]int32{}
		for i := range s.Spec.Ports {
			sp := &s.Spec.Ports[i]
			path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
			if sp.NodePort == 0 && !api.AllocatesNodePorts(s) {
				continue // no new ports, but requested ones are honoured
			}
			if np, ok := byPort[sp.Port]; ok && (sp.NodePort == 0 || sp.NodePort == np) {
				sp.NodePort = np // the same service port on another protocol
				continue
			}
			want := int(sp.NodePort)
			if want == 0 {
				want = requestedNodePort(sp.Port, s.Spec.Ports)
			}
			np, err := take(want, path)
			if err != nil {
				return err
			}
			sp.NodePort = int32(np)
			if _, ok := byPort[sp.Port]; !ok {
				byPort[sp.Port] = sp.NodePort
			}
		}
	}
	if api.NeedsHealthCheckNodePort(s) {
		np, err := take(int(s.Spec.HealthCheckNodePort), field.NewPath("spec", "healthCheckNodePort"))
		if err != nil {
			return err
		}
		s.Spec.HealthCheckNodePort = int32(np)
	}
	return nil
}

// requestedNodePort is a node port another entry of the same service port
// asks for (upstream's findRequestedNodePort), or 0.
func requestedNodePort(port int32, ports []corev1.ServicePort) int {
	for _, p := range ports {
		if p.Port == port && p.NodePort != 0 {
			return int(p.NodePort)
		}
	}
	return 0
}

// releaseService gives back what a deleted service held.
func (a *serviceAllocator) releaseService(s *corev1.Service) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.loaded {
		return // the next load reads what is stored
	}
	for _, ip := range allocatedIPs(s) {
		delete(a.ips, ip)
	}
	for _, p := range allocatedPorts(s) {
		delete(a.ports, p)
	}
}

func invalidService(s *corev1.Service, errs ...*field.Error) error {
	return apierrors.NewInvalid(api.Services.GroupVersion().WithKind("Service").GroupKind(), s.Name, errs)
}
