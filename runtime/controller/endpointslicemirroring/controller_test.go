package endpointslicemirroring

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"

	"github.com/podlab/podlab/internal/kubetest"
	"github.com/podlab/podlab/runtime/api"
)

type event struct{ kind, reason, message, object string }

type fakeRecorder struct {
	mu     sync.Mutex
	events []event
}

func (r *fakeRecorder) Event(obj api.Object, _, eventType, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{eventType, reason, message, obj.GetName()})
}

func (r *fakeRecorder) all() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

func runController(t *testing.T, srv *kubetest.Server) *fakeRecorder {
	t.Helper()
	rec := &fakeRecorder{}
	srv.RunController(t, func(f informers.SharedInformerFactory) (kubetest.Runner, error) {
		return New(srv.Client, f, WithRecorder(rec))
	})
	return rec
}

func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		done, last := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s", what, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func list(t *testing.T, srv *kubetest.Server, name string) []discoveryv1.EndpointSlice {
	t.Helper()
	l, err := srv.Client.DiscoveryV1().EndpointSlices("default").List(context.Background(), metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + name})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(l.Items, func(a, b discoveryv1.EndpointSlice) int { return strings.Compare(summary(a), summary(b)) })
	return l.Items
}

// summary prints a slice as "type ports: ip(ready) ...".
func summary(s discoveryv1.EndpointSlice) string {
	out := string(s.AddressType)
	for _, p := range s.Ports {
		out += fmt.Sprintf(" %s=%d/%s", *p.Name, *p.Port, *p.Protocol)
	}
	out += ":"
	for _, e := range s.Endpoints {
		out += fmt.Sprintf(" %s(%v)", e.Addresses[0], *e.Conditions.Ready)
	}
	return out
}

func summaries(ss []discoveryv1.EndpointSlice) string {
	var out []string
	for _, s := range ss {
		out = append(out, summary(s))
	}
	return strings.Join(out, " | ")
}

func handMade() *corev1.Endpoints {
	return &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "default",
			Labels: map[string]string{"team": "a"},
			Annotations: map[string]string{"note": "x", corev1.EndpointsLastChangeTriggerTime: "2026-01-01T00:00:00Z",
				corev1.LastAppliedConfigAnnotation: "{}"}},
		Subsets: []corev1.EndpointSubset{
			{
				Addresses:         []corev1.EndpointAddress{{IP: "192.0.2.7", Hostname: "seven", NodeName: new("node-1")}},
				NotReadyAddresses: []corev1.EndpointAddress{{IP: "192.0.2.8"}},
				Ports:             []corev1.EndpointPort{{Name: "http", Port: 8080}},
			},
			{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.9"}}, Ports: []corev1.EndpointPort{{Name: "metrics", Port: 9090}}},
		},
	}
}

