package tui

import "charm.land/bubbles/v2/key"

// keyMap is the app's one keymap; the help overlay renders it.
type keyMap struct {
	Lesson, Up, Down, Tab, Nodes, Services, Describe, Anatomy, Events, Timeline, Logs, Schedule, Shell, Edit, Delete, Label, Command, Help, Quit key.Binding
	// On the node map: the arrows walk its pods, j/k scroll it.
	MapPrevPod, MapNextPod, MapPrevNode, MapNextNode, MapScrollUp, MapScrollDown, MapOpen, MapScheduling, MapBack key.Binding
	// On the Service view: ↑/↓ a Service, ←/→ (tab) one of its endpoints.
	SvcUp, SvcDown, SvcPrevEndpoint, SvcNextEndpoint, SvcOpen, SvcBack key.Binding
	// In a list taller than the window (the chapters): a page at a time, or to either end.
	PageUp, PageDown, First, Last key.Binding
	// On the help overlay, which scrolls when it does not fit.
	HelpScroll, HelpClose key.Binding
}

var keys = keyMap{
	Lesson:   key.NewBinding(key.WithKeys("w", "esc"), key.WithHelp("w", "lesson")),
	Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous pod")),
	Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next pod")),
	Tab:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next view")),
	Nodes:    key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "node map")),
	Services: key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "services")),
	Describe: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "describe")),
	Anatomy:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "anatomy")),
	Events:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "events")),
	Timeline: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timeline")),
	Logs:     key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs (c container, p previous)")),
	Schedule: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "scheduling (why this node)")),
	Shell:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "shell in pod")),
	Edit:     key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "edit in $EDITOR")),
	Delete:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "delete pod")),
	Label:    key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "label pod")),
	Command:  key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
	Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

	MapPrevPod:    key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "pod")),
	MapNextPod:    key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "next pod")),
	MapPrevNode:   key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "node")),
	MapNextNode:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "next node")),
	MapScrollUp:   key.NewBinding(key.WithKeys("k", "pgup"), key.WithHelp("j/k", "scroll")),
	MapScrollDown: key.NewBinding(key.WithKeys("j", "pgdown", "space"), key.WithHelp("j", "scroll down")),
	MapOpen:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "pod in workspace")),
	MapScheduling: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "why?")),
	MapBack:       key.NewBinding(key.WithKeys("m", "esc"), key.WithHelp("m/esc", "back")),

	SvcUp:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "service")),
	SvcDown:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "next service")),
	SvcPrevEndpoint: key.NewBinding(key.WithKeys("left", "shift+tab"), key.WithHelp("←/→", "endpoint")),
	SvcNextEndpoint: key.NewBinding(key.WithKeys("right", "tab"), key.WithHelp("→", "next endpoint")),
	SvcOpen:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "pod in workspace")),
	SvcBack:         key.NewBinding(key.WithKeys("v", "esc"), key.WithHelp("v/esc", "back")),

	PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
	PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
	First:    key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first")),
	Last:     key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last")),

	HelpScroll: key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑/↓", "scroll")),
	HelpClose:  key.NewBinding(key.WithKeys("?", "esc"), key.WithHelp("?/esc", "close")),
}

// ShortHelp and FullHelp let bubbles/help render the keymap.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Tab, k.Nodes, k.Command, k.Shell, k.Help, k.Quit}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Tab, k.Nodes, k.Services},
		{k.Describe, k.Anatomy, k.Events, k.Timeline, k.Logs, k.Schedule},
		{k.Shell, k.Edit, k.Label, k.Delete},
		{k.Command, k.Help, k.Quit},
	}
}

// ServicesHelp is the Service view's footer: one binding stands for each pair.
func (k keyMap) ServicesHelp() []key.Binding {
	return []key.Binding{k.SvcUp, k.SvcPrevEndpoint, k.SvcOpen, k.SvcBack, k.Command, k.Help, k.Quit}
}

// NodeMapHelp is the node map's footer: one binding stands for each pair.
func (k keyMap) NodeMapHelp() []key.Binding {
	return []key.Binding{k.MapPrevPod, k.MapPrevNode, k.MapOpen, k.MapScheduling, k.MapScrollUp, k.MapBack, k.Command, k.Help, k.Quit}
}
