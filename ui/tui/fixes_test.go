package tui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/runtime/client"
)

// ranCommand is what a fake Run was called with.
type ranCommand struct {
	args  []string
	stdin string
}

// withRun gives the model a Run that records its calls and answers with out.
func withRun(m Model, out string) (Model, *[]ranCommand) {
	var ran []ranCommand
	m.opts.Run = func(_ context.Context, args []string, stdin []byte) string {
		ran = append(ran, ranCommand{args, string(stdin)})
		return out
	}
	return m, &ran
}

// runCmd runs a command the model returned and feeds its result back.
func runCmd(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	return step(t, m, cmd())
}

func TestCommandBarReadsTheChaptersFilesFromThePack(t *testing.T) {
	m, ran := withRun(learningModel(t), "pod/hello created\n")
	m = step(t, m, press("enter", ":", "apply -f manifests/hello.yaml", "enter")...)
	if len(*ran) != 1 || strings.Join((*ran)[0].args, " ") != "apply -f -" || !strings.Contains((*ran)[0].stdin, "name: hello") {
		t.Fatalf("ran %+v", *ran)
	}
	// As a folder, with the chapter's directory leading, with podlab in front.
	for _, line := range []string{"podlab apply -f manifests/", "apply -f 01-first-pod/manifests/hello.yaml", "delete -f=./manifests/hello.yaml"} {
		*ran = nil
		m = step(t, m, press(":", line, "enter")...)
		if len(*ran) != 1 || (*ran)[0].args[1] != "-f" || (*ran)[0].args[2] != "-" || !strings.Contains((*ran)[0].stdin, "name: hello") {
			t.Fatalf("%s: ran %+v", line, *ran)
		}
	}
	// A file on disk wins; a name the chapter does not have is left to apply's error.
	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll(filepath.Join(dir, "manifests"), 0o755)
	os.WriteFile(filepath.Join(dir, "manifests", "hello.yaml"), []byte("kind: Pod\n"), 0o644)
	for _, line := range []string{"apply -f manifests/hello.yaml", "apply -f manifests/nope.yaml", "logs -f hello"} {
		*ran = nil
		m = step(t, m, press(":", line, "enter")...)
		if len(*ran) != 1 || strings.Join((*ran)[0].args, " ") != line || (*ran)[0].stdin != "" {
			t.Fatalf("%s: ran %+v", line, *ran)
		}
	}
}

func TestLessonShowsTheCommandsOutputUntilTheNextKey(t *testing.T) {
	m, _ := withRun(learningModel(t), "error: the path \"manifests/nope.yaml\" does not exist\n")
	m = step(t, m, press("enter", ":", "apply -f manifests/nope.yaml", "enter")...)
	s := screenText(m)
	if !strings.Contains(s, "error: the path \"manifests/nope.yaml\" does not exist\nA apply") {
		t.Fatalf("the error is not above the footer:\n%s", s)
	}
	golden(t, "lesson-output", s)
	m = step(t, m, press("j")...)
	if strings.Contains(screenText(m), "does not exist") {
		t.Fatal("the output outlived the next key")
	}
	// A applies the chapter's manifests in one command; its output shows too,
	// long output cut to a few lines.
	m, ran := withRun(m, "pod/hello created\nline 2\nline 3\nline 4\n")
	next, cmd := m.Update(tea.KeyPressMsg{Code: 'A', Text: "A"})
	m = runCmd(t, next.(Model), cmd)
	if len(*ran) != 1 || !strings.Contains((*ran)[0].stdin, "name: hello") {
		t.Fatalf("A ran %+v", *ran)
	}
	if s := screenText(m); !strings.Contains(s, "pod/hello created\nline 2\n… 2 more lines: w shows them all\nA apply") {
		t.Fatalf("A's output:\n%s", s)
	}
}

