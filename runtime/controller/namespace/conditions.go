package namespace

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// The conditions a terminating namespace carries, in upstream's order
// (pkg/controller/namespace/deletion/status_condition_utils.go). Each is
// True while something is wrong, else False with upstream's "all is well"
// reason and message, which `kubectl describe namespace` shows.
var conditionTypes = []corev1.NamespaceConditionType{
	corev1.NamespaceDeletionDiscoveryFailure,
	corev1.NamespaceDeletionGVParsingFailure,
	corev1.NamespaceDeletionContentFailure,
	corev1.NamespaceContentRemaining,
	corev1.NamespaceFinalizersRemaining,
}

var wellReasons = map[corev1.NamespaceConditionType][2]string{ // reason, message
	corev1.NamespaceDeletionDiscoveryFailure: {"ResourcesDiscovered", "All resources successfully discovered"},
	corev1.NamespaceDeletionGVParsingFailure: {"ParsedGroupVersions", "All legacy kube types successfully parsed"},
	corev1.NamespaceDeletionContentFailure:   {"ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	corev1.NamespaceContentRemaining:         {"ContentRemoved", "All content successfully removed"},
	corev1.NamespaceFinalizersRemaining:      {"ContentHasNoFinalizers", "All content-preserving finalizers finished"},
}

// conditions gathers what went wrong in one pass.
type conditions struct {
	bad           map[corev1.NamespaceConditionType]corev1.NamespaceCondition
	contentErrors []string
}

func (c *conditions) set(t corev1.NamespaceConditionType, reason, message string) {
	if c.bad == nil {
		c.bad = map[corev1.NamespaceConditionType]corev1.NamespaceCondition{}
	}
	c.bad[t] = corev1.NamespaceCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: message}
}

func (c *conditions) discoveryFailed(err error) {
	msg := err.Error()
	var groups *discovery.ErrGroupDiscoveryFailed
	if errors.As(err, &groups) {
		msg = fmt.Sprintf("Discovery failed for some groups, %d failing: %v", len(groups.Groups), err)
	}
	c.set(corev1.NamespaceDeletionDiscoveryFailure, "DiscoveryFailed", msg)
}

func (c *conditions) groupVersionFailed(err error) {
	c.set(corev1.NamespaceDeletionGVParsingFailure, "GroupVersionParsingFailed", err.Error())
}

func (c *conditions) contentFailed(err error) {
	c.contentErrors = append(c.contentErrors, err.Error())
}

// contentLeft reports the objects that remain, by resource and by finalizer.
func (c *conditions) contentLeft(remaining map[schema.GroupVersionResource]int, finalizers map[string]int) {
	if len(c.contentErrors) > 0 {
		msgs := append([]string(nil), c.contentErrors...)
		sort.Strings(msgs)
		c.set(corev1.NamespaceDeletionContentFailure, "ContentDeletionFailed",
			fmt.Sprintf("Failed to delete all resource types, %d remaining: %v", len(msgs), strings.Join(msgs, ", ")))
	}
	if len(remaining) > 0 {
		var parts []string
		for gvr, n := range remaining {
			// "pods. has 1 resource instances": upstream prints the empty core group too.
			parts = append(parts, fmt.Sprintf("%s.%s has %d resource instances", gvr.Resource, gvr.Group, n))
		}
		sort.Strings(parts) // a stable message, so an unchanged state writes nothing
		c.set(corev1.NamespaceContentRemaining, "SomeResourcesRemain", "Some resources are remaining: "+strings.Join(parts, ", "))
	}
	if len(finalizers) > 0 {
		var parts []string
		for f, n := range finalizers {
			parts = append(parts, fmt.Sprintf("%s in %d resource instances", f, n))
		}
		sort.Strings(parts)
		c.set(corev1.NamespaceFinalizersRemaining, "SomeFinalizersRemain",
			"Some content in the namespace has finalizers remaining: "+strings.Join(parts, ", "))
	}
}

// apply writes the pass's conditions into st and reports whether anything
// changed; lastTransitionTime moves only when a status flips.
func (c *conditions) apply(st *corev1.NamespaceStatus, now time.Time) bool {
	changed := false
	for _, t := range conditionTypes {
		want, ok := c.bad[t]
		if !ok {
			well := wellReasons[t]
			want = corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, Reason: well[0], Message: well[1]}
		}
		i := indexOf(st.Conditions, t)
		if i < 0 {
			want.LastTransitionTime = metav1.NewTime(now)
			st.Conditions = append(st.Conditions, want)
			changed = true
			continue
		}
		old := &st.Conditions[i]
		if old.Status == want.Status && old.Reason == want.Reason && old.Message == want.Message {
			continue
		}
		if old.Status != want.Status {
			old.LastTransitionTime = metav1.NewTime(now)
		}
		old.Status, old.Reason, old.Message = want.Status, want.Reason, want.Message
		changed = true
	}
	return changed
}

func indexOf(conds []corev1.NamespaceCondition, t corev1.NamespaceConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}
