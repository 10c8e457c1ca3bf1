package api

import (
	"fmt"
	"net"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// This file holds the rules of upstream's pkg/apis/core/validation for
// Services and Endpoints (ValidateService, ValidateServiceUpdate,
// ValidateEndpoints) and of pkg/apis/discovery/validation for
// EndpointSlices, with their messages.

var (
	serviceTypes       = []string{string(corev1.ServiceTypeClusterIP), string(corev1.ServiceTypeExternalName), string(corev1.ServiceTypeLoadBalancer), string(corev1.ServiceTypeNodePort)}
	sessionAffinities  = []string{string(corev1.ServiceAffinityClientIP), string(corev1.ServiceAffinityNone)}
	portProtocols      = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}
	trafficPolicies    = []string{string(corev1.ServiceExternalTrafficPolicyCluster), string(corev1.ServiceExternalTrafficPolicyLocal)}
	ipFamilies         = []string{string(corev1.IPv4Protocol), string(corev1.IPv6Protocol)}
	ipFamilyPolicies   = []string{string(corev1.IPFamilyPolicyPreferDualStack), string(corev1.IPFamilyPolicyRequireDualStack), string(corev1.IPFamilyPolicySingleStack)}
	endpointSliceTypes = []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}
)

// maxClientIPAffinitySeconds is upstream's MaxClientIPServiceAffinitySeconds (one day).
const maxClientIPAffinitySeconds = 86400

func validateService(s *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	sp := &s.Spec
	headless := sp.ClusterIP == corev1.ClusterIPNone
	if len(sp.Ports) == 0 && !headless && sp.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(specPath.Child("ports"), ""))
	}
	switch sp.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if headless {
			errs = append(errs, field.Invalid(specPath.Child("clusterIPs").Index(0), sp.ClusterIPs[0], fmt.Sprintf("may not be set to 'None' for %s services", sp.Type)))
		}
	case corev1.ServiceTypeExternalName:
		for _, f := range []struct {
			set  bool
			name string
		}{{sp.ClusterIP != "", "clusterIP"}, {len(sp.ClusterIPs) > 0, "clusterIPs"}, {len(sp.IPFamilies) > 0, "ipFamilies"}, {sp.IPFamilyPolicy != nil, "ipFamilyPolicy"}} {
			if f.set {
				errs = append(errs, field.Forbidden(specPath.Child(f.name), "may not be set for ExternalName services"))
			}
		}
		// The value (a CNAME) may end in a dot, to say it is fully qualified.
		if cname := strings.TrimSuffix(sp.ExternalName, "."); cname != "" {
			for _, msg := range validation.IsDNS1123Subdomain(cname) {
				errs = append(errs, field.Invalid(specPath.Child("externalName"), cname, msg))
			}
		} else {
			errs = append(errs, field.Required(specPath.Child("externalName"), ""))
		}
	}
	pp := specPath.Child("ports")
	names := map[string]bool{}
	for i := range sp.Ports {
		errs = append(errs, validateServicePort(&sp.Ports[i], len(sp.Ports) > 1, names, pp.Index(i))...)
	}
	if sp.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabels(sp.Selector, specPath.Child("selector"))...)
	}
	switch {
	case sp.SessionAffinity == "":
		errs = append(errs, field.Required(specPath.Child("sessionAffinity"), ""))
	case !slices.Contains(sessionAffinities, string(sp.SessionAffinity)):
		errs = append(errs, field.NotSupported(specPath.Child("sessionAffinity"), sp.SessionAffinity, sessionAffinities))
	case sp.SessionAffinity == corev1.ServiceAffinityClientIP:
		cp := specPath.Child("sessionAffinityConfig", "clientIP", "timeoutSeconds")
		if c := sp.SessionAffinityConfig; c == nil || c.ClientIP == nil || c.ClientIP.TimeoutSeconds == nil {
			errs = append(errs, field.Required(cp, ""))
		} else if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > maxClientIPAffinitySeconds {
			errs = append(errs, field.Invalid(cp, t, fmt.Sprintf("must be greater than 0 and less than %d", maxClientIPAffinitySeconds)))
		}
	case sp.SessionAffinityConfig != nil:
		errs = append(errs, field.Invalid(specPath.Child("sessionAffinityConfig"), sp.SessionAffinityConfig, "must not be set when session affinity is None"))
	}
	for i, ip := range sp.ExternalIPs {
		ipp := specPath.Child("externalIPs").Index(i)
		if e := validation.IsValidIPForLegacyField(ipp, ip, false, nil); len(e) > 0 {
			errs = append(errs, e...)
		} else {
			errs = append(errs, validateNonSpecialIP(ip, ipp)...)
		}
	}
	switch {
	case sp.Type == "":
		errs = append(errs, field.Required(specPath.Child("type"), ""))
	case !slices.Contains(serviceTypes, string(sp.Type)):
		errs = append(errs, field.NotSupported(specPath.Child("type"), sp.Type, serviceTypes))
	}
	if sp.Type == corev1.ServiceTypeClusterIP {
		for i := range sp.Ports {
			if sp.Ports[i].NodePort != 0 {
				errs = append(errs, field.Forbidden(pp.Index(i).Child("nodePort"), "may not be used when `type` is 'ClusterIP'"))
			}
		}
	}
	// Duplicates, by (protocol, node port) and by (protocol, port).
	nodePorts, ports := map[corev1.ServicePort]bool{}, map[corev1.ServicePort]bool{}
	for i, p := range sp.Ports {
		if p.NodePort != 0 {
			key := corev1.ServicePort{Protocol: p.Protocol, NodePort: p.NodePort}
			if nodePorts[key] {
				errs = append(errs, field.Duplicate(pp.Index(i).Child("nodePort"), p.NodePort))
			}
			nodePorts[key] = true
		}
		key := corev1.ServicePort{Protocol: p.Protocol, Port: p.Port}
		if ports[key] {
			errs = append(errs, field.Duplicate(pp.Index(i), key))
		}
		ports[key] = true
	}
	errs = append(errs, validateTrafficPolicies(s)...)
	return append(errs, validateClusterIPFields(s)...)
}