func TestRestartMarkBelongsToThePodAndFades(t *testing.T) {
	clock := now
	m := New(Options{Now: func() time.Time { return clock }})
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, podsListedMsg{pods: fixturePods()})
	pods := fixturePods()
	pods[1].Status.ContainerStatuses[0].RestartCount = 4
	m = step(t, m, podEventMsg{pod: &pods[1]})
	if !strings.Contains(screenText(m), "↻ restarted") {
		t.Fatal("no mark after a restart")
	}
	// Deleted, then re-created under the same name: a new Pod, no mark.
	m = step(t, m, podEventMsg{pod: &pods[1], deleted: true})
	again := fixturePods()[1]
	again.UID = "u3"
	again.Status.ContainerStatuses[0].RestartCount = 0
	m = step(t, m, podEventMsg{pod: &again})
	if strings.Contains(screenText(m), "↻ restarted") {
		t.Fatalf("the new pod inherited the mark:\n%s", screenText(m))
	}
	// A mark fades after about 30 s on the model's clock.
	again.Status.ContainerStatuses[0].RestartCount = 1
	m = step(t, m, podEventMsg{pod: &again})
	clock = clock.Add(20 * time.Second)
	if !strings.Contains(screenText(m), "↻ restarted") {
		t.Fatal("the mark faded too soon")
	}
	clock = clock.Add(15 * time.Second)
	m = step(t, m, restartMarkMsg{})
	if strings.Contains(screenText(m), "↻ restarted") || len(m.restartedAt) != 0 {
		t.Fatalf("the mark outlived 30 s:\n%s", screenText(m))
	}
}

func TestExercisePanelSaysWhyTheFirstObjectiveIsNotMet(t *testing.T) {
	m := step(t, learningModel(t), press("enter")...)
	m = step(t, m, evaluatedMsg{chapter: "01-first-pod", states: []objectiveState{
		{why: `pods "hello" not found`}, {why: "the logs of hello do not show \"Hello from podlab\" yet"},
	}})
	s := screenText(m)
	if !strings.Contains(s, "[ ] A Pod named hello is Running and Ready\n     ↳ pods \"hello\" not found\n [ ] Its logs say hello\n") {
		t.Fatalf("why under the first unmet objective only:\n%s", s)
	}
	m = step(t, m, evaluatedMsg{chapter: "01-first-pod", states: []objectiveState{
		{met: true}, {why: strings.Repeat("a very long reason ", 10) + "\nsecond line"},
	}})
	for _, l := range strings.Split(screenText(m), "\n") {
		if strings.HasPrefix(l, "     ↳ a very long reason") && (!strings.HasSuffix(l, "…") || len([]rune(l)) > 80) {
			t.Fatalf("why not cut to one line: %q", l)
		}
	}
}

// slowLab answers logs but never an exec: its Exec waits for the deadline.
type slowLab struct{ client.Interface }

func (slowLab) Exec(ctx context.Context, _, _ string, _ client.ExecOptions) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

func (slowLab) Logs(ctx context.Context, _, _ string, _ *corev1.PodLogOptions) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return io.NopCloser(strings.NewReader("Hello from podlab\n")), nil
}

func TestEvaluationTimesOutPerCheckAndSaysSo(t *testing.T) {
	old := checkTimeout
	checkTimeout = 100 * time.Millisecond
	defer func() { checkTimeout = old }()
	ch := &lessons.Chapter{Dir: "c", Exercise: &exercises.Exercise{Objectives: []exercises.Objective{
		{ID: "exec", Check: exercises.Check{Exec: &exercises.ExecCheck{Pod: "hello", Command: []string{"true"}}}},
		{ID: "logs", Check: exercises.Check{Logs: &exercises.LogsCheck{Pod: "hello", Match: "Hello"}}},
	}}}
	msg := evaluate(exercises.NewEvaluator(slowLab{}), ch, 7)().(evaluatedMsg)
	if msg.seq != 7 || msg.states[0].met || msg.states[0].why != "the command did not answer in time (the lab may be busy)" {
		t.Fatalf("slow exec: %+v", msg)
	}
	if !msg.states[1].met {
		t.Fatalf("the slow check used up the next one's time: %+v", msg.states[1])
	}
}

