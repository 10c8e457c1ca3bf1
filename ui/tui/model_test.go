package tui

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/lessons"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func fixturePods() []corev1.Pod {
	share := true
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(time.Minute)}}
	return []corev1.Pod{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "nginx", Namespace: "default", UID: "u1", CreationTimestamp: ago(2 * time.Minute)},
			Spec: corev1.PodSpec{NodeName: "node-1", ShareProcessNamespace: &share, Containers: []corev1.Container{
				{Name: "nginx", Image: "nginx"}, {Name: "shell", Image: "busybox",
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}},
			}, Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "172.18.0.2", ContainerStatuses: []corev1.ContainerStatus{
				{Name: "nginx", Ready: true, State: running}, {Name: "shell", Ready: true, State: running},
			}},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "crasher", Namespace: "default", UID: "u2", CreationTimestamp: ago(5 * time.Minute)},
			Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: "busybox"}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
				Name: "app", RestartCount: 3,
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: ago(30 * time.Second)}},
			}}},
		},
	}
}

func newTestModel(t *testing.T) Model {
	t.Helper()
	m := New(Options{Now: func() time.Time { return now }, Run: func(_ context.Context, args []string, _ []byte) string {
		return "ran: " + strings.Join(args, " ") + "\n"
	}})
	return step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, podsListedMsg{pods: fixturePods()}, eventsMsg{events: []corev1.Event{{
		InvolvedObject: corev1.ObjectReference{Name: "crasher", UID: "u2"}, Type: "Warning", Reason: "BackOff",
		Message: "Back-off restarting failed container app in pod crasher_default(u2)", LastTimestamp: ago(10 * time.Second), Count: 1,
		Source: corev1.EventSource{Component: "kubelet"},
	}}})
}

// step feeds messages to the model. The command an Enter returns (the
// command bar's run) is executed and its result fed back; other commands
// (watches, cursor blinks) are not, the fixtures stand in for them.
func step(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		next, cmd := m.Update(msg)
		m = next.(Model)
		if k, ok := msg.(tea.KeyPressMsg); ok && k.Code == tea.KeyEnter && cmd != nil {
			if out, ok := cmd().(commandDoneMsg); ok {
				next, _ = m.Update(out)
				m = next.(Model)
			}
		}
	}
	return m
}

func press(keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		switch k {
		case "enter":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEnter})
		case "tab":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyTab})
		case "down":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyDown})
		case "up":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyUp})
		case "left":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyLeft})
		case "right":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyRight})
		case "esc":
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEscape})
		default:
			for _, r := range k {
				out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
	}
	return out
}

