package e2e

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/podlab/podlab/internal/clientbin"
)

// The workload and Service APIs through the real kubectl 1.37, as a
// cluster answers them before any of their controllers run: what kubectl
// creates, applies, lists, scales and discovers. No controller runs yet,
// so the deployment has no replica sets and the job no pods.

const workloadManifests = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: busybox
        command: ["sh", "-c", "echo 3.14"]
`

func TestKubectlWorkloadAPIs(t *testing.T) {
	bin := clientbin.Kubectl(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)

	t.Run("create-deployment-dry-run", func(t *testing.T) {
		out := k.okQuiet(t, "create", "deployment", "web", "--image=nginx", "--replicas=2", "--dry-run=server", "-o", "yaml")
		mustContain(t, "kubectl create deployment --dry-run=server -o yaml", out,
			"apiVersion: apps/v1\n", "kind: Deployment\n", "  generation: 1\n", "    app: web\n",
			"  progressDeadlineSeconds: 600\n", "  replicas: 2\n", "  revisionHistoryLimit: 10\n",
			"      maxSurge: 25%\n", "      maxUnavailable: 25%\n", "    type: RollingUpdate\n",
			"      dnsPolicy: ClusterFirst\n", "      restartPolicy: Always\n", "      schedulerName: default-scheduler\n",
			"        terminationMessagePath: /dev/termination-log\n", "        imagePullPolicy: Always\n", "status: {}\n")
		if strings.Contains(out, "enableServiceLinks") {
			t.Errorf("a pod template got the Pod-only enableServiceLinks:\n%s", out)
		}
		k.notFound(t, "deployments.apps", "web")
	})

	t.Run("apply", func(t *testing.T) {
		out := k.applyFile(t, "workloads.yaml", workloadManifests)
		if want := "service/web created\ndeployment.apps/web created\njob.batch/pi created\n"; out != want {
			t.Fatalf("kubectl apply printed\n%s\nwant\n%s", out, want)
		}
		// The job's selector and pod labels, generated from its uid.
		uid := k.jsonpath(t, "{.metadata.uid}", "job", "pi")
		sel := k.jsonpath(t, "{.spec.selector.matchLabels}", "job", "pi")
		if sel != `{"batch.kubernetes.io/controller-uid":"`+uid+`"}` {
			t.Errorf("job selector %s, want the controller-uid %s", sel, uid)
		}
		got := k.jsonpath(t, `{.spec.template.metadata.labels.job-name} {.spec.template.metadata.labels.batch\.kubernetes\.io/controller-uid} {.spec.backoffLimit} {.spec.completionMode} {.spec.podReplacementPolicy}`, "job", "pi")
		if want := "pi " + uid + " 6 NonIndexed TerminatingOrFailed"; got != want {
			t.Errorf("job fields %q, want %q", got, want)
		}
		// Applying again changes nothing.
		if out := k.applyFile(t, "workloads.yaml", workloadManifests); out != "service/web unchanged\ndeployment.apps/web unchanged\njob.batch/pi unchanged\n" {
			t.Errorf("second apply printed\n%s", out)
		}
	})

	t.Run("get-all", func(t *testing.T) {
		// One section per kind, in kube-apiserver's order; the controllers
		// add the pods and the replica set they made.
		out := k.okQuiet(t, "get", "all")
		byKind := map[string]table{}
		var kinds []string
		for _, sec := range strings.Split(strings.TrimRight(out, "\n"), "\n\n") {
			tb := parseTable(t, sec)
			if len(tb.rows) == 0 {
				t.Fatalf("an empty section in kubectl get all:\n%s", out)
			}
			kind, _, _ := strings.Cut(tb.rows[0][0], "/")
			byKind[kind] = tb
			kinds = append(kinds, kind)
		}
		if got := strings.Join(kinds, " "); got != "pod service deployment.apps replicaset.apps job.batch" {
			t.Fatalf("kubectl get all lists %s, want pods, services, deployments, replica sets and jobs in that order:\n%s", got, out)
		}
		svc, deploy, job := byKind["service"], byKind["deployment.apps"], byKind["job.batch"]
		if got := strings.Join(svc.header, " "); got != "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" {
			t.Errorf("services header %s", got)
		}
		if r := svc.row("service/kubernetes"); r == nil || r["CLUSTER-IP"] != "10.96.0.1" || r["PORT(S)"] != "443/TCP" || r["TYPE"] != "ClusterIP" {
			t.Errorf("service/kubernetes row %v", r)
		}
		if r := svc.row("service/web"); r == nil || r["PORT(S)"] != "80/TCP" || r["EXTERNAL-IP"] != "<none>" {
			t.Errorf("service/web row %v", r)
		}
		if got := strings.Join(deploy.header, " "); got != "NAME READY UP-TO-DATE AVAILABLE AGE" {
			t.Errorf("deployments header %s", got)
		}
		if r := deploy.row("deployment.apps/web"); r == nil || !strings.HasSuffix(r["READY"], "/2") {
			t.Errorf("deployment row %v", r)
		}
		if got := strings.Join(job.header, " "); got != "NAME STATUS COMPLETIONS DURATION AGE" {
			t.Errorf("jobs header %s", got)
		}
		// The job may already have completed: Running 0/1 or Complete 1/1,
		// and a DURATION either way (it has started).
		if r := job.row("job.batch/pi"); r == nil || !(r["STATUS"] == "Running" && r["COMPLETIONS"] == "0/1" || r["STATUS"] == "Complete" && r["COMPLETIONS"] == "1/1") || r["DURATION"] == "" {
			t.Errorf("job row %v", r)
		}
	})

	t.Run("get-svc-wide", func(t *testing.T) {
		tb := parseTable(t, k.okQuiet(t, "get", "svc", "-o", "wide"))
		if got := strings.Join(tb.header, " "); got != "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE SELECTOR" {
			t.Fatalf("header %s", got)
		}
		web := tb.row("web")
		if web == nil || web["SELECTOR"] != "app=web" || web["TYPE"] != "ClusterIP" {
			t.Fatalf("web row %v", web)
		}
		ip, err := netip.ParseAddr(web["CLUSTER-IP"])
		if err != nil || !netip.MustParsePrefix("10.96.0.0/16").Contains(ip) || web["CLUSTER-IP"] == "10.96.0.1" {
			t.Errorf("web's cluster IP %q is not one of 10.96.0.0/16 for it", web["CLUSTER-IP"])
		}
		if r := tb.row("kubernetes"); r == nil || r["SELECTOR"] != "<none>" {
			t.Errorf("kubernetes row %v", r)
		}
		got := k.jsonpath(t, "{.spec.ipFamilyPolicy} {.spec.ipFamilies} {.spec.sessionAffinity} {.spec.internalTrafficPolicy} {.spec.ports[0].protocol} {.spec.ports[0].targetPort}", "svc", "web")
		if want := `SingleStack ["IPv4"] None Cluster TCP 80`; got != want {
			t.Errorf("service defaults %q, want %q", got, want)
		}
	})

	t.Run("scale", func(t *testing.T) {
		k.want(t, 0, "deployment.apps/web scaled\n", "scale", "deployment", "web", "--replicas=3")
		if got := k.jsonpath(t, "{.spec.replicas} {.metadata.generation}", "deployment", "web"); got != "3 2" {
			t.Errorf("after kubectl scale: replicas and generation %q, want 3 2", got)
		}
		tb := parseTable(t, k.okQuiet(t, "get", "deployment", "web", "--subresource=scale"))
		if r := tb.row("web"); strings.Join(tb.header, " ") != "NAME DESIRED AVAILABLE AGE" || r == nil || r["DESIRED"] != "3" {
			t.Errorf("get --subresource=scale: %v %v", tb.header, r)
		}
	})

	t.Run("api-resources", func(t *testing.T) {
		tb := parseTable(t, k.okQuiet(t, "api-resources", "-o", "wide"))
		const all = "create,delete,deletecollection,get,list,patch,update,watch"
		for _, want := range []string{
			"services|svc|v1|true|Service|" + all + "|all",
			"endpoints|ep|v1|true|Endpoints|" + all + "|",
			"replicationcontrollers|rc|v1|true|ReplicationController|" + all + "|all",
			"deployments|deploy|apps/v1|true|Deployment|" + all + "|all",
			"replicasets|rs|apps/v1|true|ReplicaSet|" + all + "|all",
			"daemonsets|ds|apps/v1|true|DaemonSet|" + all + "|all",
			"statefulsets|sts|apps/v1|true|StatefulSet|" + all + "|all",
			"controllerrevisions||apps/v1|true|ControllerRevision|" + all + "|",
			"jobs||batch/v1|true|Job|" + all + "|all",
			"cronjobs|cj|batch/v1|true|CronJob|" + all + "|all",
			"endpointslices||discovery.k8s.io/v1|true|EndpointSlice|" + all + "|",
		} {
			name, _, _ := strings.Cut(want, "|")
			row := tb.row(name)
			if row == nil {
				t.Errorf("api-resources lists no %s", name)
				continue
			}
			var cells []string
			for _, h := range tb.header {
				cells = append(cells, row[h])
			}
			if got := strings.Join(cells, "|"); got != want {
				t.Errorf("api-resources row\n  %s\nwant\n  %s", got, want)
			}
		}
		if out := k.okQuiet(t, "api-versions"); !strings.Contains(out, "apps/v1\n") || !strings.Contains(out, "batch/v1\n") || !strings.Contains(out, "discovery.k8s.io/v1\n") {
			t.Errorf("api-versions:\n%s", out)
		}
	})

	t.Run("delete", func(t *testing.T) {
		// kubectl deletes in the background: no orphaning finalizer, gone at once.
		k.want(t, 0, "job.batch \"pi\" deleted from default namespace\n", "delete", "job", "pi")
		k.notFound(t, "jobs.batch", "pi")
		k.want(t, 0, "service \"web\" deleted from default namespace\n", "delete", "svc", "web")
		r := k.run(t, "get", "endpoints")
		mustContain(t, "the Endpoints deprecation warning", r.stderr, "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
	})
}
