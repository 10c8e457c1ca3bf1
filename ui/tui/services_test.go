package tui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// trafficLab answers Traffic with traffic (or fail) and lists the
// fixture's Services and slices; it records what was asked.
type trafficLab struct {
	client.Interface
	traffic client.Traffic
	fail    error
	asked   []string
	listed  []string
}

func (l *trafficLab) Traffic(_ context.Context, ns string) (client.Traffic, error) {
	l.asked = append(l.asked, ns)
	return l.traffic, l.fail
}

func (l *trafficLab) List(_ context.Context, res api.Resource, ns string, _ metav1.ListOptions) ([]api.Object, string, error) {
	l.listed = append(l.listed, res.Name+"/"+ns)
	var out []api.Object
	switch res.Name {
	case api.Services.Name:
		for _, s := range fixtureServices() {
			out = append(out, &s)
		}
	case api.EndpointSlices.Name:
		for _, s := range fixtureSlices() {
			out = append(out, &s)
		}
	}
	return out, "7", nil
}

func (l *trafficLab) Watch(context.Context, api.Resource, string, metav1.ListOptions) (<-chan watch.Event, error) {
	return make(chan watch.Event), nil
}

func boolp(b bool) *bool       { return &b }
func strp(s string) *string    { return &s }
func int32p(i int32) *int32    { return &i }
func protop() *corev1.Protocol { p := corev1.ProtocolTCP; return &p }

// fixtureServices: web over three pods (nginx and web ready, crasher not),
// and db with no pod behind its selector.
func fixtureServices() []corev1.Service {
	svc := func(name, ip string, typ corev1.ServiceType, sel map[string]string, ports ...corev1.ServicePort) corev1.Service {
		return corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("s-" + name), CreationTimestamp: ago(time.Hour)},
			Spec:       corev1.ServiceSpec{Type: typ, ClusterIP: ip, ClusterIPs: []string{ip}, Selector: sel, Ports: ports},
		}
	}
	return []corev1.Service{
		svc("web", "10.96.12.7", corev1.ServiceTypeNodePort, map[string]string{"app": "web"},
			corev1.ServicePort{Name: "http", Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}),
		svc("db", "10.96.40.2", corev1.ServiceTypeClusterIP, map[string]string{"app": "db"},
			corev1.ServicePort{Port: 5432, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(5432)}),
	}
}

// fixtureSlices are web's endpoints in two slices: nginx and web ready,
// crasher's container crashing (not ready, not serving), and a fourth,
// old-web, terminating but still serving.
func fixtureSlices() []discoveryv1.EndpointSlice {
	ep := func(ip, pod, node string, ready bool, more ...func(*discoveryv1.Endpoint)) discoveryv1.Endpoint {
		e := discoveryv1.Endpoint{Addresses: []string{ip}, NodeName: strp(node),
			Conditions: discoveryv1.EndpointConditions{Ready: boolp(ready), Serving: boolp(ready), Terminating: boolp(false)},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: pod}}
		for _, f := range more {
			f(&e)
		}
		return e
	}
	slice := func(name string, eps ...discoveryv1.Endpoint) discoveryv1.EndpointSlice {
		return discoveryv1.EndpointSlice{
			ObjectMeta:  metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
			AddressType: discoveryv1.AddressTypeIPv4, Endpoints: eps,
			Ports: []discoveryv1.EndpointPort{{Name: strp("http"), Port: int32p(8080), Protocol: protop()}},
		}
	}
	return []discoveryv1.EndpointSlice{
		slice("web-abcde", ep("172.18.0.2", "nginx", "node-1", true), ep("172.18.0.3", "crasher", "node-1", false)),
		slice("web-fghij", ep("172.18.0.4", "web", "node-2", true),
			ep("172.18.0.9", "old-web", "node-2", false, func(e *discoveryv1.Endpoint) {
				e.Conditions.Serving, e.Conditions.Terminating = boolp(true), boolp(true)
			})),
		// db's placeholder: no endpoints.
		{ObjectMeta: metav1.ObjectMeta{Name: "db-klmno", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "db"}}, AddressType: discoveryv1.AddressTypeIPv4},
	}
}

// fixtureTraffic: 7 connections to nginx (one open), 5 to web, 1 to
// crasher before it stopped being ready, one refused.
func fixtureTraffic() client.Traffic {
	return client.Traffic{Since: now.Add(-5 * time.Minute), Updated: now, Services: []client.ServiceTraffic{{
		Namespace: "default", Name: "web", Port: "http", ClusterIP: "10.96.12.7", PortNumber: 80, Refused: 1,
		Endpoints: []client.EndpointTraffic{
			{IP: "172.18.0.2", Port: 8080, Connections: 7, Active: 1, BytesIn: 700, BytesOut: 4200},
			{IP: "172.18.0.3", Port: 8080, Connections: 1, BytesIn: 100, BytesOut: 0, Failed: 2},
			{IP: "172.18.0.4", Port: 8080, Connections: 5, BytesIn: 500, BytesOut: 3000},
		},
	}}}
}

