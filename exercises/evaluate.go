package exercises

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// Evaluator evaluates checks against the lab through its API. It remembers
// since when each "for" check has held, so re-evaluating it over time
// answers whether it stayed true long enough.
type Evaluator struct {
	Client client.Interface
	Now    func() time.Time

	mu    sync.Mutex
	since map[string]time.Time
}

// NewEvaluator returns an evaluator using cl.
func NewEvaluator(cl client.Interface) *Evaluator {
	return &Evaluator{Client: cl, Now: time.Now, since: map[string]time.Time{}}
}

func ns(n string) string {
	if n == "" {
		return api.DefaultNamespace
	}
	return n
}

// Eval reports whether the check holds now, and if not, why (for hints).
// key identifies the check across evaluations (for "for").
func (e *Evaluator) Eval(ctx context.Context, key string, c Check) (bool, string) {
	ok, why := e.eval(ctx, key, c)
	if c.For == "" {
		return ok, why
	}
	d, _ := time.ParseDuration(c.For)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !ok {
		delete(e.since, key)
		return false, why
	}
	start, seen := e.since[key]
	if !seen {
		start = e.Now()
		e.since[key] = start
	}
	if held := e.Now().Sub(start); held < d {
		return false, fmt.Sprintf("holds, but only for %s of %s so far", held.Round(time.Second), d)
	}
	return true, ""
}

func (e *Evaluator) eval(ctx context.Context, key string, c Check) (bool, string) {
	switch {
	case len(c.All) > 0:
		for i, sub := range c.All {
			if ok, why := e.Eval(ctx, key+"/all"+strconv.Itoa(i), sub); !ok {
				return false, why
			}
		}
		return true, ""
	case len(c.Any) > 0:
		var whys []string
		for i, sub := range c.Any {
			ok, why := e.Eval(ctx, key+"/any"+strconv.Itoa(i), sub)
			if ok {
				return true, ""
			}
			whys = append(whys, why)
		}
		return false, strings.Join(whys, "; or ")
	case c.Not != nil:
		if ok, _ := e.Eval(ctx, key+"/not", *c.Not); ok {
			return false, "the opposite holds"
		}
		return true, ""
	case c.Exists != nil:
		_, err := e.get(ctx, *c.Exists)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	case c.Absent != nil:
		_, err := e.get(ctx, *c.Absent)
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		if err != nil {
			return false, err.Error()
		}
		return false, fmt.Sprintf("%s %s still exists", strings.ToLower(c.Absent.Kind), c.Absent.Name)
	case c.Pod != nil:
		return e.evalPod(ctx, *c.Pod)
	case c.Event != nil:
		return e.evalEvent(ctx, *c.Event)
	case c.Exec != nil:
		return e.evalExec(ctx, *c.Exec)
	case c.Logs != nil:
		return e.evalLogs(ctx, *c.Logs)
	case c.Field != nil:
		return e.evalField(ctx, *c.Field)
	case c.HTTP != nil:
		// wget exits non-zero on a connection error or an HTTP error status.
		zero := 0
		return e.evalExec(ctx, ExecCheck{Pod: c.HTTP.From, Namespace: c.HTTP.Namespace, Container: c.HTTP.Container,
			Command: []string{"wget", "-q", "-T", "5", "-O", "-", c.HTTP.URL}, Output: c.HTTP.Body, ExitCode: &zero})
	}
	return false, "empty check"
}

func (e *Evaluator) get(ctx context.Context, ref ObjectRef) (api.Object, error) {
	res, ok := api.Lookup(ref.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown kind %s", ref.Kind)
	}
	return e.Client.Get(ctx, res, ns(ref.Namespace), ref.Name)
}

