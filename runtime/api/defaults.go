package api

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// SetDefaults fills the fields the Kubernetes API server defaults (the v1
// defaulting functions in pkg/apis/core/v1/defaults.go), so objects read
// back look as on a real cluster; what admission plugins add is
// runtime/admission's, and what a new object's status starts as is the
// registry's.
func SetDefaults(obj Object) {
	switch o := obj.(type) {
	case *corev1.Pod:
		defaultPod(o)
	case *corev1.Namespace:
		// SetDefaults_NamespaceStatus. The kubernetes finalizer is the
		// registry's: it may be removed during the namespace's life.
		if o.Status.Phase == "" {
			o.Status.Phase = corev1.NamespaceActive
		}
	case *corev1.Secret:
		if o.Type == "" {
			o.Type = corev1.SecretTypeOpaque // SetDefaults_Secret
		}
		// stringData is write-only: the API server merges it into data (its
		// keys win) and never stores it (Convert_v1_Secret_To_core_Secret).
		if len(o.StringData) > 0 {
			if o.Data == nil {
				o.Data = map[string][]byte{}
			}
			for k, v := range o.StringData {
				o.Data[k] = []byte(v)
			}
			o.StringData = nil
		}
	default:
		setWorkloadDefaults(obj)
	}
	SetTypeMeta(obj)
}

func ptr[T any](v T) *T { return &v }

func defaultPod(p *corev1.Pod) {
	s := &p.Spec
	defaultPodSpec(s)
	// SetDefaults_Pod: what only a Pod gets, not the pod templates of
	// workloads — service links, and requests defaulting to limits.
	if s.EnableServiceLinks == nil {
		s.EnableServiceLinks = ptr(corev1.DefaultEnableServiceLinks)
	}
	for _, cs := range [][]corev1.Container{s.InitContainers, s.Containers} {
		for i := range cs {
			defaultRequestsToLimits(&cs[i])
		}
	}
}

// defaultPodSpec applies the defaults of a PodSpec and everything in it
// (SetDefaults_PodSpec, _Container, _Volume, _Probe, ...), which pods and
// the pod templates of workloads share.
func defaultPodSpec(s *corev1.PodSpec) {
	// SetDefaults_PodSpec
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = ptr(int64(corev1.DefaultTerminationGracePeriodSeconds))
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	for i := range s.Volumes {
		defaultVolume(&s.Volumes[i])
	}
	for i := range s.InitContainers {
		defaultContainer(&s.InitContainers[i])
	}
	for i := range s.Containers {
		defaultContainer(&s.Containers[i])
	}
}

func defaultVolume(v *corev1.Volume) {
	src := &v.VolumeSource
	// SetDefaults_Volume: a volume without a source is an emptyDir.
	if *src == (corev1.VolumeSource{}) {
		src.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	mode := ptr(corev1.ConfigMapVolumeSourceDefaultMode) // 0644 for every projected-file volume
	switch {
	case src.ConfigMap != nil && src.ConfigMap.DefaultMode == nil:
		src.ConfigMap.DefaultMode = mode
	case src.Secret != nil && src.Secret.DefaultMode == nil:
		src.Secret.DefaultMode = mode
	case src.DownwardAPI != nil && src.DownwardAPI.DefaultMode == nil:
		src.DownwardAPI.DefaultMode = mode
	case src.Projected != nil && src.Projected.DefaultMode == nil:
		src.Projected.DefaultMode = mode
	case src.HostPath != nil && src.HostPath.Type == nil:
		src.HostPath.Type = ptr(corev1.HostPathUnset)
	}
	if src.DownwardAPI != nil {
		for i := range src.DownwardAPI.Items {
			if f := src.DownwardAPI.Items[i].FieldRef; f != nil && f.APIVersion == "" {
				f.APIVersion = "v1"
			}
		}
	}
}

func defaultContainer(c *corev1.Container) {
	// SetDefaults_Container
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = corev1.TerminationMessagePathDefault
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = DefaultPullPolicy(c.Image)
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for i := range c.Env {
		if f := c.Env[i].ValueFrom; f != nil && f.FieldRef != nil && f.FieldRef.APIVersion == "" {
			f.FieldRef.APIVersion = "v1"
		}
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		defaultProbe(p)
	}
	if c.Lifecycle != nil {
		for _, h := range []*corev1.LifecycleHandler{c.Lifecycle.PostStart, c.Lifecycle.PreStop} {
			if h != nil {
				defaultHTTPGet(h.HTTPGet)
			}
		}
	}
}

// defaultRequestsToLimits: requests default to limits when only limits are
// set (SetDefaults_Pod; a pod template keeps its requests as written).
func defaultRequestsToLimits(c *corev1.Container) {
	for name, q := range c.Resources.Limits {
		if c.Resources.Requests == nil {
			c.Resources.Requests = corev1.ResourceList{}
		}
		if _, ok := c.Resources.Requests[name]; !ok {
			c.Resources.Requests[name] = q.DeepCopy()
		}
	}
}

// DefaultPullPolicy is upstream's rule: Always for the latest tag or no tag
// (and no digest), IfNotPresent otherwise.
func DefaultPullPolicy(image string) corev1.PullPolicy {
	if strings.Contains(image, "@") {
		return corev1.PullIfNotPresent
	}
	name := image
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	tag := ""
	if i := strings.LastIndex(name, ":"); i >= 0 {
		tag = name[i+1:]
	}
	if tag == "" || tag == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// defaultProbe applies SetDefaults_Probe: timeout 1 s, period 10 s, success 1, failure 3.
func defaultProbe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	defaultHTTPGet(p.HTTPGet)
	if p.GRPC != nil && p.GRPC.Service == nil {
		p.GRPC.Service = ptr("")
	}
}

// defaultHTTPGet applies SetDefaults_HTTPGetAction: path "/", scheme HTTP.
func defaultHTTPGet(h *corev1.HTTPGetAction) {
	if h == nil {
		return
	}
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

// QOSClass computes a pod's quality-of-service class (upstream's
// pkg/apis/core/helper/qos): Guaranteed when every container has equal CPU
// and memory requests and limits, BestEffort when none has any, else Burstable.
func QOSClass(pod *corev1.Pod) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	all := append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range all {
		for name, q := range c.Resources.Requests {
			if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
				if !q.IsZero() {
					requests[name] = q
				}
			}
		}
		seen := 0
		for name, q := range c.Resources.Limits {
			if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
				if !q.IsZero() {
					limits[name] = q
					seen++
				}
			}
		}
		if seen != 2 {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed {
		for _, c := range all {
			for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				r, l := c.Resources.Requests[name], c.Resources.Limits[name]
				if r.Cmp(l) != 0 {
					guaranteed = false
				}
			}
		}
	}
	if guaranteed {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}
