package endpointslice

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"

	"github.com/podlab/podlab/internal/kubetest"
)

func runController(t *testing.T, srv *kubetest.Server) {
	t.Helper()
	srv.RunController(t, func(f informers.SharedInformerFactory) (kubetest.Runner, error) { return New(srv.Client, f) })
}

func webPod(t *testing.T, srv *kubetest.Server, name, ip string, httpPort int32, ready bool) *corev1.Pod {
	t.Helper()
	pod := srv.Running(t, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}, Finalizers: []string{"podlab.test/hold"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "web", Image: "podlab/box",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: httpPort}},
		}}},
	})
	t.Cleanup(func() {
		p, err := srv.Client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err == nil {
			p.Finalizers = nil
			srv.Client.CoreV1().Pods("default").Update(context.Background(), p, metav1.UpdateOptions{})
		}
	})
	pod.Status.PodIP = ip
	pod.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	return setReady(t, srv, pod, ready)
}

func setReady(t *testing.T, srv *kubetest.Server, pod *corev1.Pod, ready bool) *corev1.Pod {
	t.Helper()
	return srv.SetReady(t, pod, ready)
}

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

// summary prints a Service's slices as "ports: ip(ready,serving,terminating) ..." lines.
func summary(ss []discoveryv1.EndpointSlice) []string {
	var out []string
	for _, s := range ss {
		line := ""
		for _, p := range s.Ports {
			line += fmt.Sprintf("%s=%d ", *p.Name, *p.Port)
		}
		line += ":"
		for _, e := range s.Endpoints {
			line += fmt.Sprintf(" %s(%v,%v,%v)", e.Addresses[0], *e.Conditions.Ready, *e.Conditions.Serving, *e.Conditions.Terminating)
		}
		out = append(out, line)
	}
	return out
}

func list(t *testing.T, srv *kubetest.Server) []discoveryv1.EndpointSlice {
	t.Helper()
	l, err := srv.Client.DiscoveryV1().EndpointSlices("default").List(context.Background(), metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func TestSlicesFollowPods(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	runController(t, srv)
	ctx := context.Background()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	created, err := srv.Client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// No pods: one placeholder slice.
	eventually(t, "placeholder", func() (bool, string) {
		ss := list(t, srv)
		return len(ss) == 1 && len(ss[0].Endpoints) == 0 && len(ss[0].Ports) == 0, fmt.Sprint(summary(ss))
	})
	a := webPod(t, srv, "a", "172.18.0.10", 8080, true)
	webPod(t, srv, "b", "172.18.0.11", 8080, false)
	webPod(t, srv, "c", "172.18.0.12", 8081, true)
	want := []string{"http=8080 : 172.18.0.10(true,true,false) 172.18.0.11(false,false,false)", "http=8081 : 172.18.0.12(true,true,false)"}
	eventually(t, "slices of a, b, c", func() (bool, string) {
		got := summary(list(t, srv))
		return fmt.Sprint(got) == fmt.Sprint(want) || fmt.Sprint(got) == fmt.Sprint([]string{want[1], want[0]}), fmt.Sprint(got)
	})
	for _, s := range list(t, srv) {
		if s.Labels[discoveryv1.LabelManagedBy] != ManagedBy || s.Labels["tier"] != "front" || s.AddressType != discoveryv1.AddressTypeIPv4 {
			t.Errorf("slice %s: labels %v, address type %s", s.Name, s.Labels, s.AddressType)
		}
		if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != created.UID || !*s.OwnerReferences[0].Controller {
			t.Errorf("slice %s: owners %v", s.Name, s.OwnerReferences)
		}
		for _, e := range s.Endpoints {
			if e.NodeName == nil || *e.NodeName != kubetest.Node || e.TargetRef == nil || e.TargetRef.Kind != "Pod" {
				t.Errorf("endpoint %v", e)
			}
		}
	}

	// b turns Ready: its slice says when (the Ready condition's transition).
	b, _ := srv.Client.CoreV1().Pods("default").Get(ctx, "b", metav1.GetOptions{})
	time.Sleep(1100 * time.Millisecond) // a new second for the condition's time
	b = setReady(t, srv, b, true)
	eventually(t, "b ready", func() (bool, string) {
		got := fmt.Sprint(summary(list(t, srv)))
		return contains(got, "172.18.0.11(true,true,false)"), got
	})
	var readyAt time.Time
	for _, c := range b.Status.Conditions {
		if c.Type == corev1.PodReady {
			readyAt = c.LastTransitionTime.Time
		}
	}
	for _, s := range list(t, srv) {
		if len(s.Ports) == 1 && *s.Ports[0].Port == 8080 {
			at, err := time.Parse(time.RFC3339Nano, s.Annotations[corev1.EndpointsLastChangeTriggerTime])
			if err != nil || !at.Equal(readyAt) {
				t.Errorf("trigger time %q, want %s", s.Annotations[corev1.EndpointsLastChangeTriggerTime], readyAt)
			}
		}
	}

	// a terminating (held by its finalizer): serving, terminating, not ready.
	if err := srv.Client.CoreV1().Pods("default").Delete(ctx, a.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a terminating", func() (bool, string) {
		got := fmt.Sprint(summary(list(t, srv)))
		return contains(got, "172.18.0.10(false,true,true)"), got
	})
	// c leaves: its slice goes.
	if err := srv.Client.CoreV1().Pods("default").Delete(ctx, "c", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	c, _ := srv.Client.CoreV1().Pods("default").Get(ctx, "c", metav1.GetOptions{})
	c.Finalizers = nil
	if _, err := srv.Client.CoreV1().Pods("default").Update(ctx, c, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "c gone", func() (bool, string) {
		ss := list(t, srv)
		return len(ss) == 1, fmt.Sprint(summary(ss))
	})
	// Deleting the Service takes its slices.
	if err := srv.Client.CoreV1().Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "slices deleted", func() (bool, string) {
		ss := list(t, srv)
		return len(ss) == 0, fmt.Sprint(summary(ss))
	})
}

func TestManySlicesAndNoSelector(t *testing.T) {
	srv := kubetest.Start(t, kubetest.Options{})
	runController(t, srv)
	ctx := context.Background()
	plain := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := srv.Client.CoreV1().Services("default").Create(ctx, plain, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// 150 pods' endpoints are packed in two slices.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
	if _, err := srv.Client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 150 {
		pod := srv.Running(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "podlab/box"}}}})
		pod.Status.PodIP = fmt.Sprintf("172.18.%d.%d", i/200, 2+i%200)
		if _, err := srv.Client.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two slices", func() (bool, string) {
		ss := list(t, srv)
		n := 0
		for _, s := range ss {
			n += len(s.Endpoints)
			if _, ok := s.Labels[corev1.IsHeadlessService]; !ok {
				return false, "no headless label"
			}
		}
		return len(ss) == 2 && n == 150, fmt.Sprintf("%d slices, %d endpoints", len(ss), n)
	})
	all, _ := srv.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=plain"})
	if len(all.Items) != 0 {
		t.Errorf("a Service without a selector got slices: %v", all.Items)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
