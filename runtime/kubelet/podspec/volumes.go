package podspec

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// PrepareVolumes materialises every volume of the pod under dirs, laid out
// as the kubelet does (volumes/kubernetes.io~empty-dir/<name>, ...):
// emptyDir directories, ConfigMap/Secret/downwardAPI files written
// atomically, hostPath directories created per their type. Calling it again
// refreshes ConfigMap/Secret/downwardAPI contents.
func PrepareVolumes(pod *corev1.Pod, dirs Dirs, lk Lookup) (Volumes, error) {
	vols := Volumes{}
	for _, v := range pod.Spec.Volumes {
		m, err := prepareVolume(pod, &v, dirs, lk)
		if err != nil {
			return nil, err
		}
		vols[v.Name] = m
	}
	return vols, nil
}

func volumeDir(dirs Dirs, plugin, name string) string {
	return filepath.Join(dirs.PodDir, "volumes", "kubernetes.io~"+plugin, name)
}

func prepareVolume(pod *corev1.Pod, v *corev1.Volume, dirs Dirs, lk Lookup) (cri.Mount, error) {
	switch {
	case v.EmptyDir != nil:
		if v.EmptyDir.Medium == corev1.StorageMediumMemory {
			return cri.Mount{Tmpfs: true}, nil
		}
		dir := volumeDir(dirs, "empty-dir", v.Name)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return cri.Mount{}, err
		}
		os.Chmod(dir, 0o777) // writable by any user the containers run as, as upstream
		return cri.Mount{HostPath: dir}, nil
	case v.HostPath != nil:
		return hostPathVolume(v, dirs)
	case v.ConfigMap != nil:
		files, err := configMapFiles(pod.Namespace, v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional, lk)
		if err != nil {
			return cri.Mount{}, err
		}
		return writeAtomic(volumeDir(dirs, "configmap", v.Name), files, mode(v.ConfigMap.DefaultMode))
	case v.Secret != nil:
		files, err := secretFiles(pod.Namespace, v.Secret.SecretName, v.Secret.Items, v.Secret.Optional, lk)
		if err != nil {
			return cri.Mount{}, err
		}
		return writeAtomic(volumeDir(dirs, "secret", v.Name), files, mode(v.Secret.DefaultMode))
	case v.DownwardAPI != nil:
		files, err := downwardFiles(pod, v.DownwardAPI.Items, lk)
		if err != nil {
			return cri.Mount{}, err
		}
		return writeAtomic(volumeDir(dirs, "downward-api", v.Name), files, mode(v.DownwardAPI.DefaultMode))
	case v.Projected != nil:
		all := map[string]file{}
		for _, src := range v.Projected.Sources {
			var files map[string]file
			var err error
			switch {
			case src.ConfigMap != nil:
				files, err = configMapFiles(pod.Namespace, src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional, lk)
			case src.Secret != nil:
				files, err = secretFiles(pod.Namespace, src.Secret.Name, src.Secret.Items, src.Secret.Optional, lk)
			case src.DownwardAPI != nil:
				files, err = downwardFiles(pod, src.DownwardAPI.Items, lk)
			}
			if err != nil {
				return cri.Mount{}, err
			}
			for k, f := range files {
				all[k] = f
			}
		}
		return writeAtomic(volumeDir(dirs, "projected", v.Name), all, mode(v.Projected.DefaultMode))
	}
	return cri.Mount{}, &ConfigError{Message: fmt.Sprintf("volume %q: this lab does not support its volume type", v.Name)}
}

func mode(m *int32) os.FileMode {
	if m == nil {
		return 0o644
	}
	return os.FileMode(*m)
}

// file is one projected file: its content and, when set, its own mode.
type file struct {
	data []byte
	mode *int32
}

func keyFiles(data map[string][]byte, items []corev1.KeyToPath, kind, namespace, name string) (map[string]file, error) {
	out := map[string]file{}
	if len(items) == 0 {
		for k, v := range data {
			out[k] = file{data: v}
		}
		return out, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			return nil, &ConfigError{Message: fmt.Sprintf("configmap references non-existent config key: %s", it.Key)}
		}
		out[it.Path] = file{data: v, mode: it.Mode}
	}
	return out, nil
}

