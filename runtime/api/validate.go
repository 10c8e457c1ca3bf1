package api

import (
	"fmt"
	"net"
	"path"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateCreate checks a new object with upstream's rules and messages
// (pkg/apis/core/validation), for the fields the lab uses.
func ValidateCreate(obj Object) field.ErrorList { return validateObject(obj, nil) }

// validateObject checks an object, new (old nil) or replacing old.
func validateObject(obj, old Object) field.ErrorList {
	res, _ := ForObject(obj)
	errs := validateMeta(obj, res)
	switch o := obj.(type) {
	case *corev1.Pod:
		errs = append(errs, validatePodSpec(&o.Spec, field.NewPath("spec"))...)
	case *corev1.ConfigMap:
		errs = append(errs, validateDataKeys(o.Data, o.BinaryData, field.NewPath("data"))...)
	case *corev1.Secret:
		keys := map[string]string{}
		for k := range o.StringData {
			keys[k] = ""
		}
		errs = append(errs, validateDataKeys(keys, o.Data, field.NewPath("data"))...)
	default:
		errs = append(errs, validateWorkload(obj, old)...)
	}
	return errs
}

func validateMeta(obj Object, res Resource) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("metadata")
	nameFn := apimachineryvalidation.NameIsDNSSubdomain
	switch res.Name {
	case Namespaces.Name:
		nameFn = apimachineryvalidation.ValidateNamespaceName
	case Services.Name:
		nameFn = apimachineryvalidation.NameIsDNS1035Label // ValidateServiceName
	}
	if obj.GetName() == "" && obj.GetGenerateName() == "" {
		errs = append(errs, field.Required(p.Child("name"), "name or generateName is required"))
	} else if obj.GetName() != "" {
		for _, msg := range nameFn(obj.GetName(), false) {
			errs = append(errs, field.Invalid(p.Child("name"), obj.GetName(), msg))
		}
	}
	if res.Namespaced && obj.GetNamespace() != "" {
		for _, msg := range apimachineryvalidation.ValidateNamespaceName(obj.GetNamespace(), false) {
			errs = append(errs, field.Invalid(p.Child("namespace"), obj.GetNamespace(), msg))
		}
	}
	errs = append(errs, metav1validation.ValidateLabels(obj.GetLabels(), p.Child("labels"))...)
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(obj.GetAnnotations(), p.Child("annotations"))...)
	return errs
}

var (
	restartPolicies = []string{string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}
	pullPolicies    = []string{string(corev1.PullAlways), string(corev1.PullIfNotPresent), string(corev1.PullNever)}
	dnsPolicies     = []string{string(corev1.DNSClusterFirstWithHostNet), string(corev1.DNSClusterFirst), string(corev1.DNSDefault), string(corev1.DNSNone)}
)

