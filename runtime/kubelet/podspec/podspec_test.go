package podspec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

type fakeLookup struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
}

func (f fakeLookup) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	if cm, ok := f.cms[name]; ok {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
}

func (f fakeLookup) Secret(ns, name string) (*corev1.Secret, error) {
	if s, ok := f.secrets[name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

// NodeAllocatable is a small node's: 2 CPUs, 4Gi.
func (f fakeLookup) NodeAllocatable() corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi")}
}

var lookup = fakeLookup{
	cms:     map[string]*corev1.ConfigMap{"cfg": {Data: map[string]string{"MODE": "dev", "LEVEL": "3", "bad key": "x"}}},
	secrets: map[string]*corev1.Secret{"sec": {Data: map[string][]byte{"password": []byte("s3cret")}}},
}

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u-1", Labels: map[string]string{"app": "web", "tier": "front"}},
		Spec:       corev1.PodSpec{NodeName: "node-1", ServiceAccountName: "default"},
		Status:     corev1.PodStatus{PodIP: "10.0.0.7", HostIP: "10.0.0.1"},
	}
}

func TestEnvOrderOverrideAndExpansion(t *testing.T) {
	c := &corev1.Container{
		Name:    "app",
		EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}, Prefix: "CFG_"}},
		Env: []corev1.EnvVar{
			{Name: "GREETING", Value: "hello"},
			{Name: "MSG", Value: "$(GREETING) from $(POD_NAME) $$(GREETING) $(MISSING)"},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "TIER", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['tier']"}}},
			{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "sec"}, Key: "password"}}},
			{Name: "CFG_MODE", Value: "override"},
		},
	}
	env, err := Env(testPod(), c, lookup)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(env, "\n")
	want := strings.Join([]string{"CFG_LEVEL=3", "CFG_MODE=override", "GREETING=hello",
		// POD_NAME is defined after MSG, so $(POD_NAME) stays as written (upstream's rule).
		"MSG=hello from $(POD_NAME) $(GREETING) $(MISSING)",
		"POD_NAME=web", "TIER=front", "IP=10.0.0.7", "PASSWORD=s3cret"}, "\n")
	if got != want {
		t.Fatalf("env:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(got, "bad key") {
		t.Fatal("a key that is not a valid variable name was passed through")
	}
}

func TestEnvMissingReferencesUseUpstreamMessages(t *testing.T) {
	ref := func(name, key string, optional bool) *corev1.Container {
		return &corev1.Container{Name: "app", Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: &optional}}}}}
	}
	for _, c := range []struct {
		c    *corev1.Container
		want string
	}{
		{ref("nope", "k", false), `configmap "nope" not found`},
		{ref("cfg", "NOPE", false), `couldn't find key NOPE in ConfigMap default/cfg`},
	} {
		_, err := Env(testPod(), c.c, lookup)
		if ce, ok := err.(*ConfigError); !ok || ce.Message != c.want {
			t.Errorf("error %v, want ConfigError %q", err, c.want)
		}
	}
	env, err := Env(testPod(), ref("nope", "k", true), lookup)
	if err != nil || len(env) != 0 {
		t.Fatalf("optional missing ref: %v %v", env, err)
	}
}

func TestHostsFile(t *testing.T) {
	p := testPod()
	p.Spec.HostAliases = []corev1.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.remote", "bar.remote"}}}
	want := "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.0.0.7\tweb\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.remote\tbar.remote\n"
	if got := string(HostsFile(p, "10.0.0.7")); got != want {
		t.Fatalf("hosts:\n%q\nwant\n%q", got, want)
	}
}

