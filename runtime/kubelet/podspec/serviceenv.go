package podspec

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ServiceLookup is what a Lookup may also give: the Services of a
// namespace, for the service environment variables.
type ServiceLookup interface {
	Services(namespace string) ([]*corev1.Service, error)
}

// ServiceEnv is the environment upstream's kubelet gives a pod's
// containers from the Services (getServiceEnvVarMap and envvars.FromServices):
// those of the pod's namespace when enableServiceLinks (default true), and
// always the default namespace's "kubernetes" Service; only Services with
// a cluster IP (not headless, not ExternalName). For a Service "my-svc":
// MY_SVC_SERVICE_HOST, MY_SVC_SERVICE_PORT (its first port),
// MY_SVC_SERVICE_PORT_<NAME> per named port, and the Docker-link
// variables MY_SVC_PORT=tcp://IP:PORT (first port) and per port
// MY_SVC_PORT_<PORT>_<PROTO>, with _PROTO, _PORT and _ADDR.
func ServiceEnv(pod *corev1.Pod, nsServices, defaultServices []*corev1.Service) [][2]string {
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	chosen := map[string]*corev1.Service{}
	if links {
		for _, s := range nsServices {
			chosen[s.Name] = s
		}
	}
	for _, s := range defaultServices {
		if s.Namespace == metav1.NamespaceDefault && s.Name == "kubernetes" {
			if _, ok := chosen[s.Name]; !ok {
				chosen[s.Name] = s
			}
		}
	}
	var out [][2]string
	names := make([]string, 0, len(chosen))
	for n := range chosen {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := chosen[n]
		ip := s.Spec.ClusterIP
		if ip == "" || ip == corev1.ClusterIPNone || len(s.Spec.Ports) == 0 {
			continue
		}
		prefix := strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
		first := s.Spec.Ports[0]
		out = append(out,
			[2]string{prefix + "_SERVICE_HOST", ip},
			[2]string{prefix + "_SERVICE_PORT", strconv.Itoa(int(first.Port))})
		for _, p := range s.Spec.Ports {
			if p.Name != "" {
				out = append(out, [2]string{prefix + "_SERVICE_PORT_" + strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_")), strconv.Itoa(int(p.Port))})
			}
		}
		proto := func(p corev1.ServicePort) string {
			if p.Protocol == "" {
				return "tcp"
			}
			return strings.ToLower(string(p.Protocol))
		}
		out = append(out, [2]string{prefix + "_PORT", proto(first) + "://" + ip + ":" + strconv.Itoa(int(first.Port))})
		for _, p := range s.Spec.Ports {
			port := strconv.Itoa(int(p.Port))
			pp := prefix + "_PORT_" + port + "_" + strings.ToUpper(proto(p))
			out = append(out,
				[2]string{pp, proto(p) + "://" + ip + ":" + port},
				[2]string{pp + "_PROTO", proto(p)},
				[2]string{pp + "_PORT", port},
				[2]string{pp + "_ADDR", ip})
		}
	}
	return out
}
