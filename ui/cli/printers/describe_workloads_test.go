package printers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/podlab/podlab/runtime/api"
)

func webTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "pod-template-hash": "7d4b9c"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "nginx", Image: "nginx", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
		}}, Volumes: []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}},
	}
}

func owned(kind, name, uid string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: k8stypes.UID("uid-" + uid), Controller: ptr(true)}}
}

func podIn(name, owner string, phase corev1.PodPhase) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}}, Status: corev1.PodStatus{Phase: phase}}
	if owner != "" {
		p.OwnerReferences = owned("ReplicaSet", "web-7d4b9c", owner)
	}
	return p
}

// The pages of kubectl's Service, Endpoints, EndpointSlice, Deployment,
// ReplicaSet, ReplicationController, DaemonSet, StatefulSet, Job and
// CronJob describers.
func TestDescribeServicesAndWorkloads(t *testing.T) {
	single := corev1.IPFamilyPolicySingleStack
	cluster := corev1.ServiceInternalTrafficPolicyCluster
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeLoadBalancer, Selector: map[string]string{"app": "web"}, ClusterIP: "10.96.0.12", ClusterIPs: []string{"10.96.0.12"},
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol}, IPFamilyPolicy: &single, SessionAffinity: corev1.ServiceAffinityNone,
			ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster, InternalTrafficPolicy: &cluster,
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), NodePort: 31234, Protocol: corev1.ProtocolTCP},
				{Name: "metrics", Port: 9090, TargetPort: intstr.FromInt32(9090), NodePort: 31235, Protocol: corev1.ProtocolTCP},
			},
		},
	}
	tcp := corev1.ProtocolTCP
	slice := discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-x7k2p", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(80)), Protocol: &tcp}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.244.1.5"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)}, NodeName: ptr("node-1"),
				TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: "web-7d4b9c-a"}},
			{Addresses: []string{"10.244.2.6"}, Conditions: discoveryv1.EndpointConditions{Ready: ptr(false)}, NodeName: ptr("node-2")},
		},
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Subsets: []corev1.EndpointSubset{{
		Addresses: []corev1.EndpointAddress{{IP: "10.244.1.5"}}, NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.244.2.6"}},
		Ports: []corev1.EndpointPort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
	}}}
	maxU, maxS := intstr.FromString("25%"), intstr.FromString("25%")
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-dep", CreationTimestamp: ago(10 * time.Minute),
			Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"deployment.kubernetes.io/revision": "2"}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr(int32(2)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: webTemplate(), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: &maxU, MaxSurge: &maxS}}},
		Status: appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2, Conditions: []appsv1.DeploymentCondition{
			{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable"},
			{Type: appsv1.DeploymentProgressing, Status: corev1.ConditionTrue, Reason: "NewReplicaSetAvailable"},
		}},
	}
	newRS := appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-7d4b9c", Namespace: "default", UID: "uid-rs", Labels: map[string]string{"app": "web", "pod-template-hash": "7d4b9c"},
			OwnerReferences: owned("Deployment", "web", "dep")},
		Spec:   appsv1.ReplicaSetSpec{Replicas: ptr(int32(2)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "pod-template-hash": "7d4b9c"}}, Template: webTemplate()},
		Status: appsv1.ReplicaSetStatus{Replicas: 2},
	}
	oldRS := appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5f8d6a"}, Spec: appsv1.ReplicaSetSpec{Replicas: ptr(int32(0))}}
	pods := []corev1.Pod{podIn("a", "rs", corev1.PodRunning), podIn("b", "rs", corev1.PodPending), podIn("stray", "", corev1.PodRunning), podIn("c", "other", corev1.PodFailed)}
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "legacy", Namespace: "default", UID: "uid-rc"},
		Spec:   corev1.ReplicationControllerSpec{Replicas: ptr(int32(1)), Selector: map[string]string{"app": "legacy"}, Template: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox", Command: []string{"sleep", "3600"}}}}}},
		Status: corev1.ReplicationControllerStatus{Replicas: 1}}
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system"},
		Spec:   appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}}, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "busybox"}}, Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}}},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, UpdatedNumberScheduled: 2, NumberAvailable: 1}}
	ss := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default", CreationTimestamp: ago(time.Hour)},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr(int32(3)), ServiceName: "db", PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType, RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr(int32(0))}},
			Template:       corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "db", Image: "busybox"}}}}},
		Status: appsv1.StatefulSetStatus{Replicas: 1}}
	nonIndexed := batchv1.NonIndexedCompletion
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec: batchv1.JobSpec{Parallelism: ptr(int32(1)), Completions: ptr(int32(1)), CompletionMode: &nonIndexed, Suspend: ptr(false), BackoffLimit: ptr(int32(6)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "3c1e"}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "pi", Image: "busybox"}}}}},
		Status: batchv1.JobStatus{StartTime: agoPtr(time.Minute), CompletionTime: agoPtr(30 * time.Second), Succeeded: 1, Ready: ptr(int32(0))}}
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: batchv1.CronJobSpec{Schedule: "*/1 * * * *", ConcurrencyPolicy: batchv1.AllowConcurrent, Suspend: ptr(false),
			SuccessfulJobsHistoryLimit: ptr(int32(3)), FailedJobsHistoryLimit: ptr(int32(1)),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "hello", Image: "busybox"}}}}}}},
		Status: batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "hello-29000"}}}}

	var buf bytes.Buffer
	for _, c := range []struct {
		cmd string
		obj api.Object
		rel *Related
	}{
		{"kubectl describe svc web", svc, &Related{EndpointSlices: []discoveryv1.EndpointSlice{slice}}},
		{"kubectl describe endpoints web", ep, nil},
		{"kubectl describe endpointslice web-x7k2p", &slice, nil},
		{"kubectl describe deploy web", dep, &Related{OldReplicaSets: []appsv1.ReplicaSet{oldRS}, NewReplicaSet: &newRS}},
		{"kubectl describe rs web-7d4b9c", &newRS, &Related{Pods: pods}},
		{"kubectl describe rc legacy", rc, nil},
		{"kubectl describe ds agent", ds, nil},
		{"kubectl describe sts db", ss, nil},
		{"kubectl describe job pi", job, nil},
		{"kubectl describe cronjob hello", cj, nil},
	} {
		buf.WriteString("$ " + c.cmd + "\n")
		if err := Describe(&buf, c.obj, nil, c.rel, now); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "describe-workloads", buf.Bytes())
	// The facts the page is made of, beside the golden file (runs of
	// spaces, the tab writer's padding, read as one).
	out := strings.Join(strings.FieldsFunc(buf.String(), func(r rune) bool { return r == ' ' }), " ")
	for _, want := range []string{
		"Endpoints: 10.244.1.5:80\n",                                    // only ready endpoints, of the port's name
		"NodePort: metrics 31235/TCP\nEndpoints: \n",                    // no slice port of the name: empty, as kubectl's
		"Pods Status: 1 Running / 1 Waiting / 0 Succeeded / 0 Failed\n", // owned pods only
		"OldReplicaSets: web-5f8d6a (0/0 replicas created)\n",
		"NewReplicaSet: web-7d4b9c (2/2 replicas created)\n",
		"Containers:\n nginx:\n", // a template's container one space further in
		"Pods Statuses: 0 Active (0 Ready) / 1 Succeeded / 0 Failed\n",
		"Duration: 30s\n",
		"Active Jobs: hello-29000\n",
		"Desired Number of Nodes Scheduled: 2\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}
