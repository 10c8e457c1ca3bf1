package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/podlab/podlab/exercises"
	"github.com/podlab/podlab/lessons"
	"github.com/podlab/podlab/runtime/client"
)

// pane is what the detail pane shows for the selected pod.
type pane int

const (
	paneDescribe pane = iota
	paneAnatomy
	paneEvents
	paneTimeline
	paneLogs
	paneScheduling
	paneCount
)

func (p pane) String() string {
	return [...]string{"describe", "anatomy", "events", "timeline", "logs", "scheduling"}[p]
}

// Options wire the app to the lab.
type Options struct {
	Client    client.Interface
	Namespace string
	// Run runs a kubectl-style command line (the command bar) with stdin and returns its output.
	Run func(ctx context.Context, args []string, stdin []byte) string
	// Learning, when set, opens the app on the pack's chapters.
	Learning *Learning
	// Program is podlab's own binary, for the actions that need a real
	// terminal (exec -it, edit): the app suspends while they run.
	Program string
	// Now is the clock ages are computed from (tests fix it).
	Now func() time.Time
}

// Model is the root model: it owns all state.
type Model struct {
	opts   Options
	styles styles
	width  int
	height int

	pods map[string]*corev1.Pod // by name, in opts.Namespace
	// restarts is each pod's last seen restart count and restartedAt when
	// it last went up (on the model's clock), both by pod UID: a pod
	// re-created under the same name starts afresh.
	restarts    map[types.UID]int32
	restartedAt map[types.UID]time.Time
	events      []corev1.Event
	selected    string
	// nodeMap holds the lab's nodes and how their map is shown.
	nodeMap nodeMapState
	// sched is the scheduling view's explanation of the selected pod.
	sched schedState
	// svc is the Service view's Services, endpoints and traffic counts.
	svc svcState

	pane    pane
	logs    string
	logsFor string
	// logContainer and logPrevious choose which log the logs view shows.
	logContainer int
	logPrevious  bool
	output       string // the last command's output
	// showOutput puts the last command's output in the detail pane until another view is chosen.
	showOutput bool
	err        string
	// watchErr says why the live view is stale while a watch is retried.
	watchErr string
	showHelp bool
	// helpView scrolls the help overlay when it is taller than the window.
	helpView viewport.Model
	// flash is the output of the commands run since the last key, shown on
	// the lesson screen, where the detail pane is not.
	flash []string
	// confirmDelete is the pod x asked to delete, until y or another key.
	confirmDelete string

	screen    screen
	homeIndex int
	// homeTop is the first line of the chapter list in view (see homeOffset).
	homeTop     int
	chapterIdx  int
	lessonLines []string
	scroll      int
	objectives  []objectiveState
	evaluator   *exercises.Evaluator
	lastEval    time.Time
	// evalSeq numbers evaluations: only the latest one's result counts.
	// evalBusy says it is still running; evalAgain that the lab changed
	// meanwhile, so it runs again when done (one at a time).
	evalSeq     int
	evalBusy    bool
	evalAgain   bool
	evalTicking bool
	hintsShown  int
	// solutionAsks counts presses of S: the solution shows on the second.
	solutionAsks int

	commanding bool
	input      textinput.Model
	history    []string
	histPos    int
	comp       *completion
	help       help.Model
}

// New returns the root model.
func New(opts Options) Model {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	in := textinput.New()
	in.Prompt = ": "
	in.Placeholder = "get pods -o wide"
	m := Model{
		opts: opts, styles: newStyles(), width: 80, height: 24,
		pods: map[string]*corev1.Pod{}, restarts: map[types.UID]int32{}, restartedAt: map[types.UID]time.Time{},
		input: in, help: help.New(), helpView: newHelpViewport(), screen: screenWorkspace,
	}
	if l := opts.Learning; l != nil {
		if len(l.Packs) == 0 && l.Pack != nil {
			l.Packs = []*lessons.Pack{l.Pack}
		}
		if l.Pack == nil && len(l.Packs) > 0 {
			l.Pack = l.Packs[0]
		}
		if l.Pack != nil && len(l.Pack.Chapters) > 0 {
			m.screen = screenHome
			if opts.Client != nil {
				m.evaluator = exercises.NewEvaluator(opts.Client)
			}
			// Resume where the learner left off.
			for i, e := range m.entries() {
				if lessons.Key(e.pack, e.pack.Chapters[e.chapter]) == l.Progress.Current {
					m.homeIndex = i
				}
			}
		}
	}
	return m
}

