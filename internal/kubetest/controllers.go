package kubetest

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
)

// Runner is a controller: it works until its context ends.
type Runner interface {
	Run(ctx context.Context) error
}

// RunController makes a controller over a shared informer factory of the
// server, starts both and stops them when the test ends.
func (s *Server) RunController(t testing.TB, newController func(informers.SharedInformerFactory) (Runner, error)) {
	t.Helper()
	factory := informers.NewSharedInformerFactory(s.Client, 0)
	ctrl, err := newController(factory)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() { defer close(done); ctrl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
}

// SetReady reports pod Ready (and its containers ready) or not through
// pods/status, as its kubelet's prober would.
func (s *Server) SetReady(t testing.TB, pod *corev1.Pod, ready bool) *corev1.Pod {
	t.Helper()
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	for i, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady || c.Type == corev1.ContainersReady {
			if c.Status != st {
				pod.Status.Conditions[i].LastTransitionTime = metav1.Now()
			}
			pod.Status.Conditions[i].Status = st
		}
	}
	for i := range pod.Status.ContainerStatuses {
		pod.Status.ContainerStatuses[i].Ready = ready
	}
	out, err := s.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(context.Background(), pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