func TestOneEvaluationAtATime(t *testing.T) {
	m := learningModel(t)
	m.evaluator = exercises.NewEvaluator(slowLab{})
	m = step(t, m, press("enter")...)
	if !m.evalBusy || m.evalSeq != 1 {
		t.Fatalf("opening the chapter: busy %v seq %d", m.evalBusy, m.evalSeq)
	}
	pods := fixturePods()
	m = step(t, m, podEventMsg{pod: &pods[0]})
	if m.evalSeq != 1 || !m.evalAgain {
		t.Fatalf("a change while evaluating started another (seq %d, again %v)", m.evalSeq, m.evalAgain)
	}
	m = step(t, m, evaluatedMsg{chapter: "01-first-pod", seq: 1, states: []objectiveState{{met: true}, {}}})
	if m.evalSeq != 2 || !m.evalBusy || m.evalAgain || !m.objectives[0].met {
		t.Fatalf("after the first result: seq %d busy %v again %v", m.evalSeq, m.evalBusy, m.evalAgain)
	}
	// A late result of an earlier evaluation does not overwrite the newer state.
	m = step(t, m, evaluatedMsg{chapter: "01-first-pod", seq: 1, states: []objectiveState{{}, {}}})
	if !m.objectives[0].met || !m.evalBusy {
		t.Fatal("a stale evaluation was taken")
	}
}

func TestWorkspaceTabsShowOneActiveTab(t *testing.T) {
	m := step(t, newTestModel(t), press(":", "get pods", "enter")...)
	s := screenText(m)
	if !strings.Contains(s, "[command output]") || strings.Contains(s, "[describe]") {
		t.Fatalf("two active tabs:\n%s", s)
	}
	m = step(t, m, press("d")...)
	if s := screenText(m); strings.Contains(s, "[command output]") || !strings.Contains(s, "[describe]") {
		t.Fatalf("after d:\n%s", s)
	}
}

func TestLastChapterCompleteSaysSo(t *testing.T) {
	m := learningModel(t)
	last := len(m.opts.Learning.Pack.Chapters) - 1
	m, _ = m.openChapter(last)
	states := make([]objectiveState, len(m.chapter().Exercise.Objectives))
	for i := range states {
		states[i].met = true
	}
	m = step(t, m, evaluatedMsg{chapter: m.chapter().Dir, states: states})
	s := screenText(m)
	if !strings.Contains(s, "Exercise complete. last chapter — esc for the chapters") || strings.Contains(s, "n: next chapter") {
		t.Fatalf("last chapter done:\n%s", s)
	}
	m, _ = m.openChapter(0)
	m = step(t, m, evaluatedMsg{chapter: m.chapter().Dir, states: []objectiveState{{met: true}, {met: true}}})
	if !strings.Contains(screenText(m), "Exercise complete. n: next chapter") {
		t.Fatal("chapter 1 done does not offer the next one")
	}
}

func TestDeleteAsksFirst(t *testing.T) {
	m, ran := withRun(newTestModel(t), "pod \"crasher\" deleted\n")
	m = step(t, m, press("x")...)
	if s := screenText(m); !strings.Contains(s, "delete pod crasher? y/n") {
		t.Fatalf("x did not ask:\n%s", s)
	}
	next, cmd := m.Update(tea.KeyPressMsg{Code: 'n', Text: "n"})
	m = next.(Model)
	if cmd != nil || strings.Contains(screenText(m), "y/n") {
		t.Fatal("n did not cancel")
	}
	m = step(t, m, press("x")...)
	next, cmd = m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	runCmd(t, next.(Model), cmd)
	if len(*ran) != 1 || strings.Join((*ran)[0].args, " ") != "delete pod crasher -n default --wait=false" {
		t.Fatalf("y ran %+v", *ran)
	}
}
