package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podlab/podlab/internal/clientbin"
)

// The oldest kubectl podlab serves, 1.30, against a live lab: the few
// commands a learner starts with. 1.30 speaks SPDY for port-forward where
// 1.37 speaks WebSocket, so both protocols stay proven.
func TestKubectl130(t *testing.T) {
	bin := clientbin.Kubectl130(t)
	l := newLab(t)
	k := newKubectl(t, l, bin)

	manifest := writeTemp(t, "pods.yaml", `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: nginx
    image: nginx
    ports:
    - {name: http, containerPort: 80}
---
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; echo hello from 1.30; while true; do sleep 1; done"]
`)
	t.Run("apply", func(t *testing.T) {
		k.want(t, 0, "pod/web created\npod/talker created\n", "apply", "-f", manifest)
		k.want(t, 0, "pod/web unchanged\npod/talker unchanged\n", "apply", "-f", manifest)
	})
	l.waitRunning("web")
	l.waitRunning("talker")

	t.Run("version", func(t *testing.T) { kubectlVersion(t, k, "1.30") })
	t.Run("get-pods", func(t *testing.T) {
		for _, args := range [][]string{{"get", "pods"}, {"get", "pods", "-o", "wide"}} {
			kt := parseTable(t, k.okQuiet(t, args...))
			pt := parseTable(t, l.in(t).mustRun(args...))
			if strings.Join(kt.header, "|") != strings.Join(pt.header, "|") || len(kt.rows) != 2 || len(pt.rows) != 2 {
				t.Fatalf("kubectl 1.30 %v:\n%v\npodlab:\n%v", args, kt, pt)
			}
			for _, name := range []string{"web", "talker"} {
				kr, pr := kt.row(name), pt.row(name)
				for _, h := range kt.header {
					if h != "AGE" && kr[h] != pr[h] {
						t.Errorf("%v: %s's %s is %q in kubectl 1.30, %q in podlab", args, name, h, kr[h], pr[h])
					}
				}
				if kr["READY"] != "1/1" || kr["STATUS"] != "Running" {
					t.Errorf("%s: READY %s STATUS %s, want 1/1 Running", name, kr["READY"], kr["STATUS"])
				}
			}
		}
	})
	t.Run("exec", func(t *testing.T) {
		r := k.runWith(t, "typed in\n", nil, "exec", "-i", "talker", "--", "sh", "-c", "cat; exit 4")
		// client-go 1.30's WebSocket client may read the server's "session
		// is up" message (an empty one on stdout, which kube-apiserver sends
		// too) before it has made its streams, and logs that it dropped it:
		// a race of that client against any server, harmless.
		stderr := clientGo130Noise.ReplaceAllString(r.stderr, "")
		if r.code != 4 || r.stdout != "typed in\n" || stderr != "command terminated with exit code 4\n" {
			t.Errorf("exec -i with kubectl 1.30: %v", r)
		}
	})
	t.Run("logs", func(t *testing.T) {
		k.want(t, 0, "hello from 1.30\n", "logs", "talker")
	})
	t.Run("port-forward", func(t *testing.T) {
		pf := k.start(t, "port-forward", "pod/web", "0:http")
		_, first := pf.waitLine(t, 0, 30*time.Second, "Forwarding from", func(s string) bool { return strings.HasPrefix(s, "Forwarding from ") })
		m := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> 80$`).FindStringSubmatch(first.text)
		if m == nil {
			t.Fatalf("port-forward's first line %q", first.text)
		}
		hc := &http.Client{Timeout: 20 * time.Second}
		resp, err := hc.Get("http://127.0.0.1:" + m[1] + "/")
		if err != nil {
			t.Fatalf("GET through kubectl 1.30 port-forward: %v\nstderr: %s", err, pf.stderr())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "Welcome to nginx!") {
			t.Fatalf("GET: %s\n%s", resp.Status, body)
		}
		pf.interrupt()
		if code := pf.wait(t, 10*time.Second); code != 0 {
			t.Errorf("port-forward exit %d after ctrl-c\nstderr: %s", code, pf.stderr())
		}
	})
}

// clientGo130Noise is the line client-go 1.30 logs when the race above happens.
var clientGo130Noise = regexp.MustCompile(`(?m)^E\d{4} [\d:.]+ +\d+ websocket\.go:\d+\] Unknown stream id 1, discarding message\n`)
