package apiserver

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
)

// systemNamespaces are the namespaces every cluster starts with;
// immortalNamespaces cannot be deleted (kube-apiserver's defaults).
var (
	systemNamespaces   = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, corev1.NamespaceNodeLease}
	immortalNamespaces = sets.New(metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic)
)

// namespaceLifecycle is upstream's NamespaceLifecycle admission plugin:
// nothing is created in a namespace that does not exist or is terminating,
// and the system namespaces are never deleted.
func namespaceLifecycle(client kubernetes.Interface, factory informers.SharedInformerFactory) (admission.Interface, error) {
	l, err := lifecycle.NewLifecycle(immortalNamespaces)
	if err != nil {
		return nil, err
	}
	l.SetExternalKubeClientSet(client)
	l.SetExternalKubeInformerFactory(factory)
	if err := l.ValidateInitialization(); err != nil {
		return nil, err
	}
	return l, nil
}

// ensureSystemNamespaces creates the system namespaces through the API, as
// kube-apiserver's bootstrap controller does. A server stopping meanwhile
// is no failure (the generic server treats a failed hook as fatal).
func ensureSystemNamespaces(ctx context.Context, client kubernetes.Interface) error {
	for _, name := range systemNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		_, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !apierrors.IsAlreadyExists(err):
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}

// Ready reports whether the server answers /readyz with ok: every
// post-start hook (the system namespaces among them) has finished.
func Ready(ctx context.Context, client kubernetes.Interface) bool {
	body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	return err == nil && string(body) == "ok"
}