func (m Model) chapter() *lessons.Chapter { return m.opts.Learning.Pack.Chapters[m.chapterIdx] }

// workspaceShown says whether the workspace is on screen, alone or beside the lesson.
func (m Model) workspaceShown() bool {
	return m.screen == screenWorkspace || (m.screen == screenLesson && m.split())
}

// learning says whether the app has lessons (else it is the workspace alone).
func (m Model) learning() bool { return m.opts.Learning != nil && m.opts.Learning.Pack != nil }

// openChapter shows a chapter's lesson and starts checking its exercise.
func (m Model) openChapter(i int) (Model, tea.Cmd) {
	l := m.opts.Learning
	m.screen, m.chapterIdx, m.scroll = screenLesson, i, 0
	m.objectives, m.hintsShown, m.solutionAsks = nil, 0, 0
	ch := m.chapter()
	m.lessonLines = renderMarkdown(ch.Lesson(l.Lang), m.lessonWidth())
	l.Progress.Current = lessons.Key(l.Pack, ch)
	if l.SaveProgress != nil {
		l.SaveProgress(l.Progress)
	}
	if m.evaluator == nil {
		return m, nil
	}
	m, eval := m.startEvaluation()
	if m.evalTicking {
		return m, eval
	}
	m.evalTicking = true // one timer chain, however many chapters are opened
	return m, tea.Batch(eval, evalTick())
}

// maybeEvaluate re-checks the open exercise after a change in the lab, at
// most once a second and one evaluation at a time.
func (m Model) maybeEvaluate() (Model, tea.Cmd) {
	if m.opts.Learning == nil || m.evaluator == nil || m.screen == screenHome || m.lessonLines == nil {
		return m, nil
	}
	if m.evalBusy {
		m.evalAgain = true
		return m, nil
	}
	if time.Since(m.lastEval) < time.Second {
		return m, nil
	}
	return m.startEvaluation()
}

func (m Model) startEvaluation() (Model, tea.Cmd) {
	m.lastEval = time.Now()
	m.evalSeq++
	m.evalBusy, m.evalAgain = true, false
	return m, evaluate(m.evaluator, m.chapter(), m.evalSeq)
}

// Init starts the watches.
func (m Model) Init() tea.Cmd {
	return tea.Batch(watchPods(m.opts.Client, m.opts.Namespace), watchEvents(m.opts.Client, m.opts.Namespace), watchNodes(m.opts.Client))
}

