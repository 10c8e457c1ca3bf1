package scheduler

import (
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	resourcehelper "k8s.io/component-helpers/resource"
)

// Upstream's stand-in requests for a container that requests no CPU or
// memory, used only to score (schedutil.DefaultMilliCPURequest and
// DefaultMemoryRequest): without them every best-effort pod would look free.
const (
	defaultMilliCPURequest int64 = 100               // 0.1 core
	defaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// resources is an amount of each resource, as upstream's framework.Resource:
// CPU in millicores, memory and ephemeral storage in bytes, and the scalar
// resources (extended, hugepages) in their units.
type resources struct {
	milliCPU, memory, ephemeral int64
	scalar                      map[corev1.ResourceName]int64
}

func (r *resources) add(list corev1.ResourceList) {
	for name, q := range list {
		switch name {
		case corev1.ResourceCPU:
			r.milliCPU += q.MilliValue()
		case corev1.ResourceMemory:
			r.memory += q.Value()
		case corev1.ResourceEphemeralStorage:
			r.ephemeral += q.Value()
		default:
			if isScalar(name) {
				r.addScalar(name, q.Value())
			}
		}
	}
}

func (r *resources) addScalar(name corev1.ResourceName, v int64) {
	if r.scalar == nil {
		r.scalar = map[corev1.ResourceName]int64{}
	}
	r.scalar[name] += v
}

func (r *resources) plus(o resources) {
	r.milliCPU += o.milliCPU
	r.memory += o.memory
	r.ephemeral += o.ephemeral
	for name, v := range o.scalar {
		r.addScalar(name, v)
	}
}

func (r resources) isZero() bool {
	if r.milliCPU != 0 || r.memory != 0 || r.ephemeral != 0 {
		return false
	}
	for _, v := range r.scalar {
		if v != 0 {
			return false
		}
	}
	return true
}

// isScalar is upstream's IsScalarResourceName: extended resources
// (example.com/gpu), prefixed native ones, hugepages and attachable volumes.
func isScalar(name corev1.ResourceName) bool {
	s := string(name)
	return strings.Contains(s, "/") || strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) ||
		strings.HasPrefix(s, corev1.ResourceAttachableVolumesPrefix)
}

// Requests is a pod's effective requests as the scheduler counts them
// (component-helpers' PodRequests, upstream's own rule): the app containers
// and sidecars summed, at least the largest init container with the
// sidecars started before it, pod-level requests where set, plus the pod's
// overhead, and for a running pod the resources its status reports.
func Requests(pod *corev1.Pod) corev1.ResourceList {
	return resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{UseStatusResources: true})
}

// podInfo is what the plugins read of a pod, worked out once per version.
type podInfo struct {
	pod *corev1.Pod
	// requests counts for NodeResourcesFit and BalancedAllocation;
	// nonZero (cpu and memory only) for LeastAllocated.
	requests, nonZero resources
	ports             []corev1.ContainerPort
	// The pod's inter-pod (anti-)affinity terms; parseErr is a label
	// selector the API let through that does not parse.
	requiredAffinity, requiredAnti   []affinityTerm
	preferredAffinity, preferredAnti []weightedTerm
	parseErr                         error
}

func newPodInfo(pod *corev1.Pod) *podInfo {
	pi := &podInfo{pod: pod}
	reqs := Requests(pod)
	pi.requests.add(reqs)
	// Upstream's CalculateResource: a container that requests no CPU or
	// memory counts as the defaults (when pod-level requests are set, only
	// for what they leave out).
	defaults := corev1.ResourceList{}
	podLevel := resourcehelper.IsPodLevelRequestsSet(pod)
	if _, ok := reqs[corev1.ResourceCPU]; !podLevel || !ok {
		defaults[corev1.ResourceCPU] = *resource.NewMilliQuantity(defaultMilliCPURequest, resource.DecimalSI)
	}
	if _, ok := reqs[corev1.ResourceMemory]; !podLevel || !ok {
		defaults[corev1.ResourceMemory] = *resource.NewQuantity(defaultMemoryRequest, resource.DecimalSI)
	}
	non0 := reqs
	if len(defaults) > 0 {
		non0 = resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{UseStatusResources: true, NonMissingContainerRequests: defaults})
	}
	cpu, mem := non0[corev1.ResourceCPU], non0[corev1.ResourceMemory]
	pi.nonZero = resources{milliCPU: cpu.MilliValue(), memory: mem.Value()}
	pi.ports = hostPortsOf(pod)

	if a := pod.Spec.Affinity; a != nil {
		var errs []error
		if pa := a.PodAffinity; pa != nil {
			pi.requiredAffinity, errs = appendTerms(pi.requiredAffinity, errs, pod, pa.RequiredDuringSchedulingIgnoredDuringExecution)
			pi.preferredAffinity, errs = appendWeighted(pi.preferredAffinity, errs, pod, pa.PreferredDuringSchedulingIgnoredDuringExecution)
		}
		if pa := a.PodAntiAffinity; pa != nil {
			pi.requiredAnti, errs = appendTerms(pi.requiredAnti, errs, pod, pa.RequiredDuringSchedulingIgnoredDuringExecution)
			pi.preferredAnti, errs = appendWeighted(pi.preferredAnti, errs, pod, pa.PreferredDuringSchedulingIgnoredDuringExecution)
		}
		if len(errs) > 0 {
			pi.parseErr = errs[0]
		}
	}
	return pi
}

