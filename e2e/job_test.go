package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/internal/clientbin"
)

func jobManifest(name, command string, completions, parallelism, backoffLimit int) string {
	return fmt.Sprintf(`apiVersion: batch/v1
kind: Job
metadata:
  name: %s
spec:
  completions: %d
  parallelism: %d
  backoffLimit: %d
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox:1.35
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", %q]
`, name, completions, parallelism, backoffLimit, command)
}

// getJob reads a job through `podlab get job -o json`.
func (l *lab) getJob(name string) batchv1.Job {
	l.t.Helper()
	var j batchv1.Job
	out := l.mustRun("get", "job", name, "-o", "json")
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		l.t.Fatalf("decoding job: %v\n%s", err, out)
	}
	return j
}

// waitJobCondition polls until the job has the condition type true.
func (l *lab) waitJobCondition(name string, typ batchv1.JobConditionType) batchv1.Job {
	l.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		j := l.getJob(name)
		for _, c := range j.Status.Conditions {
			if c.Type == typ && c.Status == corev1.ConditionTrue {
				return j
			}
		}
		if time.Now().After(deadline) {
			pods, _, _ := l.run("get", "pods", "-o", "wide")
			l.t.Fatalf("job %s never %s: %+v\n%s", name, typ, j.Status, pods)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// jobPods lists the pods of a job (batch.kubernetes.io/job-name).
func (l *lab) jobPods(name string) []corev1.Pod {
	l.t.Helper()
	out := l.mustRun("get", "pods", "-l", "batch.kubernetes.io/job-name="+name, "-o", "json")
	var list corev1.PodList
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		l.t.Fatalf("decoding pods: %v\n%s", err, out)
	}
	return list.Items
}

func conditionOf(j batchv1.Job, typ batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == typ {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

// Jobs on the real engine: completions 3 in parallel pairs complete with 3
// succeeded pods; a failing command with backoffLimit 1 fails after two
// pods; real kubectl lists and describes them as upstream.
func TestJobs(t *testing.T) {
	l := newLab(t)
	mustContain(t, "apply", l.apply("ok.yaml", jobManifest("ok", "echo done", 3, 2, 6)), "job.batch/ok created")
	mustContain(t, "apply", l.apply("bad.yaml", jobManifest("bad", "echo failing; exit 3", 1, 1, 1)), "job.batch/bad created")
	// OnFailure: the kubelet restarts the container in place; the restarts
	// count against backoffLimit. ttlSecondsAfterFinished 600 (30 s scaled)
	// then deletes the failed job.
	onFailure := strings.Replace(jobManifest("retry", "exit 3", 1, 1, 2), "restartPolicy: Never", "restartPolicy: OnFailure", 1)
	onFailure = strings.Replace(onFailure, "  backoffLimit: 2\n", "  backoffLimit: 2\n  ttlSecondsAfterFinished: 600\n", 1)
	l.apply("retry.yaml", onFailure)

	ok := l.waitJobCondition("ok", batchv1.JobComplete)
	if ok.Status.Succeeded != 3 || ok.Status.Failed != 0 || ok.Status.Active != 0 || ok.Status.CompletionTime == nil {
		t.Errorf("job ok status %+v, want 3 succeeded and a completion time", ok.Status)
	}
	if c := conditionOf(ok, batchv1.JobComplete); c.Reason != "CompletionsReached" || c.Message != "Reached expected number of succeeded pods" {
		t.Errorf("Complete condition %+v", c)
	}
	if conditionOf(ok, batchv1.JobSuccessCriteriaMet) == nil {
		t.Errorf("conditions %+v, want SuccessCriteriaMet before Complete", ok.Status.Conditions)
	}
	pods := l.jobPods("ok")
	if len(pods) != 3 {
		t.Fatalf("job ok has %d pods, want 3", len(pods))
	}
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded || !strings.HasPrefix(p.Name, "ok-") || len(p.Name) != len("ok-")+5 {
			t.Errorf("pod %s: %s, want Succeeded and named ok-xxxxx", p.Name, p.Status.Phase)
		}
		if len(p.Finalizers) != 0 {
			t.Errorf("pod %s kept finalizers %v", p.Name, p.Finalizers)
		}
	}
	l.waitLogs(pods[0].Name, "work", "done")

	bad := l.waitJobCondition("bad", batchv1.JobFailed)
	if c := conditionOf(bad, batchv1.JobFailed); c.Reason != "BackoffLimitExceeded" || c.Message != "Job has reached the specified backoff limit" {
		t.Errorf("Failed condition %+v", c)
	}
	if bad.Status.Failed != 2 || bad.Status.Succeeded != 0 || conditionOf(bad, batchv1.JobFailureTarget) == nil {
		t.Errorf("job bad status %+v, want 2 failed and FailureTarget", bad.Status)
	}
	if pods := l.jobPods("bad"); len(pods) != 2 {
		t.Errorf("job bad has %d pods, want 2", len(pods))
	} else {
		for _, p := range pods {
			if p.Status.Phase != corev1.PodFailed {
				t.Errorf("pod %s is %s, want Failed", p.Name, p.Status.Phase)
			}
		}
	}

	retry := l.waitJobCondition("retry", batchv1.JobFailed)
	if c := conditionOf(retry, batchv1.JobFailed); c.Reason != "BackoffLimitExceeded" || retry.Status.Failed != 1 {
		t.Errorf("job retry: %+v, want BackoffLimitExceeded after restarts of its one pod", retry.Status)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, _, code := l.run("get", "job", "retry"); code != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("job retry not deleted after its ttlSecondsAfterFinished")
		}
		time.Sleep(300 * time.Millisecond)
	}

	k := newKubectl(t, l, clientbin.Kubectl(t))
	tb := parseTable(t, k.ok(t, "get", "jobs"))
	if row := tb.row("ok"); row == nil || row["STATUS"] != "Complete" || row["COMPLETIONS"] != "3/3" {
		t.Errorf("kubectl get jobs, ok: %v", row)
	}
	if row := tb.row("bad"); row == nil || row["STATUS"] != "Failed" || row["COMPLETIONS"] != "0/1" {
		t.Errorf("kubectl get jobs, bad: %v", row)
	}
	mustContain(t, "kubectl describe job ok", k.ok(t, "describe", "job", "ok"),
		"Pods Statuses:    0 Active (0 Ready) / 3 Succeeded / 0 Failed", "SuccessfulCreate", "Created pod: ok-", "Completed", "Job completed")
	mustContain(t, "kubectl describe job bad", k.ok(t, "describe", "job", "bad"),
		"BackoffLimitExceeded", "Job has reached the specified backoff limit")
	mustContain(t, "kubectl wait", k.ok(t, "wait", "--for=condition=complete", "job/ok", "--timeout=10s"), "job.batch/ok condition met")

	// Deleted in the background, the job's pods go with it.
	k.ok(t, "delete", "job", "ok", "--cascade=background")
	deadline = time.Now().Add(60 * time.Second)
	for len(l.jobPods("ok")) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("pods of the deleted job ok remain: %v", podNames(l.jobPods("ok")))
		}
		time.Sleep(300 * time.Millisecond)
	}
}