func configMapFiles(namespace, name string, items []corev1.KeyToPath, opt *bool, lk Lookup) (map[string]file, error) {
	cm, err := lk.ConfigMap(namespace, name)
	if err != nil {
		if apierrors.IsNotFound(err) && optional(opt) {
			return map[string]file{}, nil
		}
		return nil, configErr(err, "configmap", name)
	}
	data := map[string][]byte{}
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keyFiles(data, items, "ConfigMap", namespace, name)
}

func secretFiles(namespace, name string, items []corev1.KeyToPath, opt *bool, lk Lookup) (map[string]file, error) {
	s, err := lk.Secret(namespace, name)
	if err != nil {
		if apierrors.IsNotFound(err) && optional(opt) {
			return map[string]file{}, nil
		}
		return nil, configErr(err, "secret", name)
	}
	data := map[string][]byte{}
	for k, v := range s.Data {
		data[k] = v
	}
	for k, v := range s.StringData {
		data[k] = []byte(v)
	}
	return keyFiles(data, items, "Secret", namespace, name)
}

func downwardFiles(pod *corev1.Pod, items []corev1.DownwardAPIVolumeFile, lk Lookup) (map[string]file, error) {
	out := map[string]file{}
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = FieldValue(pod, it.FieldRef.FieldPath)
			if it.FieldRef.FieldPath == "metadata.labels" || it.FieldRef.FieldPath == "metadata.annotations" {
				v += "\n"
			}
		case it.ResourceFieldRef != nil:
			c := containerNamed(pod, it.ResourceFieldRef.ContainerName)
			if c == nil {
				return nil, &ConfigError{Message: fmt.Sprintf("container %q not found for resourceFieldRef", it.ResourceFieldRef.ContainerName)}
			}
			v, err = ResourceValue(c, it.ResourceFieldRef, lk.NodeAllocatable())
		}
		if err != nil {
			return nil, err
		}
		out[it.Path] = file{data: []byte(v), mode: it.Mode}
	}
	return out, nil
}

func containerNamed(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name || name == "" && i == 0 {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// writeAtomic lays files out the way the kubelet's AtomicWriter does: the
// content in a timestamped directory, a `..data` symlink to it swapped in one
// rename, and each top-level name a symlink through `..data` — so a container
// never sees half an update.
func writeAtomic(dir string, files map[string]file, defMode os.FileMode) (cri.Mount, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return cri.Mount{}, err
	}
	ts := filepath.Join(dir, ".."+time.Now().UTC().Format("2006_01_02_15_04_05.000000000"))
	if err := os.MkdirAll(ts, 0o755); err != nil {
		return cri.Mount{}, err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		f := files[p]
		full := filepath.Join(ts, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return cri.Mount{}, err
		}
		m := defMode
		if f.mode != nil {
			m = os.FileMode(*f.mode)
		}
		if err := os.WriteFile(full, f.data, m); err != nil {
			return cri.Mount{}, err
		}
		os.Chmod(full, m)
	}
	tmpLink := filepath.Join(dir, "..data_tmp")
	os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(ts), tmpLink); err != nil {
		return cri.Mount{}, err
	}
	old, _ := os.Readlink(filepath.Join(dir, "..data"))
	if err := os.Rename(tmpLink, filepath.Join(dir, "..data")); err != nil {
		return cri.Mount{}, err
	}
	tops := map[string]bool{}
	for _, p := range paths {
		tops[strings.SplitN(p, "/", 2)[0]] = true
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") && !tops[e.Name()] {
			os.Remove(filepath.Join(dir, e.Name())) // a key that went away
		}
	}
	for top := range tops {
		link := filepath.Join(dir, top)
		if target, err := os.Readlink(link); err == nil && target == filepath.Join("..data", top) {
			continue
		}
		os.Remove(link)
		if err := os.Symlink(filepath.Join("..data", top), link); err != nil {
			return cri.Mount{}, err
		}
	}
	if old != "" && old != filepath.Base(ts) {
		os.RemoveAll(filepath.Join(dir, old))
	}
	return cri.Mount{HostPath: dir, ReadOnly: true}, nil
}

