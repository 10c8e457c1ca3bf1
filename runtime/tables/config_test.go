package tables

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

func TestNamespaceConfigMapAndSecretRows(t *testing.T) {
	wantCells(t, "namespace", cells(t, api.Namespaces, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "lab", CreationTimestamp: ago(61 * time.Second)}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}),
		"lab", "Terminating", "61s")
	wantCells(t, "configmap", cells(t, api.ConfigMaps, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "game-config", Namespace: "default", CreationTimestamp: ago(11 * time.Minute)},
		Data:       map[string]string{"game.properties": "lives=3\n", "ui.properties": "color=purple\n"}, BinaryData: map[string][]byte{"logo.png": {1}}}),
		"game-config", int64(3), "11m")
	wantCells(t, "secret", cells(t, api.Secrets, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db-user-pass", Namespace: "default", CreationTimestamp: ago(3 * time.Hour)},
		Type:       corev1.SecretTypeOpaque, Data: map[string][]byte{"username": []byte("admin"), "password": []byte("x")}}),
		"db-user-pass", "Opaque", int64(2), "3h")
	wantCells(t, "empty tls secret", cells(t, api.Secrets, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls"}, Type: corev1.SecretTypeTLS}),
		"tls", "kubernetes.io/tls", int64(0), "<unknown>")
}