func TestMirrorsHandMadeEndpoints(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	runController(t, srv)
	ctx := context.Background()
	cs := srv.Client.CoreV1()
	// An Endpoints of no Service is not mirrored.
	ep, err := cs.Endpoints("default").Create(ctx, handMade(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Nor one of a Service with a selector (the endpointslice
	// controller's business).
	sel := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "sel"}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := cs.Services("default").Create(ctx, sel, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	selEp := handMade()
	selEp.Name = "sel"
	if _, err := cs.Endpoints("default").Create(ctx, selEp, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if ss := list(t, srv, "ext"); len(ss) != 0 {
		t.Fatalf("mirrored without a Service: %s", summaries(ss))
	}

	// The Service without a selector comes: one slice per subset.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext"}, Spec: corev1.ServiceSpec{
		Ports: []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "metrics", Port: 9090}}}}
	if _, err := cs.Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "IPv4 http=8080/TCP: 192.0.2.7(true) 192.0.2.8(false) | IPv4 metrics=9090/TCP: 192.0.2.9(true)"
	eventually(t, "mirrored slices", func() (bool, string) {
		got := summaries(list(t, srv, "ext"))
		return got == want, got
	})
	ss := list(t, srv, "ext")
	for _, s := range ss {
		if !strings.HasPrefix(s.Name, "ext-") || s.Labels["team"] != "a" || s.Labels[discoveryv1.LabelManagedBy] != ManagedBy || len(s.Labels) != 3 {
			t.Errorf("slice %s: labels %v", s.Name, s.Labels)
		}
		if len(s.Annotations) != 1 || s.Annotations["note"] != "x" {
			t.Errorf("slice %s: annotations %v", s.Name, s.Annotations)
		}
		if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "Endpoints" || s.OwnerReferences[0].UID != ep.UID || !*s.OwnerReferences[0].Controller {
			t.Errorf("slice %s: owners %v", s.Name, s.OwnerReferences)
		}
	}
	if e := ss[0].Endpoints[0]; e.Hostname == nil || *e.Hostname != "seven" || e.NodeName == nil || *e.NodeName != "node-1" {
		t.Errorf("endpoint %+v lost its hostname or node", e)
	}
	if ss := list(t, srv, "sel"); len(ss) != 0 {
		t.Errorf("a selecting Service's Endpoints were mirrored: %s", summaries(ss))
	}

	// A change the slices do not reflect writes nothing.
	versions := func() map[string]string {
		out := map[string]string{}
		for _, s := range list(t, srv, "ext") {
			out[s.Name] = s.ResourceVersion
		}
		return out
	}
	before := versions()
	ep, _ = cs.Endpoints("default").Get(ctx, "ext", metav1.GetOptions{})
	ep.Annotations[corev1.EndpointsLastChangeTriggerTime] = "2026-02-02T00:00:00Z"
	if ep, err = cs.Endpoints("default").Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if after := versions(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("slices rewritten for nothing: %v, then %v", before, after)
	}

	// A new port number: the old slice is reused (same names), updated.
	ep.Subsets[1].Ports[0].Port = 9091
	ep.Annotations["note"] = "y"
	if ep, err = cs.Endpoints("default").Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	want = "IPv4 http=8080/TCP: 192.0.2.7(true) 192.0.2.8(false) | IPv4 metrics=9091/TCP: 192.0.2.9(true)"
	eventually(t, "new port", func() (bool, string) {
		ss := list(t, srv, "ext")
		got := summaries(ss)
		return got == want && ss[0].Annotations["note"] == "y" && ss[1].Annotations["note"] == "y", got
	})
	if after := versions(); len(after) != 2 || !sameKeys(before, after) {
		t.Errorf("slices %v, want the names of %v", after, before)
	}

	// The Service gains a selector: the mirrored slices go; and come back
	// when it loses it.
	cur, _ := cs.Services("default").Get(ctx, "ext", metav1.GetOptions{})
	cur.Spec.Selector = map[string]string{"app": "ext"}
	if cur, err = cs.Services("default").Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "selector: slices gone", func() (bool, string) {
		ss := list(t, srv, "ext")
		return len(ss) == 0, summaries(ss)
	})
	cur.Spec.Selector = nil
	if _, err = cs.Services("default").Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "no selector again", func() (bool, string) {
		got := summaries(list(t, srv, "ext"))
		return got == want, got
	})

	// skip-mirror: gone; without it: back.
	ep, _ = cs.Endpoints("default").Get(ctx, "ext", metav1.GetOptions{})
	ep.Labels[discoveryv1.LabelSkipMirror] = "true"
	if ep, err = cs.Endpoints("default").Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "skip-mirror", func() (bool, string) {
		ss := list(t, srv, "ext")
		return len(ss) == 0, summaries(ss)
	})
	delete(ep.Labels, discoveryv1.LabelSkipMirror)
	if _, err = cs.Endpoints("default").Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "mirrored again", func() (bool, string) {
		got := summaries(list(t, srv, "ext"))
		return got == want, got
	})

	// A mirrored slice deleted by hand is made again.
	ss = list(t, srv, "ext")
	if err := srv.Client.DiscoveryV1().EndpointSlices("default").Delete(ctx, ss[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "made again", func() (bool, string) {
		ss := list(t, srv, "ext")
		return summaries(ss) == want && ss[0].Name != ss[1].Name, summaries(ss)
	})

	// The Endpoints deleted: the slices go.
	if err := cs.Endpoints("default").Delete(ctx, "ext", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "endpoints deleted", func() (bool, string) {
		ss := list(t, srv, "ext")
		return len(ss) == 0, summaries(ss)
	})

	// Made again, then the Service deleted: the slices go.
	if _, err := cs.Endpoints("default").Create(ctx, handMade(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "mirrored after re-create", func() (bool, string) {
		ss := list(t, srv, "ext")
		return len(ss) == 2, summaries(ss)
	})
	if err := cs.Services("default").Delete(ctx, "ext", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "service deleted", func() (bool, string) {
		ss := list(t, srv, "ext")
		return len(ss) == 0, summaries(ss)
	})
}

func sameKeys(a, b map[string]string) bool {
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return len(a) == len(b)
}

func TestAtMostAThousandAddressesPerSubset(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	rec := runController(t, srv)
	ctx := context.Background()
	cs := srv.Client.CoreV1()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "big"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := cs.Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "big"}, Subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{{Port: 80}}}}}
	for i := range 1003 {
		a := corev1.EndpointAddress{IP: fmt.Sprintf("10.1.%d.%d", i/250, 1+i%250)}
		if i%2 == 0 {
			ep.Subsets[0].Addresses = append(ep.Subsets[0].Addresses, a)
		} else {
			ep.Subsets[0].NotReadyAddresses = append(ep.Subsets[0].NotReadyAddresses, a)
		}
	}
	if _, err := cs.Endpoints("default").Create(ctx, ep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "1000 endpoints", func() (bool, string) {
		ss := list(t, srv, "big")
		if len(ss) != 1 {
			return false, fmt.Sprintf("%d slices", len(ss))
		}
		ready := 0
		for _, e := range ss[0].Endpoints {
			if *e.Conditions.Ready {
				ready++
			}
		}
		// Ready addresses first: all 502 of them, then 498 not ready.
		return len(ss[0].Endpoints) == 1000 && ready == 502, fmt.Sprintf("%d endpoints, %d ready", len(ss[0].Endpoints), ready)
	})
	eventually(t, "warning event", func() (bool, string) {
		for _, e := range rec.all() {
			if e.reason == TooManyAddressesToMirror && e.kind == corev1.EventTypeWarning && e.object == "big" &&
				e.message == "A max of 1000 addresses can be mirrored to EndpointSlices per Endpoints subset. 3 addresses were skipped" {
				return true, ""
			}
		}
		return false, fmt.Sprint(rec.all())
	})
}