func TestVolumesLayoutAndRefresh(t *testing.T) {
	dir := t.TempDir()
	dirs := Dirs{PodDir: filepath.Join(dir, "pod"), HostPathRoot: filepath.Join(dir, "node")}
	p := testPod()
	dirOrCreate := corev1.HostPathDirectoryOrCreate
	p.Spec.Volumes = []corev1.Volume{
		{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
		{Name: "info", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}}},
		{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/../../tmp/x", Type: &dirOrCreate}}},
	}
	vols, err := PrepareVolumes(p, dirs, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(vols["config"].HostPath, "MODE")); err != nil || string(b) != "dev" {
		t.Fatalf("configMap file MODE = %q, %v", b, err)
	}
	if target, _ := os.Readlink(filepath.Join(vols["config"].HostPath, "MODE")); target != "..data/MODE" {
		t.Fatalf("MODE links to %q, want ..data/MODE (atomic layout)", target)
	}
	if b, _ := os.ReadFile(filepath.Join(vols["info"].HostPath, "labels")); string(b) != "app=\"web\"\ntier=\"front\"\n" {
		t.Fatalf("downward labels file = %q", b)
	}
	if want := filepath.Join(dirs.HostPathRoot, "tmp", "x"); vols["host"].HostPath != want {
		t.Fatalf("hostPath resolved to %s, want %s (confined to the node)", vols["host"].HostPath, want)
	}
	if !vols["config"].ReadOnly || vols["scratch"].ReadOnly {
		t.Fatal("configMap volumes are read-only, emptyDir ones are not")
	}
	lookup.cms["cfg"].Data["MODE"] = "prod"
	defer func() { lookup.cms["cfg"].Data["MODE"] = "dev" }()
	if _, err := PrepareVolumes(p, dirs, lookup); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(vols["config"].HostPath, "MODE")); string(b) != "prod" {
		t.Fatalf("refreshed MODE = %q", b)
	}
	mounts, err := Mounts(&corev1.Container{Name: "app", VolumeMounts: []corev1.VolumeMount{{Name: "scratch", MountPath: "/data", SubPath: "sub"}}}, vols)
	if err != nil || mounts[0].HostPath != filepath.Join(vols["scratch"].HostPath, "sub") {
		t.Fatalf("subPath mount = %+v, %v", mounts, err)
	}
	if _, err := Mounts(&corev1.Container{Name: "app", VolumeMounts: []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}}, vols); err == nil {
		t.Fatal("mount of an unknown volume accepted")
	}
}

func TestContainerConfigResourcesAndSecurity(t *testing.T) {
	p := testPod()
	share := true
	p.Spec.ShareProcessNamespace = &share
	uid, gid := int64(1000), int64(3000)
	no := false
	p.Spec.SecurityContext = &corev1.PodSecurityContext{RunAsUser: &uid}
	c := &corev1.Container{
		Name: "app", Command: []string{"sh", "-c", "echo $(GREETING)"},
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi"), corev1.ResourceCPU: resource.MustParse("500m")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
		},
		SecurityContext: &corev1.SecurityContext{RunAsGroup: &gid, AllowPrivilegeEscalation: &no,
			Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}, Drop: []corev1.Capability{"ALL"}}},
	}
	cfg := ContainerConfig(p, c, []string{"GREETING=hi"}, nil)
	if strings.Join(cfg.Entrypoint, " ") != "sh -c echo hi" || cfg.Cmd != nil {
		t.Fatalf("command = %q args = %q", cfg.Entrypoint, cfg.Cmd)
	}
	if cfg.MemoryLimit != 64<<20 || cfg.NanoCPUs != 500_000_000 || cfg.CPUShares != 256 {
		t.Fatalf("resources = %d bytes, %d nanocpus, %d shares", cfg.MemoryLimit, cfg.NanoCPUs, cfg.CPUShares)
	}
	if cfg.User != "1000:3000" || !cfg.NoNewPrivileges || !cfg.SharePID || cfg.CapAdd[0] != "CAP_NET_ADMIN" || cfg.CapDrop[0] != "ALL" {
		t.Fatalf("security = %+v", cfg)
	}
	if MilliCPUToShares(1) != 2 || MilliCPUToShares(1000) != 1024 {
		t.Fatal("milliCPU to shares does not follow the kubelet")
	}
}

func TestSpecHashChangesWithImageOnly(t *testing.T) {
	a := &corev1.Container{Name: "app", Image: "busybox:1.35"}
	b := a.DeepCopy()
	b.Resources.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	if SpecHash(a) != SpecHash(b) {
		t.Fatal("a resource change changed the hash")
	}
	b.Image = "busybox:1.36"
	if SpecHash(a) == SpecHash(b) {
		t.Fatal("an image change did not change the hash")
	}
}