func screenText(m Model) string {
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestWorkspaceDescribe(t *testing.T) {
	m := newTestModel(t)
	if h := strings.Count(screenText(m), "\n"); h != 24 {
		t.Fatalf("screen has %d lines, want 24", h)
	}
	golden(t, "workspace-describe", screenText(m))
}

func TestAnatomyOfTheSelectedPod(t *testing.T) {
	m := step(t, newTestModel(t), press("j", "a")...)
	s := screenText(m)
	if !strings.Contains(s, "pod/nginx") || !strings.Contains(s, "pause (sandbox) — holds namespaces: net, ipc, uts, pid") {
		t.Fatalf("anatomy of nginx:\n%s", s)
	}
	golden(t, "anatomy", s)
}

func TestEventsViewAndRestartHighlight(t *testing.T) {
	m := newTestModel(t)
	pods := fixturePods()
	pods[1].Status.ContainerStatuses[0].RestartCount = 4
	m = step(t, m, podEventMsg{pod: &pods[1]})
	m = step(t, m, press("e")...)
	s := screenText(m)
	if !strings.Contains(s, "↻ restarted") || !strings.Contains(s, "BackOff") {
		t.Fatalf("events view:\n%s", s)
	}
	golden(t, "events", s)
}

func TestCommandBarRunsCommandsWithHistoryAndCompletion(t *testing.T) {
	m := newTestModel(t)
	m = step(t, m, press(":", "ge", "tab", "pods")...)
	if v := m.input.Value(); v != "get pods" {
		t.Fatalf("after completion the line is %q", v)
	}
	m = step(t, m, press("tab", "enter")...)
	s := screenText(m)
	if !strings.Contains(s, "ran: get pods") || !strings.Contains(s, "[command output]") {
		t.Fatalf("command output not shown:\n%s", s)
	}
	m = step(t, m, press(":", "up")...)
	if v := m.input.Value(); v != "get pods" {
		t.Fatalf("history recall gave %q", v)
	}
	golden(t, "command", screenText(m))
}

func TestHelpOverlayAndResize(t *testing.T) {
	m := step(t, newTestModel(t), press("?")...)
	s := screenText(m)
	if !strings.Contains(s, "podlab — keys") || !strings.Contains(s, "describe") {
		t.Fatalf("help:\n%s", s)
	}
	m = step(t, m, press("?")...)
	m = step(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	s = screenText(m)
	if n := strings.Count(s, "\n"); n != 40 {
		t.Fatalf("after resize: %d lines, want 40", n)
	}
	for _, l := range strings.Split(s, "\n") {
		if ansi.StringWidth(l) > 120 {
			t.Fatalf("line wider than the window: %q", l)
		}
	}
}

func TestQuit(t *testing.T) {
	m := newTestModel(t)
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q does not quit")
	}
}

func learningModel(t *testing.T) Model {
	t.Helper()
	t.Setenv("NO_COLOR", "1")
	p, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	saved := 0
	l := &Learning{Pack: p, Progress: lessons.Progress{Done: map[string]bool{"podlab-basics/02-labels-and-namespaces": true}},
		SaveProgress: func(lessons.Progress) { saved++ }}
	m := New(Options{Now: func() time.Time { return now }, Learning: l})
	return step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
}

func TestHomeListsChaptersWithProgress(t *testing.T) {
	m := learningModel(t)
	s := screenText(m)
	if !strings.Contains(s, "1. Your first Pod") || !strings.Contains(s, "done          2. Labels, selectors and namespaces") {
		t.Fatalf("home:\n%s", s)
	}
	golden(t, "home", s)
}

func TestLessonExerciseTicksHintsAndSolution(t *testing.T) {
	m := learningModel(t)
	m = step(t, m, press("enter")...)
	if m.screen != screenLesson || m.opts.Learning.Progress.Current != "podlab-basics/01-first-pod" {
		t.Fatalf("enter did not open chapter 1 (screen %d, current %q)", m.screen, m.opts.Learning.Progress.Current)
	}
	s := screenText(m)
	if !strings.Contains(s, "Your first Pod") || !strings.Contains(s, "[ ] A Pod named hello is Running and Ready") {
		t.Fatalf("lesson:\n%s", s)
	}
	m = step(t, m, evaluatedMsg{chapter: "01-first-pod", states: []objectiveState{{met: true}, {met: false, why: "no logs yet"}}})
	m = step(t, m, press("h")...)
	s = screenText(m)
	if !strings.Contains(s, "[✓] A Pod named hello is Running and Ready") || !strings.Contains(s, "hint 1:") {
		t.Fatalf("after one objective and a hint:\n%s", s)
	}
	m = step(t, m, press("S")...)
	if s = screenText(m); strings.Contains(s, "solution: podlab apply") || !strings.Contains(s, "Press S again") {
		t.Fatalf("the solution showed on the first ask:\n%s", s)
	}
	m = step(t, m, press("S")...)
	if s = screenText(m); !strings.Contains(s, "solution: podlab apply -f 01-first-pod/manifests/hello.yaml") {
		t.Fatalf("the solution did not show on the second ask:\n%s", s)
	}
	golden(t, "lesson", s)
	m = step(t, m, evaluatedMsg{chapter: "01-first-pod", states: []objectiveState{{met: true}, {met: true}}})
	if !m.opts.Learning.Progress.Done["podlab-basics/01-first-pod"] || !strings.Contains(screenText(m), "Exercise complete") {
		t.Fatal("completing every objective did not mark the chapter done")
	}
	m = step(t, m, press("w")...)
	if m.screen != screenWorkspace {
		t.Fatal("w did not switch to the workspace")
	}
	m = step(t, m, press("w")...)
	if m.screen != screenLesson {
		t.Fatal("w did not switch back to the lesson")
	}
}

func TestTimelineOfAContainer(t *testing.T) {
	m := newTestModel(t)
	ev := func(reason string, at time.Duration) corev1.Event {
		return corev1.Event{InvolvedObject: corev1.ObjectReference{Name: "crasher", UID: "u2", FieldPath: "spec.containers{app}"},
			Reason: reason, FirstTimestamp: ago(at), LastTimestamp: ago(at), Count: 1}
	}
	m = step(t, m, eventsMsg{events: []corev1.Event{ev("Started", 4*time.Minute), ev("Unhealthy", 3*time.Minute), ev("Killing", 2*time.Minute)}})
	m = step(t, m, press("t")...)
	s := screenText(m)
	var appRow string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "app ") {
			appRow = l
		}
	}
	started, unhealthy, killed := strings.Index(appRow, "▶"), strings.Index(appRow, "!"), strings.Index(appRow, "✖")
	if started < 0 || unhealthy < 0 || killed < 0 || !(started < unhealthy && unhealthy < killed) {
		t.Fatalf("the app row does not show start, probe failure and kill in order:\n%s", s)
	}
	golden(t, "timeline", s)
}

