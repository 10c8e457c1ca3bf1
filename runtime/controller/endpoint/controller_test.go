package endpoint

import (
	"context"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"

	"github.com/podlab/podlab/internal/kubetest"
)

func runController(t *testing.T, srv *kubetest.Server) {
	t.Helper()
	srv.RunController(t, func(f informers.SharedInformerFactory) (kubetest.Runner, error) { return New(srv.Client, f) })
}

// webPod is a running pod labelled app=web at ip serving its named port
// "http" on httpPort, Ready or not.
func webPod(t *testing.T, srv *kubetest.Server, name, ip string, httpPort int32, ready bool) *corev1.Pod {
	t.Helper()
	pod := srv.Running(t, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "web", Image: "podlab/box",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: httpPort}},
		}}},
	})
	pod.Status.PodIP = ip
	pod.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	return setReady(t, srv, pod, ready)
}

func setReady(t *testing.T, srv *kubetest.Server, pod *corev1.Pod, ready bool) *corev1.Pod {
	t.Helper()
	return srv.SetReady(t, pod, ready)
}

func webService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
				{Name: "metrics", Port: 9000, TargetPort: intstr.FromInt32(9090)},
			},
		},
	}
}

// eventually polls get until check passes (5 s).
func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
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

func ips(as []corev1.EndpointAddress) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.IP)
	}
	return out
}

func TestEndpointsFollowPodsAndReadiness(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	runController(t, srv)
	ctx := context.Background()
	cs := srv.Client.CoreV1()
	a := webPod(t, srv, "a", "172.18.0.10", 8080, true)
	webPod(t, srv, "b", "172.18.0.11", 8081, false)
	// Not selected, and selected without an IP: neither is an address.
	other := srv.Running(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "other", Labels: map[string]string{"app": "db"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db", Image: "podlab/box"}}}})
	_ = other
	srv.Running(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "noip", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "podlab/box"}}}})
	if _, err := cs.Services("default").Create(ctx, webService(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	var ep *corev1.Endpoints
	eventually(t, "endpoints of a and b", func() (bool, string) {
		var err error
		ep, err = cs.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return len(ep.Subsets) == 2, ep.String()
	})
	// Each pod resolves the named port on its own number: two subsets.
	want := []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "172.18.0.10", NodeName: new(kubetest.Node),
			TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "a", UID: a.UID}}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}, {Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP}}},
	}
	if got := ep.Subsets[0]; !reflect.DeepEqual(got.Addresses, want[0].Addresses) || !reflect.DeepEqual(got.Ports, want[0].Ports) || len(got.NotReadyAddresses) != 0 {
		t.Errorf("first subset = %+v, want %+v", got, want[0])
	}
	if got := ep.Subsets[1]; len(got.Addresses) != 0 || !reflect.DeepEqual(ips(got.NotReadyAddresses), []string{"172.18.0.11"}) || got.Ports[0].Port != 8081 {
		t.Errorf("second subset = %+v, want b not ready on 8081", got)
	}
	if ep.Labels["tier"] != "front" || ep.Labels[LabelManagedBy] != Name {
		t.Errorf("labels = %v", ep.Labels)
	}
	if at, err := time.Parse(time.RFC3339Nano, ep.Annotations[corev1.EndpointsLastChangeTriggerTime]); err != nil || at.IsZero() {
		t.Errorf("trigger time annotation = %q (%v)", ep.Annotations[corev1.EndpointsLastChangeTriggerTime], err)
	}

	// a stops being Ready: it moves to notReadyAddresses.
	setReady(t, srv, a, false)
	eventually(t, "a not ready", func() (bool, string) {
		ep, _ = cs.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
		for _, s := range ep.Subsets {
			if len(s.Addresses) != 0 {
				return false, ep.String()
			}
		}
		return len(ep.Subsets) == 2, ep.String()
	})

	// publishNotReadyAddresses: every pod is an address.
	svc, _ := cs.Services("default").Get(ctx, "web", metav1.GetOptions{})
	svc.Spec.PublishNotReadyAddresses = true
	if _, err := cs.Services("default").Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "all published", func() (bool, string) {
		ep, _ = cs.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
		n := 0
		for _, s := range ep.Subsets {
			if len(s.NotReadyAddresses) != 0 {
				return false, ep.String()
			}
			n += len(s.Addresses)
		}
		return n == 2, ep.String()
	})

	// A deleted pod leaves.
	if err := cs.Pods("default").Delete(ctx, "b", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "b gone", func() (bool, string) {
		ep, _ = cs.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
		return len(ep.Subsets) == 1 && reflect.DeepEqual(ips(ep.Subsets[0].Addresses), []string{"172.18.0.10"}), ep.String()
	})

	// Deleting the Service deletes its Endpoints.
	if err := cs.Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "endpoints deleted", func() (bool, string) {
		_, err := cs.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), "still there"
	})
}

