package tui

import "charm.land/lipgloss/v2"

// styles is the app's one theme. Colours are ANSI 16 so they degrade well;
// NO_COLOR and dumb terminals drop them (the renderer downsamples).
type styles struct {
	Title, Header, Selected, Dim, Pane, PaneTitle, Error, Running, Waiting, Failed, Changed lipgloss.Style
	// Border draws the node map's boxes; Taint colours a node's taints.
	Border, Taint lipgloss.Style
}

func newStyles() styles {
	return styles{
		Title:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("6")),
		Header:    lipgloss.NewStyle().Bold(true),
		Selected:  lipgloss.NewStyle().Reverse(true),
		Dim:       lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		PaneTitle: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("4")),
		Error:     lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		Running:   lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		Waiting:   lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		Failed:    lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		Changed:   lipgloss.NewStyle().Foreground(lipgloss.Color("5")).Bold(true),
		Border:    lipgloss.NewStyle().Foreground(lipgloss.Color("4")),
		Taint:     lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
	}
}

// statusStyle colours a pod's STATUS column.
func (s styles) statusStyle(status string) lipgloss.Style {
	switch status {
	case "Running", "Completed", "Succeeded":
		return s.Running
	case "Pending", "ContainerCreating", "PodInitializing", "Terminating", "NotReady":
		return s.Waiting
	}
	if len(status) > 5 && status[:5] == "Init:" && status != "Init:Error" && status != "Init:CrashLoopBackOff" {
		return s.Waiting
	}
	return s.Failed
}

// nodeStatusStyle colours a node's STATUS (Ready, NotReady, Unknown, each
// maybe with ,SchedulingDisabled).
func (s styles) nodeStatusStyle(status string) lipgloss.Style {
	switch status {
	case "Ready":
		return s.Running
	case "Ready,SchedulingDisabled":
		return s.Waiting
	}
	return s.Failed
}