func validateServicePort(p *corev1.ServicePort, requireName bool, names map[string]bool, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if requireName && p.Name == "" {
		errs = append(errs, field.Required(fp.Child("name"), ""))
	} else if p.Name != "" {
		for _, msg := range validation.IsDNS1123Label(p.Name) {
			errs = append(errs, field.Invalid(fp.Child("name"), p.Name, msg))
		}
		if names[p.Name] {
			errs = append(errs, field.Duplicate(fp.Child("name"), p.Name))
		}
		names[p.Name] = true
	}
	for _, msg := range validation.IsValidPortNum(int(p.Port)) {
		errs = append(errs, field.Invalid(fp.Child("port"), p.Port, msg))
	}
	errs = append(errs, validateProtocol(p.Protocol, fp.Child("protocol"))...)
	errs = append(errs, validatePortNumOrName(p.TargetPort, fp.Child("targetPort"))...)
	if p.AppProtocol != nil {
		for _, msg := range content.IsLabelKey(*p.AppProtocol) {
			errs = append(errs, field.Invalid(fp.Child("appProtocol"), *p.AppProtocol, msg))
		}
	}
	return errs
}

func validateProtocol(p corev1.Protocol, fp *field.Path) field.ErrorList {
	switch {
	case p == "":
		return field.ErrorList{field.Required(fp, "")}
	case !slices.Contains(portProtocols, string(p)):
		return field.ErrorList{field.NotSupported(fp, p, portProtocols)}
	}
	return nil
}

