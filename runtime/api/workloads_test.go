package api

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestServiceDefaults(t *testing.T) {
	s := &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}, {Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}}}}
	SetDefaults(s)
	sp := s.Spec
	if sp.Type != corev1.ServiceTypeClusterIP || sp.SessionAffinity != corev1.ServiceAffinityNone || *sp.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster ||
		sp.ExternalTrafficPolicy != "" || sp.Ports[0].Protocol != corev1.ProtocolTCP || sp.Ports[0].TargetPort != intstr.FromInt32(80) ||
		sp.Ports[1].TargetPort != intstr.FromString("dns") || sp.IPFamilyPolicy != nil || s.APIVersion != "v1" || s.Kind != "Service" {
		t.Errorf("service defaults %+v", s)
	}
	lb := &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, SessionAffinity: corev1.ServiceAffinityClientIP}}
	SetDefaults(lb)
	if lb.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster || !*lb.Spec.AllocateLoadBalancerNodePorts ||
		*lb.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds != 10800 {
		t.Errorf("load balancer defaults %+v", lb.Spec)
	}
}

// A Job copies its template's labels (the very map) when it has none; a
// CronJob's job template gets no Job defaults.
func TestJobDefaults(t *testing.T) {
	j := &batchv1.Job{Spec: batchv1.JobSpec{Completions: ptr(int32(5)), Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "pi"}}}}}
	SetDefaults(j)
	if *j.Spec.Parallelism != 1 || *j.Spec.Completions != 5 || *j.Spec.BackoffLimit != 6 || j.Labels["app"] != "pi" || j.APIVersion != "batch/v1" {
		t.Errorf("job defaults %+v", j)
	}
	j.Spec.Template.Labels["job-name"] = "pi"
	if j.Labels["job-name"] != "pi" {
		t.Errorf("the job's labels are a copy of the template's, not the same map as upstream's")
	}
	c := &batchv1.CronJob{}
	SetDefaults(c)
	if c.Spec.JobTemplate.Spec.BackoffLimit != nil || c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("job template of a cron job: %+v", c.Spec.JobTemplate.Spec)
	}
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}}
	SetDefaults(d)
	if d.Spec.Strategy.RollingUpdate != nil || *d.Spec.Replicas != 1 {
		t.Errorf("a Recreate deployment got %+v", d.Spec.Strategy)
	}
}

// Cron schedules are checked as robfig/cron's ParseStandard checks them,
// with its messages.
func TestParseCronSchedule(t *testing.T) {
	for _, ok := range []string{"* * * * *", "*/5 * * * *", "0 3 * * 1-5", "0 0 1,15 * *", "30 4 * jan,jul sun", "@hourly", "@every 90s", "CRON_TZ=UTC 0 3 * * *", "0 0 ? * *"} {
		if err := ParseCronSchedule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for spec, want := range map[string]string{
		"":              "empty spec string",
		"* * *":         "expected exactly 5 fields, found 3: [* * *]",
		"60 * * * *":    "end of range (60) above maximum (59): 60",
		"* * 0 * *":     "beginning of range (0) below minimum (1): 0",
		"5-1 * * * *":   "beginning of range (5) beyond end of range (1): 5-1",
		"*/0 * * * *":   "step of range should be a positive number: */0",
		"x * * * *":     "failed to parse int from x: ",
		"1-2-3 * * * *": "too many hyphens: 1-2-3",
		"@sometimes":    "unrecognized descriptor: @sometimes",
	} {
		if err := ParseCronSchedule(spec); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v, want %q", spec, err, want)
		}
	}
}

func TestLookupQualified(t *testing.T) {
	for name, want := range map[string]string{"deploy": "deployments", "deployments.apps": "deployments", "rs.apps": "replicasets", "svc": "services", "ep": "endpoints", "cj": "cronjobs", "Job": "jobs", "endpointslices.discovery.k8s.io": "endpointslices"} {
		if r, ok := Lookup(name); !ok || r.Name != want {
			t.Errorf("Lookup(%q) = %s, %v; want %s", name, r.Name, ok, want)
		}
	}
	if _, ok := Lookup("deployments.batch"); ok {
		t.Errorf("deployments.batch found")
	}
}