func TestDesiredRules(t *testing.T) {
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "default"}, Subsets: []corev1.EndpointSubset{
		// The same ports twice: repacked into one subset; an address
		// both ready and not ready counts as ready.
		{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.2"}, {IP: "not-an-ip"}}, Ports: []corev1.EndpointPort{{Name: "a", Port: 1, Protocol: corev1.ProtocolTCP}}},
		{Addresses: []corev1.EndpointAddress{{IP: "2001:db8::1"}}, NotReadyAddresses: []corev1.EndpointAddress{{IP: "192.0.2.2"}, {IP: "192.0.2.1"}, {IP: "192.0.2.3"}},
			Ports: []corev1.EndpointPort{{Name: "a", Port: 1, Protocol: corev1.ProtocolTCP}}},
		// No addresses: no slice.
		{Ports: []corev1.EndpointPort{{Name: "b", Port: 2, Protocol: corev1.ProtocolTCP}}},
	}}
	d := desiredFor(ep, 3)
	if d.invalid != 1 || d.skipped != 2 {
		// As upstream, an invalid address counts as skipped too.
		t.Errorf("invalid %d, skipped %d; want 1 and 2 (one invalid, one past the max of 3)", d.invalid, d.skipped)
	}
	var got []string
	for _, k := range []string{groupKey(discoveryv1.AddressTypeIPv4, endpointPorts(ep.Subsets[0].Ports)), groupKey(discoveryv1.AddressTypeIPv6, endpointPorts(ep.Subsets[0].Ports))} {
		g := d.groups[k]
		if g == nil {
			t.Fatalf("no group %s in %v", k, d.groups)
		}
		line := string(g.addressType) + ":"
		for _, e := range g.endpoints {
			line += fmt.Sprintf(" %s(%v)", e.Addresses[0], *e.Conditions.Ready)
		}
		got = append(got, line)
	}
	if len(d.groups) != 2 {
		t.Errorf("%d groups, want 2", len(d.groups))
	}
	// Ready first (sorted by IP), then not ready, to the max of 3.
	want := []string{"IPv4: 192.0.2.2(true) 192.0.2.1(false)", "IPv6: 2001:db8::1(true)"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("groups %q, want %q", got, want)
	}
}