func validatePodSpec(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	volumes := map[string]bool{}
	for i, v := range s.Volumes {
		errs = append(errs, validateVolume(&v, p.Child("volumes").Index(i))...)
		if volumes[v.Name] {
			errs = append(errs, field.Duplicate(p.Child("volumes").Index(i).Child("name"), v.Name))
		}
		volumes[v.Name] = true
	}
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	names := map[string]bool{}
	for i := range s.InitContainers {
		errs = append(errs, validateContainer(&s.InitContainers[i], p.Child("initContainers").Index(i), volumes, names, true, s.TerminationGracePeriodSeconds)...)
	}
	for i := range s.Containers {
		errs = append(errs, validateContainer(&s.Containers[i], p.Child("containers").Index(i), volumes, names, false, s.TerminationGracePeriodSeconds)...)
	}
	if s.RestartPolicy != "" && !contains(restartPolicies, string(s.RestartPolicy)) {
		errs = append(errs, field.NotSupported(p.Child("restartPolicy"), s.RestartPolicy, restartPolicies))
	}
	if s.DNSPolicy != "" && !contains(dnsPolicies, string(s.DNSPolicy)) {
		errs = append(errs, field.NotSupported(p.Child("dnsPolicy"), s.DNSPolicy, dnsPolicies))
	}
	if g := s.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be greater than or equal to 0"))
	}
	if d := s.ActiveDeadlineSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(p.Child("activeDeadlineSeconds"), *d, "must be between 1 and 2147483647, inclusive"))
	}
	errs = append(errs, metav1validation.ValidateLabels(s.NodeSelector, p.Child("nodeSelector"))...)
	for i, ha := range s.HostAliases {
		hp := p.Child("hostAliases").Index(i)
		if net.ParseIP(ha.IP) == nil {
			errs = append(errs, field.Invalid(hp.Child("ip"), ha.IP, "must be valid IP address"))
		}
		for j, h := range ha.Hostnames {
			for _, msg := range validation.IsDNS1123Subdomain(h) {
				errs = append(errs, field.Invalid(hp.Child("hostnames").Index(j), h, msg))
			}
		}
	}
	if s.Hostname != "" {
		for _, msg := range validation.IsDNS1123Label(s.Hostname) {
			errs = append(errs, field.Invalid(p.Child("hostname"), s.Hostname, msg))
		}
	}
	if s.ShareProcessNamespace != nil && *s.ShareProcessNamespace && s.HostPID {
		errs = append(errs, field.Invalid(p.Child("shareProcessNamespace"), true, "ShareProcessNamespace and HostPID cannot both be enabled"))
	}
	errs = append(errs, validateTolerations(s.Tolerations, p.Child("tolerations"))...)
	if s.Affinity != nil {
		errs = append(errs, validateAffinity(s.Affinity, p.Child("affinity"))...)
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func validateVolume(v *corev1.Volume, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if v.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		for _, msg := range validation.IsDNS1123Label(v.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), v.Name, msg))
		}
	}
	n := 0
	src := reflect.ValueOf(v.VolumeSource)
	for i := 0; i < src.NumField(); i++ {
		if !src.Field(i).IsNil() {
			n++
		}
	}
	if n > 1 {
		errs = append(errs, field.Forbidden(p, "may not specify more than 1 volume type"))
	}
	switch {
	case v.HostPath != nil:
		if v.HostPath.Path == "" {
			errs = append(errs, field.Required(p.Child("hostPath", "path"), ""))
		}
	case v.ConfigMap != nil:
		if v.ConfigMap.Name == "" {
			errs = append(errs, field.Required(p.Child("configMap", "name"), ""))
		}
		errs = append(errs, validateKeyToPaths(v.ConfigMap.Items, p.Child("configMap", "items"))...)
	case v.Secret != nil:
		if v.Secret.SecretName == "" {
			errs = append(errs, field.Required(p.Child("secret", "secretName"), ""))
		}
		errs = append(errs, validateKeyToPaths(v.Secret.Items, p.Child("secret", "items"))...)
	}
	return errs
}

func validateKeyToPaths(items []corev1.KeyToPath, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		ip := p.Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		}
		if it.Path == "" {
			errs = append(errs, field.Required(ip.Child("path"), ""))
		} else if path.IsAbs(it.Path) {
			errs = append(errs, field.Invalid(ip.Child("path"), it.Path, "must be a relative path"))
		} else if strings.Contains("/"+it.Path+"/", "/../") {
			errs = append(errs, field.Invalid(ip.Child("path"), it.Path, "must not contain '..'"))
		}
	}
	return errs
}

