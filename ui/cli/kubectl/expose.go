package kubectl

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// exposeFlags are kubectl expose's flags.
type exposeFlags struct {
	writeFlags
	port, targetPort, name, svcType, protocol, selector, labels string
	sessionAffinity, clusterIP, externalIP, loadBalancerIP      string
	files                                                       []string
}

func (kc *kubectl) exposeCommand() *cobra.Command {
	var f exposeFlags
	c := &cobra.Command{
		Use:   "expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type]",
		Short: "Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service",
		Example: `  # A Service for the deployment web, on port 80, to the containers' port 8000
  podlab expose deployment web --port=80 --target-port=8000

  # A NodePort Service for the pod web, its port taken from the pod
  podlab expose pod web --type=NodePort`,
		ValidArgsFunction: kc.completeResources,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			objs, err := kc.exposeTargets(cmd, cl, f.files, args)
			if err != nil {
				return err
			}
			for _, o := range objs {
				if err := kc.exposeOne(cmd, cl, o, f); err != nil {
					return err
				}
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.protocol, "protocol", "", "The network protocol for the service to be created. Default is 'TCP'.")
	fl.StringVar(&f.port, "port", "", "The port that the service should serve on. Copied from the resource being exposed, if unspecified")
	fl.StringVar(&f.svcType, "type", "", "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'.")
	fl.StringVar(&f.loadBalancerIP, "load-balancer-ip", "", "IP to assign to the LoadBalancer. If empty, an ephemeral IP will be created and used (cloud-provider specific).")
	fl.StringVar(&f.selector, "selector", "", "A label selector to use for this service. Only equality-based selector requirements are supported. If empty (the default) infer the selector from the resource being exposed.")
	fl.StringVarP(&f.labels, "labels", "l", "", "Labels to apply to the service created by this call.")
	fl.StringVar(&f.targetPort, "target-port", "", "Name or number for the port on the container that the service should direct traffic to. Optional.")
	fl.StringVar(&f.externalIP, "external-ip", "", "Additional external IP address (not managed by Kubernetes) to accept for the service. If this IP is routed to a node, the service can be accessed by this IP in addition to its generated service IP.")
	fl.StringVar(&f.name, "name", "", "The name for the newly created object.")
	fl.StringVar(&f.sessionAffinity, "session-affinity", "", "If non-empty, set the session affinity for the service to this; legal values: 'None', 'ClientIP'")
	fl.StringVar(&f.clusterIP, "cluster-ip", "", "ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service.")
	fl.StringSliceVarP(&f.files, "filename", "f", nil, "Filename, directory, or URL to files identifying the resource to expose a service")
	fl.StringVar(&f.dryRun, "dry-run", "none", "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.")
	fl.Lookup("dry-run").NoOptDefVal = "unchanged"
	fl.StringVarP(&f.output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	return c
}

// exposeTargets are the objects named on the command line (read from the
// API) or in -f files (as written there, as kubectl's builder reads them).
func (kc *kubectl) exposeTargets(cmd *cobra.Command, cl client.Interface, files, args []string) ([]api.Object, error) {
	if len(files) > 0 {
		ms, err := kc.readManifests(files, false)
		if err != nil {
			return nil, err
		}
		objs := make([]api.Object, 0, len(ms))
		for _, m := range ms {
			objs = append(objs, m.Object)
		}
		return objs, nil
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
	}
	targets, err := parseTargets(args)
	if err != nil {
		return nil, err
	}
	var objs []api.Object
	for _, t := range targets {
		for _, n := range t.names {
			o, err := cl.Get(cmd.Context(), t.res, kc.NS(), n)
			if err != nil {
				return nil, err
			}
			objs = append(objs, o)
		}
	}
	return objs, nil
}

func (kc *kubectl) exposeOne(cmd *cobra.Command, cl client.Interface, o api.Object, f exposeFlags) error {
	svc, err := exposedService(o, f)
	if err != nil {
		return err
	}
	wf := f.writeFlags
	if wf.dryRun == "client" {
		return kc.reportExposed(svc, wf)
	}
	svc.Namespace = kc.NS()
	created, ws, err := cl.Create(cmd.Context(), api.Services, svc, metav1.CreateOptions{FieldManager: "kubectl-expose", DryRun: wf.serverDryRun()})
	kc.PrintWarnings(ws)
	if err != nil {
		return err
	}
	return kc.reportExposed(created, wf)
}

// reportExposed is kubectl's "service/NAME exposed" line, or the object
// in the -o format.
func (kc *kubectl) reportExposed(svc api.Object, f writeFlags) error {
	return kc.report(api.Services, svc, "exposed", f)
}

// exposedService builds the Service as kubectl expose's RunExpose and
// createService do: the selector, ports, protocols and labels introspected
// from the object unless given by flags.
func exposedService(o api.Object, f exposeFlags) (*corev1.Service, error) {
	spec, err := exposable(o)
	if err != nil {
		return nil, err
	}
	name := o.GetName()
	if len(name) > validation.DNS1035LabelMaxLength {
		name = name[:validation.DNS1035LabelMaxLength]
	}
	if f.name != "" {
		name = f.name
	}
	selector := f.selector
	if selector == "" {
		s, err := spec.selector()
		if err != nil {
			return nil, fmt.Errorf("couldn't retrieve selectors via --selector flag or introspection: %v", err)
		}
		selector = s
	}
	ports := []string{}
	if f.port != "" {
		ports = []string{f.port}
	} else {
		ports = spec.ports
		if len(ports) == 0 && f.clusterIP != corev1.ClusterIPNone {
			return nil, fmt.Errorf("couldn't find port via --port flag or introspection")
		}
	}
	labelSpec := f.labels
	if labelSpec == "" {
		labelSpec = joinPairs(o.GetLabels())
	}
	if selector == "" {
		return nil, fmt.Errorf("selector must be specified")
	}
	sel, err := parseExposeLabels(selector)
	if err != nil {
		return nil, err
	}
	var labels map[string]string
	if labelSpec != "" {
		if labels, err = parseExposeLabels(labelSpec); err != nil {
			return nil, err
		}
	}
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.ServiceSpec{Selector: sel, Ports: []corev1.ServicePort{}},
	}
	for i, ps := range ports {
		port, err := strconv.Atoi(ps)
		if err != nil {
			return nil, err
		}
		// Several ports get names port-1, port-2...; a port the object
		// serves over several protocols one port each, port-N-proto.
		portName := ""
		if len(ports) > 1 {
			portName = fmt.Sprintf("port-%d", i+1)
		}
		protocol := f.protocol
		if protocol == "" {
			protocol = string(corev1.ProtocolTCP)
			if protos := spec.protocols[ps]; len(protos) == 1 {
				protocol = protos[0]
			} else if len(protos) > 1 {
				for _, p := range protos {
					svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
						Name: fmt.Sprintf("port-%d-%s", i+1, strings.ToLower(p)), Port: int32(port), Protocol: corev1.Protocol(p)})
				}
				continue
			}
		}
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: portName, Port: int32(port), Protocol: corev1.Protocol(protocol)})
	}
	// The target port is --target-port for every port, else the port itself.
	for i := range svc.Spec.Ports {
		if f.targetPort != "" {
			svc.Spec.Ports[i].TargetPort = intstr.Parse(f.targetPort)
		} else {
			svc.Spec.Ports[i].TargetPort = intstr.FromInt32(svc.Spec.Ports[i].Port)
		}
	}
	if f.externalIP != "" {
		svc.Spec.ExternalIPs = []string{f.externalIP}
	}
	if f.svcType != "" {
		svc.Spec.Type = corev1.ServiceType(f.svcType)
	}
	if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		svc.Spec.LoadBalancerIP = f.loadBalancerIP
	}
	switch a := corev1.ServiceAffinity(f.sessionAffinity); a {
	case "":
	case corev1.ServiceAffinityNone, corev1.ServiceAffinityClientIP:
		svc.Spec.SessionAffinity = a
	default:
		return nil, fmt.Errorf("unknown session affinity: %s", f.sessionAffinity)
	}
	svc.Spec.ClusterIP = f.clusterIP
	return svc, nil
}