func (e *Evaluator) evalPod(ctx context.Context, pc PodCheck) (bool, string) {
	var pods []*corev1.Pod
	if pc.Name != "" {
		o, err := e.Client.Get(ctx, api.Pods, ns(pc.Namespace), pc.Name)
		if err != nil {
			return false, err.Error()
		}
		pods = append(pods, o.(*corev1.Pod))
	} else {
		sel, err := labels.Parse(pc.Selector)
		if err != nil {
			return false, err.Error()
		}
		objs, _, err := e.Client.List(ctx, api.Pods, ns(pc.Namespace), metav1.ListOptions{LabelSelector: sel.String()})
		if err != nil {
			return false, err.Error()
		}
		for _, o := range objs {
			pods = append(pods, o.(*corev1.Pod))
		}
		if len(pods) == 0 {
			return false, fmt.Sprintf("no pod matches %s", pc.Selector)
		}
	}
	var why string
	for _, p := range pods {
		ok, w := e.podMatches(ctx, p, pc)
		if ok {
			return true, ""
		}
		why = w
	}
	return false, why
}

func (e *Evaluator) podMatches(ctx context.Context, p *corev1.Pod, pc PodCheck) (bool, string) {
	if pc.Phase != "" && string(p.Status.Phase) != pc.Phase {
		return false, fmt.Sprintf("pod %s is %s, not %s", p.Name, p.Status.Phase, pc.Phase)
	}
	if pc.Ready != nil {
		ready := false
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				ready = c.Status == corev1.ConditionTrue
			}
		}
		if ready != *pc.Ready {
			return false, fmt.Sprintf("pod %s ready=%t", p.Name, ready)
		}
	}
	if cc := pc.Condition; cc != nil {
		found := false
		for _, c := range p.Status.Conditions {
			if string(c.Type) == cc.Type && string(c.Status) == cc.Status && (cc.Reason == "" || c.Reason == cc.Reason) {
				found = true
			}
		}
		if !found {
			return false, fmt.Sprintf("pod %s has no condition %s=%s", p.Name, cc.Type, cc.Status)
		}
	}
	if cc := pc.Container; cc != nil {
		if ok, why := containerMatches(p, *cc); !ok {
			return false, why
		}
	}
	if len(pc.NodeLabel) > 0 {
		if p.Spec.NodeName == "" {
			return false, fmt.Sprintf("pod %s is not scheduled", p.Name)
		}
		o, err := e.Client.Get(ctx, api.Nodes, "", p.Spec.NodeName)
		if err != nil {
			return false, err.Error()
		}
		for k, v := range pc.NodeLabel {
			if o.GetLabels()[k] != v {
				return false, fmt.Sprintf("pod %s runs on %s, which lacks %s=%s", p.Name, p.Spec.NodeName, k, v)
			}
		}
	}
	return true, ""
}

func containerMatches(p *corev1.Pod, cc ContainerCheck) (bool, string) {
	var st *corev1.ContainerStatus
	for _, list := range [][]corev1.ContainerStatus{p.Status.ContainerStatuses, p.Status.InitContainerStatuses} {
		for i := range list {
			if list[i].Name == cc.Name {
				st = &list[i]
			}
		}
	}
	if st == nil {
		return false, fmt.Sprintf("container %s of pod %s has no status yet", cc.Name, p.Name)
	}
	state, reason := "waiting", ""
	var exit *int32
	switch {
	case st.State.Running != nil:
		state = "running"
	case st.State.Terminated != nil:
		state, reason = "terminated", st.State.Terminated.Reason
		exit = &st.State.Terminated.ExitCode
	case st.State.Waiting != nil:
		reason = st.State.Waiting.Reason
	}
	if exit == nil && st.LastTerminationState.Terminated != nil {
		exit = &st.LastTerminationState.Terminated.ExitCode
	}
	switch {
	case cc.State != "" && cc.State != state:
		return false, fmt.Sprintf("container %s is %s, not %s", cc.Name, state, cc.State)
	case cc.Reason != "" && cc.Reason != reason:
		return false, fmt.Sprintf("container %s: reason %q, not %q", cc.Name, reason, cc.Reason)
	case cc.ExitCode != nil && (exit == nil || *exit != *cc.ExitCode):
		return false, fmt.Sprintf("container %s has not exited with %d", cc.Name, *cc.ExitCode)
	case cc.MinRestarts != nil && st.RestartCount < *cc.MinRestarts:
		return false, fmt.Sprintf("container %s restarted %d times, fewer than %d", cc.Name, st.RestartCount, *cc.MinRestarts)
	case cc.MaxRestarts != nil && st.RestartCount > *cc.MaxRestarts:
		return false, fmt.Sprintf("container %s restarted %d times, more than %d", cc.Name, st.RestartCount, *cc.MaxRestarts)
	case cc.LastStateReason != "" && (st.LastTerminationState.Terminated == nil || st.LastTerminationState.Terminated.Reason != cc.LastStateReason):
		return false, fmt.Sprintf("container %s's last state is not %s", cc.Name, cc.LastStateReason)
	}
	return true, ""
}