// hostPathVolume resolves a hostPath on the virtual node's own disk (unless
// the lab allows real host paths) and checks or creates it per its type.
func hostPathVolume(v *corev1.Volume, dirs Dirs) (cri.Mount, error) {
	p := v.HostPath.Path
	if !dirs.AllowHostPaths {
		// Clean against "/" first so ".." can never climb out of the node's root.
		p = filepath.Join(dirs.HostPathRoot, filepath.Clean("/"+p))
	}
	typ := corev1.HostPathUnset
	if v.HostPath.Type != nil {
		typ = *v.HostPath.Type
	}
	fi, statErr := os.Stat(p)
	fail := func(what string) (cri.Mount, error) {
		return cri.Mount{}, &ConfigError{Message: fmt.Sprintf("hostPath type check failed: %s is not a %s", v.HostPath.Path, what)}
	}
	switch typ {
	case corev1.HostPathDirectoryOrCreate:
		if statErr != nil {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return cri.Mount{}, err
			}
		} else if !fi.IsDir() {
			return fail("directory")
		}
	case corev1.HostPathDirectory:
		if statErr != nil || !fi.IsDir() {
			return fail("directory")
		}
	case corev1.HostPathFileOrCreate:
		if statErr != nil {
			os.MkdirAll(filepath.Dir(p), 0o755)
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return cri.Mount{}, err
			}
			f.Close()
		} else if fi.IsDir() {
			return fail("file")
		}
	case corev1.HostPathFile:
		if statErr != nil || fi.IsDir() {
			return fail("file")
		}
	case corev1.HostPathSocket:
		if statErr != nil || fi.Mode()&os.ModeSocket == 0 {
			return fail("socket file")
		}
	case corev1.HostPathCharDev:
		if statErr != nil || fi.Mode()&os.ModeCharDevice == 0 {
			return fail("character device")
		}
	case corev1.HostPathBlockDev:
		if statErr != nil || fi.Mode()&os.ModeDevice == 0 {
			return fail("block device")
		}
	default:
		// Unset: on the virtual node, create a missing directory so the mount
		// works (Docker would create it as root anyway).
		if statErr != nil && !dirs.AllowHostPaths {
			if err := os.MkdirAll(p, 0o755); err != nil {
				return cri.Mount{}, err
			}
		}
	}
	return cri.Mount{HostPath: p}, nil
}

// Mounts resolves the container's volume mounts against vols.
func Mounts(c *corev1.Container, vols Volumes) ([]cri.Mount, error) {
	var out []cri.Mount
	for _, vm := range c.VolumeMounts {
		src, ok := vols[vm.Name]
		if !ok {
			return nil, &ConfigError{Message: fmt.Sprintf("cannot find volume %q to mount into container %q", vm.Name, c.Name)}
		}
		m := cri.Mount{HostPath: src.HostPath, Tmpfs: src.Tmpfs, ContainerPath: vm.MountPath, ReadOnly: vm.ReadOnly || src.ReadOnly}
		if vm.SubPath != "" {
			if src.Tmpfs {
				return nil, &ConfigError{Message: "subPath is not supported on a memory-backed emptyDir in this lab"}
			}
			clean := filepath.Clean("/" + vm.SubPath)
			if clean != "/"+strings.TrimPrefix(vm.SubPath, "./") && strings.Contains(vm.SubPath, "..") {
				return nil, &ConfigError{Message: fmt.Sprintf("subPath %q must not contain '..'", vm.SubPath)}
			}
			m.HostPath = filepath.Join(src.HostPath, clean)
			if _, err := os.Lstat(m.HostPath); os.IsNotExist(err) {
				if err := os.MkdirAll(m.HostPath, 0o777); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, m)
	}
	return out, nil
}