// hasPodAffinity: the pod has pod affinity or anti-affinity of any kind
// (upstream's PodsWithAffinity).
func (pi *podInfo) hasPodAffinity() bool {
	a := pi.pod.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

// hostPortsOf is upstream's GetHostPorts: the host ports of the app
// containers and of the sidecars (restartable init containers), which run
// as long as the pod does.
func hostPortsOf(pod *corev1.Pod) []corev1.ContainerPort {
	var ports []corev1.ContainerPort
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			continue
		}
		for _, p := range c.Ports {
			if p.HostPort > 0 {
				ports = append(ports, p)
			}
		}
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort > 0 {
				ports = append(ports, p)
			}
		}
	}
	return ports
}

// affinityTerm is a parsed PodAffinityTerm of owner: the pods it selects
// are those its selector matches in its namespaces — the listed ones, or
// the owner's own when neither namespaces nor a namespaceSelector is given
// — or in a namespace whose labels nsSelector matches (nil selector:
// none; empty selector: every namespace).
type affinityTerm struct {
	namespaces  sets.Set[string]
	selector    labels.Selector
	nsSelector  labels.Selector
	topologyKey string
}

type weightedTerm struct {
	affinityTerm
	weight int64
}

func newAffinityTerm(owner *corev1.Pod, t *corev1.PodAffinityTerm) (affinityTerm, error) {
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return affinityTerm{}, err
	}
	nsSel, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
	if err != nil {
		return affinityTerm{}, err
	}
	ns := sets.New(t.Namespaces...)
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		ns.Insert(owner.Namespace)
	}
	return affinityTerm{namespaces: ns, selector: sel, nsSelector: nsSel, topologyKey: t.TopologyKey}, nil
}

func appendTerms(out []affinityTerm, errs []error, owner *corev1.Pod, terms []corev1.PodAffinityTerm) ([]affinityTerm, []error) {
	for i := range terms {
		t, err := newAffinityTerm(owner, &terms[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, t)
	}
	return out, errs
}

func appendWeighted(out []weightedTerm, errs []error, owner *corev1.Pod, terms []corev1.WeightedPodAffinityTerm) ([]weightedTerm, []error) {
	for i := range terms {
		t, err := newAffinityTerm(owner, &terms[i].PodAffinityTerm)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, weightedTerm{t, int64(terms[i].Weight)})
	}
	return out, errs
}

// matches says whether the term selects p, whose namespace carries nsLabels.
func (t *affinityTerm) matches(p *corev1.Pod, nsLabels labels.Set) bool {
	if t.namespaces.Has(p.Namespace) || t.nsSelector.Matches(nsLabels) {
		return t.selector.Matches(labels.Set(p.Labels))
	}
	return false
}

// podInfoCache keeps the podInfo of each version of a pod, so a decision
// does not parse every bound pod again.
type podInfoCache struct {
	mu    sync.Mutex
	infos map[types.UID]*podInfo
}

func newPodInfoCache() *podInfoCache { return &podInfoCache{infos: map[types.UID]*podInfo{}} }

// get returns p's info, from the cache when p is the version cached.
func (c *podInfoCache) get(p *corev1.Pod) *podInfo {
	if c == nil {
		return newPodInfo(p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pi := c.infos[p.UID]; pi != nil && (pi.pod == p || p.ResourceVersion != "" && pi.pod.ResourceVersion == p.ResourceVersion && pi.pod.Spec.NodeName == p.Spec.NodeName) {
		return pi
	}
	pi := newPodInfo(p)
	c.infos[p.UID] = pi
	return pi
}

// forget drops a pod gone from the cluster.
func (c *podInfoCache) forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.infos, uid)
}