// validatePortNumOrName is upstream's ValidatePortNumOrName.
func validatePortNumOrName(port intstr.IntOrString, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Type == intstr.Int {
		for _, msg := range validation.IsValidPortNum(port.IntValue()) {
			errs = append(errs, field.Invalid(fp, port.IntValue(), msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortName(port.StrVal) {
		errs = append(errs, field.Invalid(fp, port.StrVal, msg))
	}
	return errs
}

// validateTrafficPolicies: externalTrafficPolicy only (and then always)
// for externally accessible services, a health check node port only for
// a Local load balancer, internalTrafficPolicy for the types with cluster IPs.
func validateTrafficPolicies(s *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	sp := &s.Spec
	ep := specPath.Child("externalTrafficPolicy")
	switch {
	case !ExternallyAccessible(s):
		if sp.ExternalTrafficPolicy != "" {
			errs = append(errs, field.Invalid(ep, sp.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
		}
	case sp.ExternalTrafficPolicy == "":
		errs = append(errs, field.Required(ep, ""))
	case !slices.Contains(trafficPolicies, string(sp.ExternalTrafficPolicy)):
		errs = append(errs, field.NotSupported(ep, sp.ExternalTrafficPolicy, trafficPolicies))
	}
	hp := specPath.Child("healthCheckNodePort")
	if NeedsHealthCheckNodePort(s) {
		if sp.HealthCheckNodePort != 0 {
			for _, msg := range validation.IsValidPortNum(int(sp.HealthCheckNodePort)) {
				errs = append(errs, field.Invalid(hp, sp.HealthCheckNodePort, msg))
			}
		}
	} else if sp.HealthCheckNodePort != 0 {
		errs = append(errs, field.Invalid(hp, sp.HealthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
	}
	ip := specPath.Child("internalTrafficPolicy")
	if sp.InternalTrafficPolicy == nil {
		switch sp.Type {
		case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeClusterIP:
			errs = append(errs, field.Required(ip, ""))
		}
	} else if !slices.Contains(trafficPolicies, string(*sp.InternalTrafficPolicy)) {
		errs = append(errs, field.NotSupported(ip, *sp.InternalTrafficPolicy, trafficPolicies))
	}
	return errs
}

// validateClusterIPFields is upstream's validateServiceClusterIPsRelatedFields:
// clusterIP is clusterIPs[0]; "None" only alone; valid IPs, at most one per
// family, matching ipFamilies; known families and policy. The allocator
// runs it too, before it allocates.
func validateClusterIPFields(s *corev1.Service) field.ErrorList {
	sp := &s.Spec
	if sp.Type == corev1.ServiceTypeExternalName {
		return nil // checked above: all unset
	}
	var errs field.ErrorList
	cp, fp, pp := specPath.Child("clusterIPs"), specPath.Child("ipFamilies"), specPath.Child("ipFamilyPolicy")
	if len(sp.ClusterIPs) > 0 && sp.ClusterIP != sp.ClusterIPs[0] {
		errs = append(errs, field.Invalid(cp, sp.ClusterIPs, "first value must match `clusterIP`"))
	}
	seen := map[corev1.IPFamily]bool{}
	for i, f := range sp.IPFamilies {
		if !slices.Contains(ipFamilies, string(f)) {
			errs = append(errs, field.NotSupported(fp.Index(i), f, ipFamilies))
		}
		if seen[f] {
			errs = append(errs, field.Duplicate(fp.Index(i), f))
		}
		seen[f] = true
	}
	if p := sp.IPFamilyPolicy; p != nil && !slices.Contains(ipFamilyPolicies, string(*p)) {
		errs = append(errs, field.NotSupported(pp, *p, ipFamilyPolicies))
	}
	invalid := false
	for i, ip := range sp.ClusterIPs {
		if i == 0 && ip == corev1.ClusterIPNone {
			if len(sp.ClusterIPs) > 1 {
				errs = append(errs, field.Invalid(cp, sp.ClusterIPs, "'None' must be the first and only value"))
				invalid = true
			}
			continue
		}
		if e := validation.IsValidIP(cp.Index(i), ip); len(e) > 0 {
			errs, invalid = append(errs, e...), true
		}
	}
	if len(sp.ClusterIPs) > 2 {
		errs = append(errs, field.Invalid(cp, sp.ClusterIPs, "may only hold up to 2 values"))
	}
	if invalid {
		return errs
	}
	if len(sp.ClusterIPs) == 2 && isIPv6(sp.ClusterIPs[0]) == isIPv6(sp.ClusterIPs[1]) {
		errs = append(errs, field.Invalid(cp, sp.ClusterIPs, "may specify no more than one IP for each IP family"))
	}
	if sp.ClusterIP != corev1.ClusterIPNone {
		for i, ip := range sp.ClusterIPs {
			if i >= len(sp.IPFamilies) {
				break
			}
			switch f := sp.IPFamilies[i]; {
			case f == corev1.IPv4Protocol && isIPv6(ip):
				errs = append(errs, field.Invalid(cp.Index(i), ip, fmt.Sprintf("expected an IPv4 value as indicated by `ipFamilies[%v]`", i)))
			case f == corev1.IPv6Protocol && !isIPv6(ip):
				errs = append(errs, field.Invalid(cp.Index(i), ip, fmt.Sprintf("expected an IPv6 value as indicated by `ipFamilies[%v]`", i)))
			}
		}
	}
	return errs
}

// ValidateServiceClusterIPFields is validateClusterIPFields for the
// allocator, which checks these fields before it allocates anything.
func ValidateServiceClusterIPFields(s *corev1.Service) field.ErrorList {
	return validateClusterIPFields(s)
}

func isIPv6(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.To4() == nil
}

// validateServiceUpdate is ValidateServiceUpdate's own part: the primary
// cluster IP (and family) never changes, unless the service is, or
// becomes, an ExternalName one.
func validateServiceUpdate(s, old *corev1.Service) field.ErrorList {
	if s.Spec.Type == corev1.ServiceTypeExternalName || old.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	var errs field.ErrorList
	if len(old.Spec.ClusterIPs) > 0 && len(s.Spec.ClusterIPs) > 0 && old.Spec.ClusterIPs[0] != s.Spec.ClusterIPs[0] {
		errs = append(errs, field.Invalid(specPath.Child("clusterIPs").Index(0), s.Spec.ClusterIPs, "may not change once set"))
	}
	if len(old.Spec.ClusterIPs) > 0 && len(s.Spec.ClusterIPs) == 0 {
		errs = append(errs, field.Invalid(specPath.Child("clusterIPs").Index(0), s.Spec.ClusterIPs, "primary clusterIP can not be unset"))
	}
	if len(old.Spec.IPFamilies) > 0 && len(s.Spec.IPFamilies) > 0 && old.Spec.IPFamilies[0] != s.Spec.IPFamilies[0] {
		errs = append(errs, field.Invalid(specPath.Child("ipFamilies").Index(0), s.Spec.IPFamilies, "may not change once set"))
	}
	return errs
}

func validateServiceStatus(st *corev1.ServiceStatus) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("status", "loadBalancer", "ingress")
	for i, in := range st.LoadBalancer.Ingress {
		if in.IP != "" {
			errs = append(errs, validation.IsValidIPForLegacyField(p.Index(i).Child("ip"), in.IP, false, nil)...)
		}
		if in.Hostname != "" {
			for _, msg := range validation.IsDNS1123Subdomain(in.Hostname) {
				errs = append(errs, field.Invalid(p.Index(i).Child("hostname"), in.Hostname, msg))
			}
			if net.ParseIP(in.Hostname) != nil {
				errs = append(errs, field.Invalid(p.Index(i).Child("hostname"), in.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return append(errs, metav1validation.ValidateConditions(st.Conditions, field.NewPath("status", "conditions"))...)
}

// validateNonSpecialIP is upstream's ValidateNonSpecialIP: no unspecified,
// loopback or link-local address as an endpoint or external IP.
func validateNonSpecialIP(ip string, p *field.Path) field.ErrorList {
	a := net.ParseIP(ip)
	switch {
	case a == nil:
		return field.ErrorList{field.Invalid(p, ip, "must be a valid IP address")}
	case a.IsUnspecified():
		return field.ErrorList{field.Invalid(p, ip, fmt.Sprintf("may not be unspecified (%v)", ip))}
	case a.IsLoopback():
		return field.ErrorList{field.Invalid(p, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)")}
	case a.IsLinkLocalUnicast():
		return field.ErrorList{field.Invalid(p, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")}
	case a.IsLinkLocalMulticast():
		return field.ErrorList{field.Invalid(p, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")}
	}
	return nil
}

func validateEndpoints(e *corev1.Endpoints) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("subsets")
	for i := range e.Subsets {
		ss, ip := &e.Subsets[i], p.Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(ip, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j := range ss.Addresses {
			errs = append(errs, validateEndpointAddress(&ss.Addresses[j], ip.Child("addresses").Index(j))...)
		}
		for j := range ss.NotReadyAddresses {
			errs = append(errs, validateEndpointAddress(&ss.NotReadyAddresses[j], ip.Child("notReadyAddresses").Index(j))...)
		}
		for j, port := range ss.Ports {
			pp := ip.Child("ports").Index(j)
			if len(ss.Ports) > 1 && port.Name == "" {
				errs = append(errs, field.Required(pp.Child("name"), ""))
			} else if port.Name != "" {
				for _, msg := range validation.IsDNS1123Label(port.Name) {
					errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
				}
			}
			for _, msg := range validation.IsValidPortNum(int(port.Port)) {
				errs = append(errs, field.Invalid(pp.Child("port"), port.Port, msg))
			}
			errs = append(errs, validateProtocol(port.Protocol, pp.Child("protocol"))...)
		}
	}
	return errs
}

func validateEndpointAddress(a *corev1.EndpointAddress, p *field.Path) field.ErrorList {
	errs := validation.IsValidIPForLegacyField(p.Child("ip"), a.IP, false, nil)
	if a.Hostname != "" {
		for _, msg := range validation.IsDNS1123Label(a.Hostname) {
			errs = append(errs, field.Invalid(p.Child("hostname"), a.Hostname, msg))
		}
	}
	if a.NodeName != nil {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*a.NodeName, false) {
			errs = append(errs, field.Invalid(p.Child("nodeName"), *a.NodeName, msg))
		}
	}
	if len(errs) == 0 {
		errs = append(errs, validateNonSpecialIP(a.IP, p.Child("ip"))...)
	}
	return errs
}

// EndpointSlice bounds (pkg/apis/discovery/validation).
const (
	maxSliceEndpoints = 1000
	maxSliceAddresses = 100
	maxSlicePorts     = 20000
)

func validateEndpointSlice(s *discoveryv1.EndpointSlice) field.ErrorList {
	var errs field.ErrorList
	tp := field.NewPath("addressType")
	switch {
	case s.AddressType == "":
		errs = append(errs, field.Required(tp, ""))
	case !slices.Contains(endpointSliceTypes, string(s.AddressType)):
		errs = append(errs, field.NotSupported(tp, s.AddressType, endpointSliceTypes))
	}
	ep := field.NewPath("endpoints")
	if len(s.Endpoints) > maxSliceEndpoints {
		errs = append(errs, field.TooMany(ep, len(s.Endpoints), maxSliceEndpoints))
	}
	for i, e := range s.Endpoints {
		ap := ep.Index(i).Child("addresses")
		if len(e.Addresses) == 0 {
			errs = append(errs, field.Required(ap, "must contain at least 1 address"))
		} else if len(e.Addresses) > maxSliceAddresses {
			errs = append(errs, field.TooMany(ap, len(e.Addresses), maxSliceAddresses))
		}
		for j, a := range e.Addresses {
			errs = append(errs, validateSliceAddress(s.AddressType, a, ap.Index(j))...)
		}
		if e.NodeName != nil {
			for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*e.NodeName, false) {
				errs = append(errs, field.Invalid(ep.Index(i).Child("nodeName"), *e.NodeName, msg))
			}
		}
		if e.Hostname != nil {
			for _, msg := range validation.IsDNS1123Label(*e.Hostname) {
				errs = append(errs, field.Invalid(ep.Index(i).Child("hostname"), *e.Hostname, msg))
			}
		}
	}
	pp := field.NewPath("ports")
	if len(s.Ports) > maxSlicePorts {
		errs = append(errs, field.TooMany(pp, len(s.Ports), maxSlicePorts))
	}
	names := map[string]bool{}
	for i, p := range s.Ports {
		ip := pp.Index(i)
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		if name != "" {
			for _, msg := range validation.IsDNS1123Label(name) {
				errs = append(errs, field.Invalid(ip.Child("name"), name, msg))
			}
		}
		if names[name] {
			errs = append(errs, field.Duplicate(ip.Child("name"), p.Name))
		}
		names[name] = true
		if p.Protocol == nil {
			errs = append(errs, field.Required(ip.Child("protocol"), ""))
		} else if !slices.Contains(portProtocols, string(*p.Protocol)) {
			errs = append(errs, field.NotSupported(ip.Child("protocol"), *p.Protocol, portProtocols))
		}
		if p.AppProtocol != nil {
			for _, msg := range content.IsLabelKey(*p.AppProtocol) {
				errs = append(errs, field.Invalid(ip.Child("appProtocol"), *p.AppProtocol, msg))
			}
		}
	}
	return errs
}

// validateSliceAddress checks an address of a known type: IPv4 and IPv6
// in their family and not special, FQDN a fully qualified domain name.
func validateSliceAddress(t discoveryv1.AddressType, a string, p *field.Path) field.ErrorList {
	switch t {
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6:
		ip := net.ParseIP(a)
		want := "IPv4"
		if t == discoveryv1.AddressTypeIPv6 {
			want = "IPv6"
		}
		if ip == nil || (ip.To4() != nil) != (t == discoveryv1.AddressTypeIPv4) {
			return field.ErrorList{field.Invalid(p, a, "must be a valid "+want+" address")}
		}
		return validateNonSpecialIP(a, p)
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(p, a)
	}
	return nil
}