// exposeSpec is what kubectl's polymorphic helpers read from an object:
// its pod selector, its ports (deduplicated, in order) and each port's
// protocols.
type exposeSpec struct {
	selector  func() (string, error)
	ports     []string
	protocols map[string][]string
}

// exposable is kubectl's CanBeExposed with MapBasedSelectorForObject,
// PortsForObject and MultiProtocolsForObject.
func exposable(o api.Object) (exposeSpec, error) {
	fromLabelSelector := func(kind string, s *metav1.LabelSelector) func() (string, error) {
		return func() (string, error) {
			if s == nil || len(s.MatchLabels) == 0 {
				return "", fmt.Errorf("invalid %s: no selectors, therefore cannot be exposed", kind)
			}
			if len(s.MatchExpressions) > 0 {
				return "", fmt.Errorf("couldn't convert expressions - \"%+v\" to map-based selector format", s.MatchExpressions)
			}
			return joinPairs(s.MatchLabels), nil
		}
	}
	switch t := o.(type) {
	case *corev1.Pod:
		ports, protos := containerPorts(t.Spec)
		return exposeSpec{func() (string, error) {
			if len(t.Labels) == 0 {
				return "", fmt.Errorf("the pod has no labels and cannot be exposed")
			}
			return joinPairs(t.Labels), nil
		}, ports, protos}, nil
	case *corev1.Service:
		var ports []string
		protos := map[string][]string{}
		for _, sp := range t.Spec.Ports {
			key := strconv.Itoa(int(sp.Port))
			if _, seen := protos[key]; !seen {
				ports = append(ports, key)
			}
			protos[key] = append(protos[key], protocolOr(sp.Protocol))
		}
		return exposeSpec{func() (string, error) {
			if t.Spec.Selector == nil {
				return "", fmt.Errorf("the service has no pod selector set")
			}
			return joinPairs(t.Spec.Selector), nil
		}, ports, protos}, nil
	case *corev1.ReplicationController:
		var spec corev1.PodSpec
		if t.Spec.Template != nil {
			spec = t.Spec.Template.Spec
		}
		ports, protos := containerPorts(spec)
		return exposeSpec{func() (string, error) { return joinPairs(t.Spec.Selector), nil }, ports, protos}, nil
	case *appsv1.Deployment:
		ports, protos := containerPorts(t.Spec.Template.Spec)
		return exposeSpec{fromLabelSelector("deployment", t.Spec.Selector), ports, protos}, nil
	case *appsv1.ReplicaSet:
		ports, protos := containerPorts(t.Spec.Template.Spec)
		return exposeSpec{fromLabelSelector("replicaset", t.Spec.Selector), ports, protos}, nil
	}
	res, _ := api.ForObject(o)
	kind := res.Kind
	if res.Group != "" {
		kind += "." + res.Group
	}
	return exposeSpec{}, fmt.Errorf("cannot expose a %s", kind)
}

