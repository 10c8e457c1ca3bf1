package tui

import (
	"context"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/client"
)

// pane is what the detail pane shows for the selected pod.
type pane int

const (
	paneDescribe pane = iota
	paneAnatomy
	paneEvents
	paneLogs
	paneCount
)

func (p pane) String() string {
	return [...]string{"describe", "anatomy", "events", "logs"}[p]
}

// Options wire the app to the lab.
type Options struct {
	Client    client.Interface
	Namespace string
	// Run runs a kubectl-style command line (the command bar) and returns its output.
	Run func(ctx context.Context, args []string) string
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

	pods     map[string]*corev1.Pod // by name, in opts.Namespace
	restarts map[string]int32       // last seen restart count, to highlight changes
	changed  map[string]bool
	events   []corev1.Event
	selected string

	pane    pane
	logs    string
	logsFor string
	output  string // the last command's output
	// showOutput puts the last command's output in the detail pane until another view is chosen.
	showOutput bool
	err        string
	showHelp   bool

	commanding bool
	input      textinput.Model
	history    []string
	histPos    int
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
	return Model{
		opts: opts, styles: newStyles(), width: 80, height: 24,
		pods: map[string]*corev1.Pod{}, restarts: map[string]int32{}, changed: map[string]bool{},
		input: in, help: help.New(),
	}
}

// Init starts the watches.
func (m Model) Init() tea.Cmd {
	return tea.Batch(watchPods(m.opts.Client, m.opts.Namespace), watchEvents(m.opts.Client, m.opts.Namespace))
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

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		return m, nil
	case podsListedMsg:
		m.pods = map[string]*corev1.Pod{}
		for i := range msg.pods {
			m.notePod(&msg.pods[i])
		}
		if m.selected == "" {
			m.moveSelection(0)
		}
		return m, msg.next
	case podEventMsg:
		if msg.deleted {
			delete(m.pods, msg.pod.Name)
			if m.selected == msg.pod.Name {
				m.moveSelection(0)
			}
		} else {
			m.notePod(msg.pod)
			if m.selected == "" {
				m.selected = msg.pod.Name
			}
		}
		return m, msg.next
	case eventsMsg:
		m.events = append(m.events, msg.events...)
		if len(m.events) > 500 {
			m.events = m.events[len(m.events)-500:]
		}
		return m, msg.next
	case logsMsg:
		m.logs, m.logsFor = msg.text, msg.pod
		return m, nil
	case commandDoneMsg:
		m.output, m.showOutput = msg.output, msg.output != ""
		return m, nil
	case errMsg:
		m.err = msg.err.Error()
		return m, nil
	case tea.KeyPressMsg:
		if m.commanding {
			return m.updateCommand(msg)
		}
		return m.updateKeys(msg)
	}
	return m, nil
}

// notePod stores a pod and highlights a restart count that went up.
func (m *Model) notePod(p *corev1.Pod) {
	var restarts int32
	for _, s := range p.Status.ContainerStatuses {
		restarts += s.RestartCount
	}
	if old, seen := m.restarts[p.Name]; seen && restarts > old {
		m.changed[p.Name] = true
	}
	m.restarts[p.Name] = restarts
	m.pods[p.Name] = p
}

func (m Model) updateKeys(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.err = ""
	if key.Matches(msg, keys.Tab, keys.Describe, keys.Anatomy, keys.Events, keys.Logs, keys.Up, keys.Down) {
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
	case key.Matches(msg, keys.Command):
		m.commanding = true
		m.histPos = len(m.history)
		return m, m.input.Focus()
	case key.Matches(msg, keys.Shell):
		if p := m.selectedPod(); p != nil && m.opts.Program != "" {
			return m, runInTerminal(m.opts.Program, "-n", p.Namespace, "exec", "-it", p.Name, "-c", p.Spec.Containers[0].Name, "--", "sh")
		}
	case key.Matches(msg, keys.Edit):
		if p := m.selectedPod(); p != nil && m.opts.Program != "" {
			return m, runInTerminal(m.opts.Program, "-n", p.Namespace, "edit", "pod", p.Name)
		}
	case key.Matches(msg, keys.Delete):
		if p := m.selectedPod(); p != nil {
			return m, m.runCommand([]string{"delete", "pod", p.Name, "-n", p.Namespace, "--wait=false"})
		}
	}
	if m.pane == paneLogs {
		if p := m.selectedPod(); p != nil && m.logsFor != p.Name {
			return m, fetchLogs(m.opts.Client, p)
		}
	}
	return m, nil
}

func (m Model) updateCommand(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc":
		m.commanding = false
		m.input.Blur()
		m.input.SetValue("")
		return m, nil
	case "enter":
		line := strings.TrimSpace(m.input.Value())
		m.commanding = false
		m.input.Blur()
		m.input.SetValue("")
		if line == "" {
			return m, nil
		}
		m.history = append(m.history, line)
		args := strings.Fields(line)
		if args[0] == "kubectl" || args[0] == "podlab" {
			args = args[1:]
		}
		return m, m.runCommand(args)
	case "up":
		if m.histPos > 0 {
			m.histPos--
			m.input.SetValue(m.history[m.histPos])
			m.input.CursorEnd()
		}
		return m, nil
	case "down":
		if m.histPos < len(m.history)-1 {
			m.histPos++
			m.input.SetValue(m.history[m.histPos])
		} else {
			m.histPos = len(m.history)
			m.input.SetValue("")
		}
		return m, nil
	case "tab":
		m.input.SetValue(complete(m.input.Value(), m.sortedPods()))
		m.input.CursorEnd()
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	return m, cmd
}

func (m Model) runCommand(args []string) tea.Cmd {
	run := m.opts.Run
	return func() tea.Msg {
		if run == nil {
			return commandDoneMsg{output: "commands are not available here"}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return commandDoneMsg{output: run(ctx, args)}
	}
}

// verbs are completed in the command bar, then pod names.
var verbs = []string{"annotate", "apply", "create", "delete", "describe", "edit", "exec", "get", "label", "logs"}

// complete finishes the last word of a command line: a verb first, then a pod name.
func complete(line string, pods []*corev1.Pod) string {
	words := strings.Fields(line)
	if len(words) == 0 || strings.HasSuffix(line, " ") {
		words = append(words, "")
	}
	last := words[len(words)-1]
	var candidates []string
	if len(words) == 1 {
		candidates = verbs
	} else {
		for _, p := range pods {
			candidates = append(candidates, p.Name)
		}
		candidates = append(candidates, "pods", "pod", "events", "nodes")
	}
	for _, c := range candidates {
		if strings.HasPrefix(c, last) && c != last {
			words[len(words)-1] = c
			return strings.Join(words, " ") + " "
		}
	}
	return line
}
