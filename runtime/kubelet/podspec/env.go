package podspec

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Env resolves a container's environment in upstream's order (envFrom, then
// env, later entries overriding earlier ones), with $(VAR) expansion, as
// "NAME=value" strings. A missing non-optional reference is a *ConfigError.
func Env(pod *corev1.Pod, c *corev1.Container, lk Lookup) ([]string, error) {
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	// The Services' variables (serviceenv.go), which $(VAR) may name too.
	var svcEnv [][2]string
	svcVars := map[string]string{}
	if sl, ok := lk.(ServiceLookup); ok {
		ns, err := sl.Services(pod.Namespace)
		if err != nil {
			return nil, err
		}
		def := ns
		if pod.Namespace != metav1.NamespaceDefault {
			if def, err = sl.Services(metav1.NamespaceDefault); err != nil {
				return nil, err
			}
		}
		svcEnv = ServiceEnv(pod, ns, def)
		for _, kv := range svcEnv {
			svcVars[kv[0]] = kv[1]
		}
	}
	for _, from := range c.EnvFrom {
		data, err := envFromData(pod.Namespace, from, lk)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := from.Prefix + k
			// Upstream skips keys that are not valid variable names (and records an event).
			if len(validation.IsEnvVarName(name)) > 0 {
				continue
			}
			set(name, data[k])
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			// $(VAR) refers to variables defined before this one.
			set(e.Name, expand(e.Value, func(name string) (string, bool) {
				if v, ok := vars[name]; ok {
					return v, true
				}
				v, ok := svcVars[name]
				return v, ok
			}))
			continue
		}
		v, ok, err := valueFrom(pod, c, e.ValueFrom, lk)
		if err != nil {
			return nil, err
		}
		if ok {
			set(e.Name, v)
		}
	}
	// The Services' variables come last and never override the
	// container's own (upstream: they are added only where unset).
	for _, kv := range svcEnv {
		if _, ok := vars[kv[0]]; !ok {
			set(kv[0], kv[1])
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vars[k])
	}
	return out, nil
}

func envFromData(namespace string, from corev1.EnvFromSource, lk Lookup) (map[string]string, error) {
	switch {
	case from.ConfigMapRef != nil:
		cm, err := lk.ConfigMap(namespace, from.ConfigMapRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional(from.ConfigMapRef.Optional) {
				return nil, nil
			}
			return nil, configErr(err, "configmap", from.ConfigMapRef.Name)
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		s, err := lk.Secret(namespace, from.SecretRef.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional(from.SecretRef.Optional) {
				return nil, nil
			}
			return nil, configErr(err, "secret", from.SecretRef.Name)
		}
		out := map[string]string{}
		for k, v := range s.Data {
			out[k] = string(v)
		}
		return out, nil
	}
	return nil, nil
}

func optional(b *bool) bool { return b != nil && *b }

// configErr words a lookup failure as the kubelet does: `configmap "x" not found`.
func configErr(err error, kind, name string) error {
	if apierrors.IsNotFound(err) {
		return &ConfigError{Message: fmt.Sprintf("%s %q not found", kind, name)}
	}
	return err
}

func valueFrom(pod *corev1.Pod, c *corev1.Container, src *corev1.EnvVarSource, lk Lookup) (string, bool, error) {
	switch {
	case src.FieldRef != nil:
		v, err := FieldValue(pod, src.FieldRef.FieldPath)
		return v, err == nil, err
	case src.ResourceFieldRef != nil:
		v, err := ResourceValue(c, src.ResourceFieldRef, lk.NodeAllocatable())
		return v, err == nil, err
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, err := lk.ConfigMap(pod.Namespace, ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErr(err, "configmap", ref.Name)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, &ConfigError{Message: fmt.Sprintf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)}
		}
		return v, true, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s, err := lk.Secret(pod.Namespace, ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, configErr(err, "secret", ref.Name)
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			if optional(ref.Optional) {
				return "", false, nil
			}
			return "", false, &ConfigError{Message: fmt.Sprintf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)}
		}
		return string(v), true, nil
	}
	return "", false, nil
}

// FieldValue resolves a downward API field path of the pod.
func FieldValue(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP":
		return pod.Status.HostIP, nil
	case "status.hostIPs":
		return joinIPs(pod.Status.HostIPs, func(ip corev1.HostIP) string { return ip.IP }), nil
	case "status.podIP":
		return pod.Status.PodIP, nil
	case "status.podIPs":
		return joinIPs(pod.Status.PodIPs, func(ip corev1.PodIP) string { return ip.IP }), nil
	case "metadata.labels":
		return formatMap(pod.Labels), nil
	case "metadata.annotations":
		return formatMap(pod.Annotations), nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if strings.HasPrefix(path, prefix+"['") && strings.HasSuffix(path, "']") {
			return m[path[len(prefix)+2:len(path)-2]], nil
		}
	}
	return "", &ConfigError{Message: fmt.Sprintf("unsupported fieldPath: %s", path)}
}

func joinIPs[T any](ips []T, ip func(T) string) string {
	parts := make([]string, 0, len(ips))
	for _, x := range ips {
		parts = append(parts, ip(x))
	}
	return strings.Join(parts, ",")
}

// formatMap renders labels or annotations as the downward API does: sorted
// key="value" lines.
func formatMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		lines = append(lines, fmt.Sprintf("%s=%s", k, strconv.Quote(m[k])))
	}
	return strings.Join(lines, "\n")
}

// ResourceValue resolves a resourceFieldRef: the value divided by the
// divisor, rounded up (upstream's ExtractContainerResourceValue); a limit
// the container does not set is the node's allocatable.
func ResourceValue(c *corev1.Container, ref *corev1.ResourceFieldSelector, allocatable corev1.ResourceList) (string, error) {
	divisor := ref.Divisor
	if divisor.IsZero() {
		divisor = resource.MustParse("1")
	}
	var q resource.Quantity
	var ok bool
	switch ref.Resource {
	case "limits.cpu":
		q, ok = c.Resources.Limits[corev1.ResourceCPU]
		if !ok {
			q = allocatable[corev1.ResourceCPU]
		}
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
	case "requests.cpu":
		q = c.Resources.Requests[corev1.ResourceCPU]
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(divisor.MilliValue()))), 10), nil
	case "limits.memory":
		q, ok = c.Resources.Limits[corev1.ResourceMemory]
		if !ok {
			q = allocatable[corev1.ResourceMemory]
		}
	case "requests.memory":
		q = c.Resources.Requests[corev1.ResourceMemory]
	case "limits.ephemeral-storage", "requests.ephemeral-storage":
		q = c.Resources.Limits[corev1.ResourceEphemeralStorage]
	default:
		return "", &ConfigError{Message: fmt.Sprintf("unsupported container resource: %s", ref.Resource)}
	}
	return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(divisor.Value()))), 10), nil
}

// ExpandArgs applies Kubernetes $(VAR) expansion to a command or args list.
func ExpandArgs(args []string, env []string) []string {
	if args == nil {
		return nil
	}
	vars := map[string]string{}
	for _, kv := range env {
		if i := strings.IndexByte(kv, '='); i > 0 {
			vars[kv[:i]] = kv[i+1:]
		}
	}
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, lookup)
	}
	return out
}

// expand implements upstream's third_party/forked/golang/expansion: $(VAR)
// is replaced when VAR is defined and kept as written otherwise; $$ is a
// literal $; an unterminated $( is kept.
func expand(s string, lookup func(string) (string, bool)) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := lookup(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