func validateContainer(c *corev1.Container, p *field.Path, volumes, names map[string]bool, init bool, grace *int64) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), c.Name, msg))
		}
		if names[c.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
		}
		names[c.Name] = true
	}
	if strings.TrimSpace(c.Image) == "" {
		errs = append(errs, field.Required(p.Child("image"), ""))
	} else if c.Image != strings.TrimSpace(c.Image) {
		errs = append(errs, field.Invalid(p.Child("image"), c.Image, "must not have leading or trailing whitespace"))
	}
	if c.ImagePullPolicy != "" && !contains(pullPolicies, string(c.ImagePullPolicy)) {
		errs = append(errs, field.NotSupported(p.Child("imagePullPolicy"), c.ImagePullPolicy, pullPolicies))
	}
	ports := map[string]bool{}
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		for _, msg := range validation.IsValidPortNum(int(port.ContainerPort)) {
			errs = append(errs, field.Invalid(pp.Child("containerPort"), port.ContainerPort, msg))
		}
		if port.HostPort != 0 {
			for _, msg := range validation.IsValidPortNum(int(port.HostPort)) {
				errs = append(errs, field.Invalid(pp.Child("hostPort"), port.HostPort, msg))
			}
		}
		if port.Name != "" {
			for _, msg := range validation.IsValidPortName(port.Name) {
				errs = append(errs, field.Invalid(pp.Child("name"), port.Name, msg))
			}
			if ports[port.Name] {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			ports[port.Name] = true
		}
		if port.Protocol != "" && port.Protocol != corev1.ProtocolTCP && port.Protocol != corev1.ProtocolUDP && port.Protocol != corev1.ProtocolSCTP {
			errs = append(errs, field.NotSupported(pp.Child("protocol"), port.Protocol, []string{"SCTP", "TCP", "UDP"}))
		}
	}
	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		if e.Name == "" {
			errs = append(errs, field.Required(ep.Child("name"), ""))
		}
		if e.ValueFrom != nil {
			n := 0
			vf := e.ValueFrom
			for _, set := range []bool{vf.FieldRef != nil, vf.ResourceFieldRef != nil, vf.ConfigMapKeyRef != nil, vf.SecretKeyRef != nil} {
				if set {
					n++
				}
			}
			if n != 1 {
				errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not have more than one field specified at a time"))
			}
			if e.Value != "" {
				errs = append(errs, field.Invalid(ep.Child("valueFrom"), "", "may not be specified when `value` is not empty"))
			}
		}
	}
	mounts := map[string]bool{}
	for i, m := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(mp.Child("name"), ""))
		} else if !volumes[m.Name] {
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(mp.Child("mountPath"), ""))
		} else if mounts[m.MountPath] {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mounts[m.MountPath] = true
		if strings.HasPrefix(m.SubPath, "/") {
			errs = append(errs, field.Invalid(mp.Child("subPath"), m.SubPath, "must be a relative path"))
		} else if strings.Contains("/"+m.SubPath+"/", "/../") {
			errs = append(errs, field.Invalid(mp.Child("subPath"), m.SubPath, "must not contain '..'"))
		}
	}
	errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
	probes := []struct {
		probe *corev1.Probe
		name  string
	}{{c.LivenessProbe, "livenessProbe"}, {c.ReadinessProbe, "readinessProbe"}, {c.StartupProbe, "startupProbe"}}
	for _, pr := range probes {
		if pr.probe == nil {
			continue
		}
		pp := p.Child(pr.name)
		if init {
			errs = append(errs, field.Forbidden(pp, "may not be set for init containers without restartPolicy=Always"))
			continue
		}
		// Upstream's order: validateProbe (handler, the numbers, the probe's
		// grace period), then the kind's own rules.
		errs = append(errs, validateHandler(pr.probe.Exec, pr.probe.HTTPGet, pr.probe.TCPSocket, pr.probe.GRPC != nil, nil, nil, pp)...)
		for _, num := range []struct {
			v    int32
			name string
		}{{pr.probe.InitialDelaySeconds, "initialDelaySeconds"}, {pr.probe.TimeoutSeconds, "timeoutSeconds"}, {pr.probe.PeriodSeconds, "periodSeconds"}, {pr.probe.SuccessThreshold, "successThreshold"}, {pr.probe.FailureThreshold, "failureThreshold"}} {
			if num.v < 0 {
				errs = append(errs, field.Invalid(pp.Child(num.name), num.v, "must be greater than or equal to 0"))
			}
		}
		if g := pr.probe.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
			errs = append(errs, field.Invalid(pp.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
		}
		if pr.name == "readinessProbe" && pr.probe.TerminationGracePeriodSeconds != nil {
			errs = append(errs, field.Invalid(pp.Child("terminationGracePeriodSeconds"), *pr.probe.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
		}
		if pr.name != "readinessProbe" && pr.probe.SuccessThreshold != 1 && pr.probe.SuccessThreshold != 0 {
			errs = append(errs, field.Invalid(pp.Child("successThreshold"), pr.probe.SuccessThreshold, "must be 1"))
		}
	}
	if c.Lifecycle != nil {
		if h := c.Lifecycle.PostStart; h != nil {
			errs = append(errs, validateHandler(h.Exec, h.HTTPGet, h.TCPSocket, false, h.Sleep, grace, p.Child("lifecycle", "postStart"))...)
		}
		if h := c.Lifecycle.PreStop; h != nil {
			errs = append(errs, validateHandler(h.Exec, h.HTTPGet, h.TCPSocket, false, h.Sleep, grace, p.Child("lifecycle", "preStop"))...)
		}
	}
	return errs
}

func validateHandler(exec *corev1.ExecAction, http *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction, grpc bool, sleep *corev1.SleepAction, grace *int64, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	for _, set := range []bool{exec != nil, http != nil, tcp != nil, grpc, sleep != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		errs = append(errs, field.Required(p, "must specify a handler type"))
	case n > 1:
		errs = append(errs, field.Forbidden(p, "may not specify more than 1 handler type"))
	}
	if exec != nil && len(exec.Command) == 0 {
		errs = append(errs, field.Required(p.Child("exec", "command"), ""))
	}
	if http != nil {
		errs = append(errs, validatePort(http.Port.IntValue(), http.Port.StrVal, p.Child("httpGet", "port"))...)
	}
	if tcp != nil {
		errs = append(errs, validatePort(tcp.Port.IntValue(), tcp.Port.StrVal, p.Child("tcpSocket", "port"))...)
	}
	// validateSleepAction (zero allowed, as with PodLifecycleSleepActionAllowZero).
	if sleep != nil && grace != nil && (sleep.Seconds < 0 || sleep.Seconds > *grace) {
		errs = append(errs, field.Invalid(p.Child("sleep"), sleep.Seconds, fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", *grace)))
	}
	return errs
}

func validatePort(num int, name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name != "" {
		for _, msg := range validation.IsValidPortName(name) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortNum(num) {
		errs = append(errs, field.Invalid(p, num, msg))
	}
	return errs
}

func validateResources(r *corev1.ResourceRequirements, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	check := func(list corev1.ResourceList, lp *field.Path) {
		for name, q := range list {
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(lp.Key(string(name)), q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	check(r.Limits, p.Child("limits"))
	check(r.Requests, p.Child("requests"))
	for name, req := range r.Requests {
		if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
			errs = append(errs, field.Invalid(p.Child("requests").Key(string(name)), req.String(),
				fmt.Sprintf("must be less than or equal to %s limit of %s", name, lim.String())))
		}
	}
	return errs
}

func validateDataKeys(data map[string]string, binary map[string][]byte, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for k, v := range data {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(p.Key(k), k, msg))
		}
		size += len(v)
	}
	for k, v := range binary {
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(p.Key(k), k, msg))
		}
		size += len(v)
	}
	if size > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(p, "", corev1.MaxSecretSize))
	}
	return errs
}

// ValidateUpdate checks an update: names and uids never change, and a pod's
// spec changes only where upstream allows (ValidatePodUpdate).
func ValidateUpdate(newObj, oldObj Object) field.ErrorList {
	errs := validateObject(newObj, oldObj)
	p := field.NewPath("metadata")
	if newObj.GetName() != oldObj.GetName() {
		errs = append(errs, field.Invalid(p.Child("name"), newObj.GetName(), "field is immutable"))
	}
	if newObj.GetNamespace() != oldObj.GetNamespace() {
		errs = append(errs, field.Invalid(p.Child("namespace"), newObj.GetNamespace(), "field is immutable"))
	}
	newPod, ok1 := newObj.(*corev1.Pod)
	oldPod, ok2 := oldObj.(*corev1.Pod)
	if ok1 && ok2 {
		errs = append(errs, validatePodSpecUpdate(&newPod.Spec, &oldPod.Spec)...)
	}
	return errs
}

// podUpdateForbidden is upstream's message for changing immutable pod fields.
const podUpdateForbidden = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

func validatePodSpecUpdate(newSpec, oldSpec *corev1.PodSpec) field.ErrorList {
	// Compare with the mutable fields copied over from the new spec.
	mutated := oldSpec.DeepCopy()
	if len(mutated.Containers) == len(newSpec.Containers) {
		for i := range mutated.Containers {
			mutated.Containers[i].Image = newSpec.Containers[i].Image
		}
	}
	if len(mutated.InitContainers) == len(newSpec.InitContainers) {
		for i := range mutated.InitContainers {
			mutated.InitContainers[i].Image = newSpec.InitContainers[i].Image
		}
	}
	mutated.ActiveDeadlineSeconds = newSpec.ActiveDeadlineSeconds
	if len(newSpec.Tolerations) >= len(oldSpec.Tolerations) && apiequality.Semantic.DeepEqual(newSpec.Tolerations[:len(oldSpec.Tolerations)], oldSpec.Tolerations) {
		mutated.Tolerations = newSpec.Tolerations
	}
	// nodeName is set once, by binding.
	if oldSpec.NodeName == "" {
		mutated.NodeName = newSpec.NodeName
	}
	if apiequality.Semantic.DeepEqual(mutated, newSpec) {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("spec"), podUpdateForbidden+"\n"+specDiff(mutated, newSpec))}
}

// specDiff names the top-level spec fields that differ, as a short hint.
func specDiff(a, b *corev1.PodSpec) string {
	var changed []string
	va, vb := reflect.ValueOf(*a), reflect.ValueOf(*b)
	t := va.Type()
	for i := 0; i < t.NumField(); i++ {
		if !apiequality.Semantic.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			name := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			changed = append(changed, "spec."+name)
		}
	}
	return "  changed: " + strings.Join(changed, ", ")
}