func TestEditedManifestIsApplied(t *testing.T) {
	m := newTestModel(t)
	_, cmd := m.Update(editedMsg{path: "/tmp/lesson.yaml"})
	if cmd == nil {
		t.Fatal("no command after the editor closed")
	}
	if out, ok := cmd().(commandDoneMsg); !ok || out.output != "ran: apply -f /tmp/lesson.yaml\n" {
		t.Fatalf("after editing: %#v", out)
	}
}

func TestMouseClickSelectsAPod(t *testing.T) {
	m := newTestModel(t)
	if m.selected != "crasher" {
		t.Fatalf("initial selection %q", m.selected)
	}
	m = step(t, m, tea.MouseClickMsg{X: 3, Y: 3, Button: tea.MouseLeft})
	if m.selected != "nginx" {
		t.Fatalf("a click on the second row selected %q", m.selected)
	}
}

func TestSeveralPacksSideBySide(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	builtin, _ := lessons.Builtin()
	example, err := lessons.Load(os.DirFS("../../docs/example-pack"), "example")
	if err != nil {
		t.Fatal(err)
	}
	l := &Learning{Packs: []*lessons.Pack{builtin, example}, Progress: lessons.Progress{Done: map[string]bool{}}}
	m := step(t, New(Options{Now: func() time.Time { return now }, Learning: l}), tea.WindowSizeMsg{Width: 80, Height: 30})
	s := screenText(m)
	if !strings.Contains(s, "Kubernetes Pods, for real") || !strings.Contains(s, "Sidecars, an example pack") {
		t.Fatalf("home does not list both packs:\n%s", s)
	}
	for range l.Packs[0].Chapters {
		m = step(t, m, press("down")...)
	}
	m = step(t, m, press("enter")...)
	if l.Pack != example || m.chapter().Dir != "01-sidecar" || l.Progress.Current != "example-sidecars/01-sidecar" {
		t.Fatalf("opened %s/%s", l.Pack.Meta.ID, m.chapter().Dir)
	}
}

func TestLabelKeyStartsTheCommand(t *testing.T) {
	m := step(t, newTestModel(t), press("L")...)
	if !m.commanding || m.input.Value() != "label pod crasher " {
		t.Fatalf("L: commanding=%v line %q", m.commanding, m.input.Value())
	}
	m = step(t, m, press("tier=demo", "enter")...)
	if !strings.Contains(m.output, "ran: label pod crasher tier=demo") {
		t.Fatalf("output %q", m.output)
	}
}

func TestWideWindowShowsTheWorkspaceBesideTheLesson(t *testing.T) {
	m := learningModel(t)
	m = step(t, m, tea.WindowSizeMsg{Width: 160, Height: 30}, podsListedMsg{pods: fixturePods()})
	m = step(t, m, press("enter")...)
	s := screenText(m)
	lines := strings.Split(s, "\n")
	var beside bool
	for _, l := range lines {
		if strings.Contains(l, "│") && strings.Contains(l, "NAME") && strings.Contains(l, "READY") {
			beside = true
		}
		if ansi.StringWidth(l) > 160 {
			t.Fatalf("line wider than the window: %q", l)
		}
	}
	if !beside || !strings.Contains(s, "Your first Pod") || !strings.Contains(s, "crasher") {
		t.Fatalf("the pods table is not beside the lesson:\n%s", s)
	}
	// The arrows pick a pod and tab changes its view, without leaving the lesson.
	m = step(t, m, press("down", "tab")...)
	if m.screen != screenLesson || m.selected != "nginx" || m.pane != paneAnatomy {
		t.Fatalf("screen %d, selected %q, pane %v", m.screen, m.selected, m.pane)
	}
	golden(t, "lesson-split", screenText(m))
	// Narrowed, the lesson is rewrapped and shown alone.
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if s := screenText(m); strings.Contains(s, "│ NAME") {
		t.Fatalf("a narrow window still splits:\n%s", s)
	}
	for _, l := range m.lessonLines {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("lesson not rewrapped for 80 columns: %q", l)
		}
	}
}

func TestWorkspaceFooterAndEscLeadBackToTheLesson(t *testing.T) {
	m := learningModel(t)
	m = step(t, m, press("enter", "w")...)
	if !strings.Contains(screenText(m), "w lesson") {
		t.Fatalf("the workspace does not say how to get back:\n%s", screenText(m))
	}
	m = step(t, m, tea.KeyPressMsg{Code: tea.KeyEscape})
	if m.screen != screenLesson {
		t.Fatalf("esc in the workspace: screen %d, want the lesson", m.screen)
	}
}