// containerPorts are the containers' ports (kubectl's getPorts, duplicates
// dropped) and their protocols (getMultiProtocols, TCP when unset).
func containerPorts(spec corev1.PodSpec) ([]string, map[string][]string) {
	var ports []string
	protos := map[string][]string{}
	for _, c := range spec.Containers {
		for _, p := range c.Ports {
			key := strconv.Itoa(int(p.ContainerPort))
			if _, seen := protos[key]; !seen {
				ports = append(ports, key)
			}
			protos[key] = append(protos[key], protocolOr(p.Protocol))
		}
	}
	return ports, protos
}

func protocolOr(p corev1.Protocol) string {
	if p == "" {
		return string(corev1.ProtocolTCP)
	}
	return string(p)
}

// joinPairs is kubectl's MakeLabels: k=v pairs joined by commas (sorted
// here, where kubectl follows map order; the result is parsed back to a map).
func joinPairs(m map[string]string) string {
	out := make([]string, 0, len(m))
	for _, k := range sortedMapKeys(m) {
		out = append(out, k+"="+m[k])
	}
	return strings.Join(out, ",")
}

func sortedMapKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseExposeLabels is kubectl expose's parseLabels: k=v pairs only.
func parseExposeLabels(spec string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(spec, ",") {
		kv := strings.Split(pair, "=")
		if len(kv) != 2 {
			return nil, fmt.Errorf("unexpected label spec: %s", pair)
		}
		if kv[0] == "" {
			return nil, fmt.Errorf("unexpected empty label key")
		}
		out[kv[0]] = kv[1]
	}
	return out, nil
}