// sortedPods lists pods by name.
func (m Model) sortedPods() []*corev1.Pod {
	out := make([]*corev1.Pod, 0, len(m.pods))
	for _, p := range m.pods {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (m Model) selectedPod() *corev1.Pod {
	if p, ok := m.pods[m.selected]; ok {
		return p
	}
	return nil
}

// moveSelection moves the selection by delta rows.
func (m *Model) moveSelection(delta int) {
	pods := m.sortedPods()
	if len(pods) == 0 {
		m.selected = ""
		return
	}
	idx := 0
	for i, p := range pods {
		if p.Name == m.selected {
			idx = i
		}
	}
	idx = min(max(idx+delta, 0), len(pods)-1)
	m.selected = pods[idx].Name
}

// Update handles one message; then, if the scheduling view shows and what
// it explains changed (another pod, the nodes, the pod itself), it asks the
// scheduler again.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	nm, ok := next.(Model)
	if !ok {
		return next, cmd
	}
	nm, ask := nm.askScheduler()
	if ask == nil {
		return nm, cmd
	}
	return nm, tea.Batch(cmd, ask)
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if next, cmd, ok := m.noteServiceMsg(msg); ok {
		return next, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		if m.lessonLines != nil {
			// Rewrap the open lesson for the new width.
			m.lessonLines = renderMarkdown(m.chapter().Lesson(m.opts.Learning.Lang), m.lessonWidth())
		}
		if m.screen == screenHome {
			m.homeTop = m.homeOffset()
		}
		return m, nil
	case podsListedMsg:
		m.watchErr = ""
		m.pods = map[string]*corev1.Pod{}
		var mark tea.Cmd
		for i := range msg.pods {
			if m.notePod(&msg.pods[i]) {
				mark = restartMarkTimer()
			}
		}
		m.forgetGonePods()
		if m.selected == "" {
			m.moveSelection(0)
		}
		return m, tea.Batch(msg.next, mark)
	case nodesListedMsg:
		m.watchErr = ""
		m.noteNodes(msg.nodes)
		next, eval := m.maybeEvaluate()
		return next, tea.Batch(msg.next, eval)
	case nodeEventMsg:
		m.noteNode(msg.node, msg.deleted)
		next, eval := m.maybeEvaluate()
		return next, tea.Batch(msg.next, eval)
	case evaluatedMsg:
		if msg.seq != m.evalSeq {
			return m, nil // an earlier evaluation, of another chapter maybe
		}
		m.evalBusy = false
		if m.opts.Learning != nil && m.lessonLines != nil && msg.chapter == m.chapter().Dir {
			m.objectives = msg.states
			all := len(msg.states) > 0
			for _, st := range msg.states {
				all = all && st.met
			}
			l := m.opts.Learning
			if key := lessons.Key(l.Pack, m.chapter()); all && !l.Progress.Done[key] {
				l.Progress.Done[key] = true
				if l.SaveProgress != nil {
					l.SaveProgress(l.Progress)
				}
			}
		}
		if m.evalAgain && m.evaluator != nil && m.lessonLines != nil && m.screen != screenHome {
			return m.startEvaluation()
		}
		return m, nil
	case evalTickMsg:
		m.lastEval = time.Time{}
		next, cmd := m.maybeEvaluate()
		return next, tea.Batch(cmd, evalTick())
	case podEventMsg:
		var mark tea.Cmd
		if msg.deleted {
			delete(m.pods, msg.pod.Name)
			delete(m.restarts, msg.pod.UID)
			delete(m.restartedAt, msg.pod.UID)
			if m.selected == msg.pod.Name {
				m.moveSelection(0)
			}
		} else {
			if m.notePod(msg.pod) {
				mark = restartMarkTimer()
			}
			if m.selected == "" {
				m.selected = msg.pod.Name
			}
		}
		next, eval := m.maybeEvaluate()
		// The logs view follows: a change to its pod fetches them again.
		var logs tea.Cmd
		if p := next.selectedPod(); p != nil && next.workspaceShown() && next.pane == paneLogs && p.Name == msg.pod.Name {
			logs = next.fetchSelectedLogs()
		}
		return next, tea.Batch(msg.next, eval, logs, mark)
	case eventsMsg:
		if msg.listed {
			m.events = nil
			m.watchErr = ""
		}
		m.events = append(m.events, msg.events...)
		if len(m.events) > 500 {
			m.events = m.events[len(m.events)-500:]
		}
		next, eval := m.maybeEvaluate()
		return next, tea.Batch(msg.next, eval)
	case editedMsg:
		if msg.err != nil {
			m.err = msg.err.Error()
			return m, nil
		}
		return m, m.runCommand([]string{"apply", "-f", msg.path})
	case logsMsg:
		m.logs, m.logsFor = msg.text, msg.pod
		return m, nil
	case scheduleMsg:
		m.noteSchedule(msg)
		return m, nil
	case tea.MouseClickMsg:
		// A click on a pod row selects it (rows start below the title and header).
		if m.screen == screenWorkspace {
			pods := m.sortedPods()
			if i := msg.Y - 2; i >= 0 && i < len(pods) && i < max(3, (m.height-6)/3) {
				m.selected = pods[i].Name
			}
		}
		return m, nil
	case tea.MouseWheelMsg:
		if m.showHelp {
			m.helpView, _ = m.helpViewport().Update(msg)
			return m, nil
		}
		if m.screen == screenHome {
			m.moveHome(map[tea.MouseButton]int{tea.MouseWheelUp: -1, tea.MouseWheelDown: 1}[msg.Button])
		}
		if m.screen == screenNodes {
			dir := "k"
			if msg.Button == tea.MouseWheelDown {
				dir = "j"
			}
			for range 3 {
				m.scrollNodeMap(dir)
			}
		}
		if m.screen == screenLesson {
			if msg.Button == tea.MouseWheelDown {
				m.scroll = min(m.scroll+3, max(0, len(m.lessonLines)-3))
			} else if msg.Button == tea.MouseWheelUp {
				m.scroll = max(0, m.scroll-3)
			}
		}
		return m, nil
	case restartMarkMsg:
		m.expireRestartMarks()
		return m, nil
	case commandDoneMsg:
		m.output, m.showOutput = msg.output, msg.output != ""
		if out := strings.TrimRight(msg.output, "\n"); out != "" {
			m.flash = append(m.flash, strings.Split(out, "\n")...)
		}
		return m, nil
	case errMsg:
		m.err = msg.err.Error()
		return m, nil
	case watchFailedMsg:
		m.watchErr = msg.err.Error()
		return m, msg.retry
	case tea.KeyPressMsg:
		// A key dismisses the commands' output on the lesson screen.
		m.flash = nil
		if m.confirmDelete != "" {
			return m.updateConfirmDelete(msg)
		}
		if m.commanding {
			return m.updateCommand(msg)
		}
		if m.showHelp {
			return m.updateHelp(msg)
		}
		switch m.screen {
		case screenHome:
			return m.updateHome(msg)
		case screenLesson:
			return m.updateLesson(msg)
		case screenNodes:
			return m.updateNodeMap(msg)
		case screenServices:
			return m.updateServices(msg)
		}
		return m.updateKeys(msg)
	}
	return m, nil
}

// notePod stores a pod and marks it restarted when its restart count went
// up; it says whether it did.
func (m *Model) notePod(p *corev1.Pod) bool {
	var restarts int32
	for _, s := range p.Status.ContainerStatuses {
		restarts += s.RestartCount
	}
	old, seen := m.restarts[p.UID]
	marked := seen && restarts > old
	if marked {
		m.restartedAt[p.UID] = m.opts.Now()
	}
	m.restarts[p.UID] = restarts
	m.pods[p.Name] = p
	return marked
}

func (m Model) updateLesson(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	ch := m.chapter()
	switch s := msg.String(); {
	case key.Matches(msg, keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, keys.Help):
		m.showHelp = !m.showHelp
	case s == "esc" || s == "b":
		m.screen = screenHome
	case s == "w":
		m.screen = screenWorkspace
	case key.Matches(msg, keys.Nodes):
		if !m.split() {
			return m.openNodeMap(screenLesson)
		}
		// Beside the lesson, the map takes the workspace's place (and gives it back).
		m.nodeMap.beside = !m.nodeMap.beside
		m.revealSelected()
	case key.Matches(msg, keys.Services):
		return m.openServices(screenLesson)
	case m.split() && m.nodeMap.beside && (s == "tab" || key.Matches(msg, keys.MapOpen)):
		return m.showInWorkspace()
	case m.split() && m.nodeMap.beside && mapArrow(msg):
		// The arrows walk the map's pods; j/k still scroll the lesson.
		m.moveMapSelection(msg)
	case m.split() && (s == "up" || s == "down"):
		// Beside the lesson, the arrows pick a pod; j/k still scroll.
		m.moveSelection(map[string]int{"up": -1, "down": 1}[s])
		m.showOutput = false
	case m.split() && s == "tab":
		m.pane = (m.pane + 1) % paneCount
		m.showOutput = false
		if p := m.selectedPod(); p != nil && m.pane == paneLogs && m.logsFor != m.logsKey(p) {
			return m, m.fetchSelectedLogs()
		}
	case s == "down" || s == "j":
		m.scroll = min(m.scroll+1, max(0, len(m.lessonLines)-3))
	case s == "up" || s == "k":
		m.scroll = max(0, m.scroll-1)
	case s == "pgdown" || s == "space":
		m.scroll = min(m.scroll+10, max(0, len(m.lessonLines)-3))
	case s == "pgup":
		m.scroll = max(0, m.scroll-10)
	case s == "h":
		m.hintsShown = min(m.hintsShown+1, len(ch.Exercise.Hints))
	case s == "S":
		m.solutionAsks = min(m.solutionAsks+1, 2)
	case s == "A":
		// Apply the chapter's manifests, as the lesson says to, in one
		// command: in name order, with one output.
		if docs := m.chapterManifests(); docs != "" {
			return m, m.runCommandStdin([]string{"apply", "-f", "-"}, []byte(docs+"\n"))
		}
	case s == "E":
		// Open the chapter's manifests in $EDITOR first, then apply what was saved.
		if docs := m.chapterManifests(); docs != "" {
			return m, editThenApply(docs)
		}
	case s == "C":
		// Copy the chapter's manifests to the terminal's clipboard (OSC 52).
		if docs := m.chapterManifests(); docs != "" {
			m.output, m.showOutput = "copied the chapter's manifests to the clipboard", false
			return m, tea.SetClipboard(docs)
		}
	case s == "R":
		var cmds []tea.Cmd
		for _, ref := range ch.Exercise.Cleanup.Delete {
			args := []string{"delete", strings.ToLower(ref.Kind), ref.Name, "--wait=false", "--ignore-not-found"}
			if ref.Namespace != "" {
				args = append(args, "-n", ref.Namespace)
			}
			cmds = append(cmds, m.runCommand(args))
		}
		for _, c := range ch.Exercise.Cleanup.Commands {
			cmds = append(cmds, m.runCommand(c))
		}
		m.hintsShown, m.solutionAsks = 0, 0
		return m, tea.Batch(cmds...)
	case s == "n":
		if m.chapterIdx+1 < len(m.opts.Learning.Pack.Chapters) {
			return m.openChapter(m.chapterIdx + 1)
		}
	case key.Matches(msg, keys.Command):
		return m.openCommandBar("")
	}
	return m, nil
}

func (m Model) updateKeys(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.err = ""
	if key.Matches(msg, keys.Lesson) && m.learning() {
		if m.lessonLines != nil {
			m.screen = screenLesson
		} else {
			m.screen = screenHome
		}
		return m, nil
	}
	if key.Matches(msg, keys.Tab, keys.Describe, keys.Anatomy, keys.Events, keys.Timeline, keys.Logs, keys.Schedule, keys.Up, keys.Down) {
		m.showOutput = false
	}
	switch {
	case key.Matches(msg, keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, keys.Up):
		m.moveSelection(-1)
	case key.Matches(msg, keys.Down):
		m.moveSelection(1)
	case key.Matches(msg, keys.Tab):
		m.pane = (m.pane + 1) % paneCount
	case key.Matches(msg, keys.Describe):
		m.pane = paneDescribe
	case key.Matches(msg, keys.Anatomy):
		m.pane = paneAnatomy
	case key.Matches(msg, keys.Events):
		m.pane = paneEvents
	case key.Matches(msg, keys.Logs):
		m.pane = paneLogs
	case msg.String() == "t":
		m.pane = paneTimeline
	case key.Matches(msg, keys.Schedule):
		m.pane = paneScheduling
	case msg.String() == "c" && m.pane == paneLogs:
		if p := m.selectedPod(); p != nil {
			m.logContainer = (m.logContainer + 1) % len(p.Spec.Containers)
		}
	case msg.String() == "p" && m.pane == paneLogs:
		m.logPrevious = !m.logPrevious
	case key.Matches(msg, keys.Command):
		return m.openCommandBar("")
	case key.Matches(msg, keys.Nodes):
		return m.openNodeMap(screenWorkspace)
	case key.Matches(msg, keys.Services):
		return m.openServices(screenWorkspace)
	case key.Matches(msg, keys.Shell):
		if p := m.selectedPod(); p != nil && m.opts.Program != "" {
			return m, runInTerminal(m.opts.Program, "-n", p.Namespace, "exec", "-it", p.Name, "-c", p.Spec.Containers[0].Name, "--", "sh")
		}
	case key.Matches(msg, keys.Edit):
		if p := m.selectedPod(); p != nil && m.opts.Program != "" {
			return m, runInTerminal(m.opts.Program, "-n", p.Namespace, "edit", "pod", p.Name)
		}
	case msg.String() == "L":
		// Label the selected pod: the command bar opens with the command started.
		if p := m.selectedPod(); p != nil {
			return m.openCommandBar("label pod " + p.Name + " ")
		}
	case key.Matches(msg, keys.Delete):
		if p := m.selectedPod(); p != nil {
			m.confirmDelete = p.Name // y deletes it
		}
	}
	if m.pane == paneLogs {
		if p := m.selectedPod(); p != nil && m.logsFor != m.logsKey(p) {
			return m, m.fetchSelectedLogs()
		}
	}
	return m, nil
}

// chapterManifests joins the open chapter's manifest files, in name order.
func (m Model) chapterManifests() string {
	docs, _ := m.openChapterFiles().read("manifests")
	return docs
}

// logsKey names the log the logs view should show for p.
func (m Model) logsKey(p *corev1.Pod) string {
	return fmt.Sprintf("%s/%s/%t", p.Name, m.logContainerName(p), m.logPrevious)
}

func (m Model) logContainerName(p *corev1.Pod) string {
	return p.Spec.Containers[m.logContainer%len(p.Spec.Containers)].Name
}

func (m Model) fetchSelectedLogs() tea.Cmd {
	p := m.selectedPod()
	if p == nil || m.opts.Client == nil {
		return nil
	}
	return fetchLogs(m.opts.Client, p, m.logContainerName(p), m.logPrevious, m.logsKey(p))
}
