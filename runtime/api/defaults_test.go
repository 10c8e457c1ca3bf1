package api

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSecretStringDataIsMergedIntoData(t *testing.T) {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Data:       map[string][]byte{"user": []byte("admin"), "password": []byte("old")},
		StringData: map[string]string{"password": "s3cret"},
	}
	SetDefaults(s)
	if s.StringData != nil {
		t.Fatalf("stringData kept: %v", s.StringData)
	}
	if string(s.Data["password"]) != "s3cret" || string(s.Data["user"]) != "admin" {
		t.Fatalf("data %v: stringData's keys must win and the others stay", s.Data)
	}
	if s.Type != corev1.SecretTypeOpaque {
		t.Fatalf("type %q", s.Type)
	}
}