// servicesModel is the workspace at width×height with the fixture's pods,
// the Service view open on trafficLab, the watches and the first poll
// answered.
func servicesModel(t *testing.T, width, height int) (Model, *trafficLab) {
	t.Helper()
	lab := &trafficLab{traffic: fixtureTraffic()}
	m := New(Options{Client: lab, Now: func() time.Time { return now }})
	m = step(t, m, tea.WindowSizeMsg{Width: width, Height: height}, podsListedMsg{pods: mapPods()})
	next, cmd := m.Update(press("v")[0])
	m = next.(Model)
	if m.screen != screenServices || cmd == nil {
		t.Fatalf("v: screen %d, command %v", m.screen, cmd)
	}
	// The command starts the two watches and asks for the counts once.
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 3 {
		t.Fatalf("opening the view: %#v", cmd())
	}
	for _, c := range batch {
		msg := c()
		next, follow := m.Update(msg)
		m = next.(Model)
		if _, isTraffic := msg.(trafficMsg); isTraffic && follow == nil {
			t.Fatal("no next poll after the counts came")
		}
	}
	if strings.Join(lab.listed, " ") != "services/default endpointslices/default" || strings.Join(lab.asked, " ") != "default" {
		t.Fatalf("listed %v, asked for traffic of %v", lab.listed, lab.asked)
	}
	return m, lab
}

