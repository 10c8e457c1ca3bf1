package tui

import "charm.land/bubbles/v2/key"

// keyMap is the app's one keymap; the help overlay renders it.
type keyMap struct {
	Lesson, Up, Down, Tab, Describe, Anatomy, Events, Timeline, Logs, Shell, Edit, Delete, Label, Command, Help, Quit key.Binding
}

var keys = keyMap{
	Lesson:   key.NewBinding(key.WithKeys("w", "esc"), key.WithHelp("w", "lesson")),
	Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous pod")),
	Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next pod")),
	Tab:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next view")),
	Describe: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "describe")),
	Anatomy:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "anatomy")),
	Events:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "events")),
	Timeline: key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "timeline")),
	Logs:     key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "logs (c container, p previous)")),
	Shell:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "shell in pod")),
	Edit:     key.NewBinding(key.WithKeys("E"), key.WithHelp("E", "edit in $EDITOR")),
	Delete:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "delete pod")),
	Label:    key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "label pod")),
	Command:  key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
	Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
}

// ShortHelp and FullHelp let bubbles/help render the keymap.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Tab, k.Command, k.Shell, k.Help, k.Quit}
}

func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Tab},
		{k.Describe, k.Anatomy, k.Events, k.Timeline, k.Logs},
		{k.Shell, k.Edit, k.Label, k.Delete},
		{k.Command, k.Help, k.Quit},
	}
}
