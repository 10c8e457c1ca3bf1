package disruption

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// controllerAndScale is a pod's controller (the top one: a Deployment for
// the pods of its ReplicaSets) and its desired replicas.
type controllerAndScale struct {
	uid   types.UID
	scale int32
}

// finder looks for the controller a pod's controller reference names; nil
// when the reference is not of its kind or the controller is gone.
type finder func(ref *metav1.OwnerReference, namespace string) (*controllerAndScale, error)

// finders are upstream's, in its order: ReplicationController, Deployment
// (through its ReplicaSet), ReplicaSet (one no Deployment controls),
// StatefulSet. Upstream's last finder reads any other kind's scale
// subresource; the lab serves no other kind with one, so such pods fail
// the sync ("found no controllers").
func (c *Controller) finders() []finder {
	return []finder{c.replicationController, c.deployment, c.replicaSet, c.statefulSet}
}

// verifyGroupKind is upstream's: the reference is of kind in one of groups.
func verifyGroupKind(ref *metav1.OwnerReference, kind string, groups []string) (bool, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return false, err
	}
	if ref.Kind != kind {
		return false, nil
	}
	for _, g := range groups {
		if g == gv.Group {
			return true, nil
		}
	}
	return false, nil
}

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1 // the API defaults replicas to 1
	}
	return *p
}

func (c *Controller) replicationController(ref *metav1.OwnerReference, ns string) (*controllerAndScale, error) {
	if ok, err := verifyGroupKind(ref, "ReplicationController", []string{""}); !ok || err != nil {
		return nil, err
	}
	rc, err := c.rcs.ReplicationControllers(ns).Get(ref.Name)
	if err != nil || rc.UID != ref.UID { // not found is no controller
		return nil, nil
	}
	return &controllerAndScale{rc.UID, replicasOf(rc.Spec.Replicas)}, nil
}

// deployment finds the Deployment controlling the pod's ReplicaSet.
func (c *Controller) deployment(ref *metav1.OwnerReference, ns string) (*controllerAndScale, error) {
	if ok, err := verifyGroupKind(ref, "ReplicaSet", []string{"apps", "extensions"}); !ok || err != nil {
		return nil, err
	}
	rs, err := c.rss.ReplicaSets(ns).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil, nil
	}
	ref = metav1.GetControllerOf(rs)
	if ref == nil {
		return nil, nil
	}
	if ok, err := verifyGroupKind(ref, "Deployment", []string{"apps", "extensions"}); !ok || err != nil {
		return nil, err
	}
	d, err := c.deps.Deployments(ns).Get(ref.Name)
	if err != nil || d.UID != ref.UID {
		return nil, nil
	}
	return &controllerAndScale{d.UID, replicasOf(d.Spec.Replicas)}, nil
}

// replicaSet finds a ReplicaSet no Deployment controls.
func (c *Controller) replicaSet(ref *metav1.OwnerReference, ns string) (*controllerAndScale, error) {
	if ok, err := verifyGroupKind(ref, "ReplicaSet", []string{"apps", "extensions"}); !ok || err != nil {
		return nil, err
	}
	rs, err := c.rss.ReplicaSets(ns).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil, nil
	}
	if owner := metav1.GetControllerOf(rs); owner != nil && owner.Kind == "Deployment" {
		return nil, nil
	}
	return &controllerAndScale{rs.UID, replicasOf(rs.Spec.Replicas)}, nil
}

func (c *Controller) statefulSet(ref *metav1.OwnerReference, ns string) (*controllerAndScale, error) {
	if ok, err := verifyGroupKind(ref, "StatefulSet", []string{"apps"}); !ok || err != nil {
		return nil, err
	}
	ss, err := c.sss.StatefulSets(ns).Get(ref.Name)
	if err != nil || ss.UID != ref.UID {
		return nil, nil
	}
	return &controllerAndScale{ss.UID, replicasOf(ss.Spec.Replicas)}, nil
}

// expectedScale is upstream's getExpectedScale: the desired replicas of
// the pods' controllers, each counted once; pods without a controller are
// unmanaged and left out; a pod whose controller no finder finds fails.
func (c *Controller) expectedScale(pods []*corev1.Pod) (int32, bool, error) {
	unmanaged := false
	scales := map[types.UID]int32{}
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			unmanaged = true
			continue
		}
		if _, seen := scales[ref.UID]; seen {
			continue
		}
		found := false
		for _, find := range c.finders() {
			cs, err := find(ref, pod.Namespace)
			if err != nil {
				return 0, unmanaged, err
			}
			if cs != nil {
				scales[cs.uid] = cs.scale
				found = true
				break
			}
		}
		if !found {
			return 0, unmanaged, fmt.Errorf("found no controllers for pod %q", pod.Name)
		}
	}
	var expected int32
	for _, n := range scales {
		expected += n
	}
	return expected, unmanaged, nil
}
