package apiserver

import (
	"context"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/labclock"
)

// kubernetesServiceInterval is how often the kubernetes Service is checked
// (kube-apiserver's controller reconciles every 10 s).
const kubernetesServiceInterval = 10 * time.Second

// keepKubernetesService keeps the Service that fronts the API in the
// default namespace, as kube-apiserver's kubernetes service controller
// does: "kubernetes", ClusterIP api.KubernetesServiceIP, port https 443 to
// the API's port, labelled component=apiserver and provider=kubernetes,
// recreated if deleted and its ports put back if changed. Unlike
// kube-apiserver it writes no Endpoints: the lab's API listens on
// loopback, which an endpoint may not be.
func keepKubernetesService(ctx context.Context, client kubernetes.Interface, addr net.Addr) {
	port := 443
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = tcp.Port
	}
	want := kubernetesService(port)
	// Until the first success (the default namespace may not exist yet),
	// try again soon.
	wait := kubernetesServiceRetry
	for {
		err := reconcileKubernetesService(ctx, client, want)
		if err != nil && ctx.Err() == nil {
			klog.V(2).InfoS("Reconciling the kubernetes service", "err", err)
		}
		if err == nil {
			wait = labclock.Scaled(kubernetesServiceInterval)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// kubernetesServiceRetry is the wait before trying again at start.
const kubernetesServiceRetry = 100 * time.Millisecond

func kubernetesService(targetPort int) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:      api.KubernetesServiceName,
			Namespace: metav1.NamespaceDefault,
			Labels:    map[string]string{"component": "apiserver", "provider": "kubernetes"},
		},
		Spec: corev1.ServiceSpec{
			Ports:           []corev1.ServicePort{{Name: "https", Protocol: corev1.ProtocolTCP, Port: 443, TargetPort: intstr.FromInt(targetPort)}},
			ClusterIP:       api.KubernetesServiceIP.String(),
			SessionAffinity: corev1.ServiceAffinityNone,
			Type:            corev1.ServiceTypeClusterIP,
		},
	}
}

func reconcileKubernetesService(ctx context.Context, client kubernetes.Interface, want *corev1.Service) error {
	svcs := client.CoreV1().Services(metav1.NamespaceDefault)
	cur, err := svcs.Get(ctx, want.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = svcs.Create(ctx, want.DeepCopy(), metav1.CreateOptions{})
		return err
	case err != nil:
		return err
	}
	if apiequality.Semantic.DeepEqual(cur.Spec.Ports, want.Spec.Ports) && cur.Spec.Type == want.Spec.Type {
		return nil
	}
	cur.Spec.Ports, cur.Spec.Type = want.Spec.Ports, want.Spec.Type
	_, err = svcs.Update(ctx, cur, metav1.UpdateOptions{})
	return err
}