func (e *Evaluator) evalEvent(ctx context.Context, ec EventCheck) (bool, string) {
	var re *regexp.Regexp
	if ec.Message != "" {
		var err error
		if re, err = regexp.Compile(ec.Message); err != nil {
			return false, err.Error()
		}
	}
	objs, _, err := e.Client.List(ctx, api.Events, ns(ec.Namespace), metav1.ListOptions{})
	if err != nil {
		return false, err.Error()
	}
	for _, o := range objs {
		ev := o.(*corev1.Event)
		if ev.Reason == ec.Reason && (ec.Object == "" || ev.InvolvedObject.Name == ec.Object) && (re == nil || re.MatchString(ev.Message)) {
			return true, ""
		}
	}
	return false, fmt.Sprintf("no %s event yet", ec.Reason)
}

func (e *Evaluator) evalExec(ctx context.Context, xc ExecCheck) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// stdout and stderr arrive on streams of their own, copied concurrently.
	var out lockedBuffer
	code, err := e.Client.Exec(ctx, ns(xc.Namespace), xc.Pod, client.ExecOptions{Container: xc.Container, Command: xc.Command, Stdout: &out, Stderr: &out})
	if err != nil {
		return false, err.Error()
	}
	if xc.ExitCode != nil && code != *xc.ExitCode {
		return false, fmt.Sprintf("%s exited with %d", strings.Join(xc.Command, " "), code)
	}
	if xc.Output != "" {
		re, err := regexp.Compile(xc.Output)
		if err != nil {
			return false, err.Error()
		}
		if !re.MatchString(out.String()) {
			return false, fmt.Sprintf("%s printed %q", strings.Join(xc.Command, " "), truncate(out.String(), 80))
		}
	}
	return true, ""
}

func (e *Evaluator) evalLogs(ctx context.Context, lc LogsCheck) (bool, string) {
	re, err := regexp.Compile(lc.Match)
	if err != nil {
		return false, err.Error()
	}
	tail := int64(500)
	rc, err := e.Client.Logs(ctx, ns(lc.Namespace), lc.Pod, &corev1.PodLogOptions{Container: lc.Container, TailLines: &tail, Previous: lc.Previous})
	if err != nil {
		return false, err.Error()
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	if !re.Match(b) {
		return false, fmt.Sprintf("the logs of %s do not show %q yet", lc.Pod, lc.Match)
	}
	return true, ""
}

func (e *Evaluator) evalField(ctx context.Context, fc FieldCheck) (bool, string) {
	o, err := e.get(ctx, ObjectRef{Kind: fc.Kind, Name: fc.Name, Namespace: fc.Namespace})
	if err != nil {
		return false, err.Error()
	}
	b, _ := json.Marshal(o)
	var doc any
	json.Unmarshal(b, &doc)
	v, ok := lookupPath(doc, fc.Path)
	if !ok {
		return false, fmt.Sprintf("%s has no %s", fc.Name, fc.Path)
	}
	if got := fmt.Sprint(v); got != fc.Equals {
		return false, fmt.Sprintf("%s is %q, not %q", fc.Path, got, fc.Equals)
	}
	return true, ""
}

var pathPart = regexp.MustCompile(`[^.\[\]]+|\[\d+\]`)

// lookupPath walks "spec.containers[0].image" through decoded JSON.
func lookupPath(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range pathPart.FindAllString(path, -1) {
		if strings.HasPrefix(part, "[") {
			i, _ := strconv.Atoi(strings.Trim(part, "[]"))
			list, ok := cur.([]any)
			if !ok || i >= len(list) {
				return nil, false
			}
			cur = list[i]
			continue
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// lockedBuffer is a buffer two goroutines may write at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