func TestServiceViewShowsEndpointsAndCounts(t *testing.T) {
	m, _ := servicesModel(t, 80, 24)
	m = step(t, m, press("down")...) // web
	s := screenText(m)
	checkFits(t, s, 80, 24)
	for _, want := range []string{
		"services · namespace default · 2 services",
		"db     ClusterIP   10.96.40.2   5432/TCP       app=db",
		"web    NodePort    10.96.12.7   80:30080/TCP   app=web",
		"service/web · 2 ready, 2 not ready",
		"connections via 10.96.12.7 counted by the lab's proxy for 5m · 1 refused (no\nendpoint) · node ports not counted",
		"READY (2)", "NOT READY (2)",
		"172.18.0.2:8080   nginx     node-1   7       1      ready",
		"172.18.0.4:8080   web       node-2   5       0      ready",
		"172.18.0.3:8080   crasher   node-1   1       0      not serving",
		"172.18.0.9:8080   old-web   node-2   0       0      serving,terminating",
		"pod-to-pod by pod IP is not",
		"v/esc back",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("the view lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "BYTES") {
		t.Errorf("80 columns show the bytes:\n%s", s)
	}
	// Ready ones above the not-ready ones.
	if strings.Index(s, "nginx") > strings.Index(s, "NOT READY") || strings.Index(s, "crasher") < strings.Index(s, "NOT READY") {
		t.Errorf("ready and not ready mixed:\n%s", s)
	}
	golden(t, "services", s)
}

func TestServiceViewWide(t *testing.T) {
	m, _ := servicesModel(t, 140, 30)
	m = step(t, m, press("down")...) // web
	s := screenText(m)
	checkFits(t, s, 140, 30)
	for _, want := range []string{"EXTERNAL-IP", "AGE", "BYTES IN/OUT", "700 B / 4.1 KiB", "500 B / 2.9 KiB"} {
		if !strings.Contains(s, want) {
			t.Fatalf("the wide view lacks %q:\n%s", want, s)
		}
	}
	golden(t, "services-wide", s)
}

func TestServiceViewKeysAndLiveUpdates(t *testing.T) {
	m, lab := servicesModel(t, 80, 24)
	// The first Service by name (db) is selected; down selects web.
	if m.svc.selected != "db" {
		t.Fatalf("selected %q", m.svc.selected)
	}
	if s := screenText(m); !strings.Contains(s, "service/db · 0 ready, 0 not ready") || !strings.Contains(s, "no pod with an IP matches the selector app=db") {
		t.Fatalf("db's endpoints:\n%s", s)
	}
	m = step(t, m, press("down")...)
	if m.svc.selected != "web" {
		t.Fatalf("down: selected %q", m.svc.selected)
	}
	// → walks the endpoints (ready first): nginx, web, crasher; enter opens crasher.
	m = step(t, m, press("right", "right")...)
	if s := screenText(m); m.svc.endpoint != 2 || !strings.Contains(s, "▸ 172.18.0.3:8080   crasher") {
		t.Fatalf("endpoint %d:\n%s", m.svc.endpoint, s)
	}
	golden(t, "services-selected", screenText(m))
	live := m
	next, _ := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	m = next.(Model)
	if m.screen != screenWorkspace || m.selected != "crasher" {
		t.Fatalf("enter: screen %d, pod %q", m.screen, m.selected)
	}
	// old-web is no pod of the namespace: enter says so and stays.
	m = step(t, live, press("right")...)
	next, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if m = next.(Model); m.screen != screenServices || !strings.Contains(m.err, "172.18.0.9") {
		t.Fatalf("enter on old-web: screen %d, err %q", m.screen, m.err)
	}

	// crasher becomes ready: its slice changes and it moves up.
	sl := fixtureSlices()[0]
	sl.Endpoints[1].Conditions.Ready, sl.Endpoints[1].Conditions.Serving = boolp(true), boolp(true)
	m = step(t, live, sliceEventMsg{slice: &sl})
	if s := screenText(m); !strings.Contains(s, "service/web · 3 ready, 1 not ready") || strings.Index(s, "crasher") > strings.Index(s, "NOT READY") {
		t.Fatalf("after crasher turned ready:\n%s", s)
	}
	// The next poll brings new counts; the tick asks for them.
	_, cmd := m.Update(trafficTickMsg{seq: m.svc.pollSeq})
	if cmd == nil {
		t.Fatal("the tick asked nothing")
	}
	lab.traffic.Services[0].Endpoints[0].Connections = 9
	m = step(t, m, cmd())
	if s := screenText(m); !strings.Contains(s, "nginx     node-1   9") {
		t.Fatalf("after the poll:\n%s", s)
	}
	// A failed poll says why; counts show as unknown.
	lab.fail = errors.New("the lab's API is down")
	_, cmd = m.Update(trafficTickMsg{seq: m.svc.pollSeq})
	m = step(t, m, cmd())
	if s := screenText(m); !strings.Contains(s, "no counts: the lab's API is down") || !strings.Contains(s, "nginx     node-1   ?") {
		t.Fatalf("after a failed poll:\n%s", s)
	}
	// web is deleted: db is selected again.
	web := fixtureServices()[0]
	if m = step(t, m, serviceEventMsg{svc: &web, deleted: true}); m.svc.selected != "db" || strings.Contains(screenText(m), "service/web") {
		t.Fatalf("after web was deleted: selected %q", m.svc.selected)
	}

	// esc leads back; the polling stops: a late tick or answer asks nothing.
	m = step(t, m, press("esc")...)
	if m.screen != screenWorkspace {
		t.Fatalf("esc: screen %d", m.screen)
	}
	asked := len(lab.asked)
	if _, cmd := m.Update(trafficTickMsg{seq: m.svc.pollSeq}); cmd != nil {
		t.Error("a tick after the view closed asked again")
	}
	if _, cmd := m.Update(trafficMsg{seq: m.svc.pollSeq}); cmd != nil {
		t.Error("an answer after the view closed scheduled another poll")
	}
	// Opened again: no second pair of watches, a new polling chain; the old
	// chain's answers are dropped.
	old := m.svc.pollSeq
	next, cmd = m.Update(press("v")[0])
	m = next.(Model)
	if _, isBatch := cmd().(tea.BatchMsg); isBatch {
		t.Fatal("opening again started the watches again")
	}
	if _, cmd := m.Update(trafficMsg{seq: old}); cmd != nil {
		t.Error("the old chain goes on")
	}
	if len(lab.asked) != asked+1 {
		t.Errorf("opening again asked %d times for the counts", len(lab.asked)-asked)
	}
	// v leads back too.
	if m = step(t, m, press("v")...); m.screen != screenWorkspace {
		t.Fatalf("v: screen %d", m.screen)
	}
}

// The help lists the view's key.
func TestHelpListsTheServiceView(t *testing.T) {
	m := step(t, newTestModel(t), press("?")...)
	if s := screenText(m); !strings.Contains(s, "v   services") || !strings.Contains(s, "On the Service view (v)") {
		t.Fatalf("help:\n%s", s)
	}
}

// Many endpoints: the table scrolls to keep the selected one on screen,
// within the window.
func TestServiceViewScrollsItsEndpoints(t *testing.T) {
	m, _ := servicesModel(t, 80, 24)
	m = step(t, m, press("down")...)
	big := fixtureSlices()[0]
	big.Name = "web-many"
	big.Endpoints = nil
	for i := range 30 {
		ip := "172.18.1." + strconv.Itoa(10+i)
		big.Endpoints = append(big.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip},
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "many-" + strconv.Itoa(10+i)}})
	}
	m = step(t, m, sliceEventMsg{slice: &big})
	for range 40 {
		m = step(t, m, press("right")...)
	}
	s := screenText(m)
	checkFits(t, s, 80, 24)
	// 34 endpoints: the 32 ready ones first (unset ready reads as ready), the last not ready one selected.
	if m.svc.endpoint != 33 || !strings.Contains(s, "▸ 172.18.0.9:8080") || !strings.Contains(s, "of 36 endpoint lines") || !strings.Contains(s, "ENDPOINT") {
		t.Fatalf("endpoint %d:\n%s", m.svc.endpoint, s)
	}
	if !strings.Contains(s, "service/web · 32 ready, 2 not ready") {
		t.Fatalf("tally:\n%s", s)
	}
}