func TestServiceWithoutSelectorKeepsHandMadeEndpoints(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	runController(t, srv)
	ctx := context.Background()
	cs := srv.Client.CoreV1()
	webPod(t, srv, "a", "172.18.0.10", 8080, true)
	svc := webService()
	svc.Name, svc.Spec.Selector = "external", nil
	if _, err := cs.Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hand := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "external"}, Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "192.0.2.7"}}, Ports: []corev1.EndpointPort{{Name: "http", Port: 80}},
	}}}
	if _, err := cs.Endpoints("default").Create(ctx, hand, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A hand-made Endpoints of no Service is left too.
	orphan := hand.DeepCopy()
	orphan.Name = "nobody"
	if _, err := cs.Endpoints("default").Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	for _, name := range []string{"external", "nobody"} {
		ep, err := cs.Endpoints("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ep.Subsets) != 1 || ep.Subsets[0].Addresses[0].IP != "192.0.2.7" || ep.Labels[LabelManagedBy] != "" {
			t.Errorf("%s was changed: %v", name, ep)
		}
	}
}

func TestSubsetsRules(t *testing.T) {
	svc := webService()
	svc.Spec.ClusterIP = corev1.ClusterIPNone
	svc.Spec.Ports = nil
	pod := func(name, ip string, mod func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: k8stypes.UID("uid-" + name)},
			Spec:       corev1.PodSpec{NodeName: "node-1"},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
		}
		if mod != nil {
			mod(p)
		}
		return p
	}
	now := metav1.Now()
	pods := []*corev1.Pod{
		pod("z", "172.18.0.20", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "z0", "web" }),
		pod("y", "172.18.0.9", func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "y0", "other" }),
		pod("done", "172.18.0.30", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }),
		pod("going", "172.18.0.31", func(p *corev1.Pod) { p.DeletionTimestamp = &now }),
	}
	// Headless without ports: addresses without ports, sorted by IP;
	// hostname only where the subdomain is the Service's.
	got := Subsets(svc, pods)
	if len(got) != 1 || len(got[0].Ports) != 0 || !reflect.DeepEqual(ips(got[0].Addresses), []string{"172.18.0.9", "172.18.0.20"}) {
		t.Fatalf("headless subsets = %+v", got)
	}
	if got[0].Addresses[0].Hostname != "" || got[0].Addresses[1].Hostname != "z0" {
		t.Errorf("hostnames = %q %q", got[0].Addresses[0].Hostname, got[0].Addresses[1].Hostname)
	}
	// A terminating pod is published with publishNotReadyAddresses.
	svc.Spec.PublishNotReadyAddresses = true
	if got := Subsets(svc, pods); len(got[0].Addresses) != 3 {
		t.Errorf("with publishNotReadyAddresses: %+v", got)
	}
	// A ClusterIP Service without ports has no endpoints.
	svc.Spec.ClusterIP = "10.96.0.10"
	if got := Subsets(svc, pods); len(got) != 0 {
		t.Errorf("ports-less ClusterIP service: %+v", got)
	}
	// A named port a pod lacks leaves that pod out of that port only.
	svc = webService()
	got = Subsets(svc, pods[:1])
	if len(got) != 1 || len(got[0].Ports) != 1 || got[0].Ports[0].Name != "metrics" {
		t.Errorf("missing named port: %+v", got)
	}
}
