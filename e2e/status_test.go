package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// A pod's life as the watch shows it: ContainerCreating before the sandbox
// is up, Running, and on delete a terminal phase (Failed: its shell ignored
// SIGTERM and was killed, 137) before it goes. Its env comes from a Secret
// written with stringData, which the API server keeps as data.
func TestPodStatusFromCreationToDeletion(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	watch := exec.CommandContext(ctx, l.bin, "get", "pods", "-w", "-o", "json")
	watch.Env = l.env()
	var out bytes.Buffer
	watch.Stdout = &out
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	l.apply("life.yaml", `
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: life}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo PASS=$PASSWORD; sleep 3600"]
    env:
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: db, key: password}}
`)
	l.waitRunning("life")
	l.waitLogs("life", "app", "PASS=s3cret")
	secret := l.mustRun("get", "secret", "db", "-o", "jsonpath={.data.password}|{.stringData}")
	if secret != "czNjcmV0|" {
		t.Fatalf("the secret as stored: %q, want its data and no stringData", secret)
	}
	l.mustRun("delete", "pod", "life")
	time.Sleep(500 * time.Millisecond)
	cancel()
	watch.Wait()

	text := out.String()
	var creating, running, terminal bool
	dec := json.NewDecoder(strings.NewReader(text))
	for {
		var p corev1.Pod
		if err := dec.Decode(&p); err != nil {
			break
		}
		for _, cs := range p.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil && w.Reason == "ContainerCreating" && !running {
				creating = true
			}
		}
		if p.Status.Phase == corev1.PodRunning {
			running = true
		}
		if p.DeletionTimestamp != nil && p.Status.Phase == corev1.PodFailed {
			if cs := containerStatus(&p, "app"); cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 137 {
				t.Fatalf("terminal status of the deleted pod: %+v", cs.State)
			}
			terminal = true
		}
	}
	if !creating || !running || !terminal {
		t.Fatalf("watch saw ContainerCreating %v, Running %v, Failed before removal %v:\n%s", creating, running, terminal, text[:min(len(text), 2000)])
	}
}
