package tui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// The help overlay is taller than 80×24: it scrolls in a viewport above a
// footer that keeps its keys and says which lines show.
func TestHelpOverlayScrollsAt80x24(t *testing.T) {
	m := step(t, learningModel(t), press("?")...)
	s := screenText(m)
	checkFits(t, s, 80, 24)
	foot := lastLine(s)
	if !strings.Contains(foot, "?/esc close") || !strings.Contains(foot, "lines 1–23 of ") || strings.Contains(s, "Press ? to close") {
		t.Fatalf("help at the top:\n%s", s)
	}
	// Every group of keys shows, even those bubbles' help would drop at 80 columns.
	for _, want := range []string{"s shell in pod", ": command", "q quit", "v   services"} {
		if !strings.Contains(s, want) {
			t.Fatalf("help lacks %q:\n%s", want, s)
		}
	}
	// Arrows scroll the help, not the chapters under it.
	m = step(t, m, press("down", "j")...)
	if s = screenText(m); m.homeIndex != 0 || !strings.Contains(lastLine(s), "lines 3–25 of ") || strings.Contains(s, "podlab — keys") {
		t.Fatalf("two lines down (selection %d):\n%s", m.homeIndex, s)
	}
	m = step(t, m, press("G")...)
	s = screenText(m)
	checkFits(t, s, 80, 24)
	if !strings.Contains(s, "Press ? to close this help.") || !strings.Contains(s, "get pods -o wide") {
		t.Fatalf("help at the bottom:\n%s", s)
	}
	// Lines wider than the window are wrapped, not cut.
	if !strings.Contains(s, "with the\n    connections") || !strings.Contains(s, "beside the lesson\n    (↑/↓ pod, tab view)") {
		t.Fatalf("help lines cut instead of wrapped:\n%s", s)
	}
	// ? closes it; opened again it starts at the top.
	m = step(t, m, press("?")...)
	if m.showHelp || lastLine(screenText(m)) != homeHint {
		t.Fatalf("? did not close the help:\n%s", screenText(m))
	}
	m = step(t, m, press("?")...)
	if s = screenText(m); !strings.Contains(s, "podlab — keys") {
		t.Fatalf("help reopened scrolled:\n%s", s)
	}
	m = step(t, m, tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if s = screenText(m); !strings.Contains(lastLine(s), "lines 4–26 of ") {
		t.Fatalf("the wheel did not scroll the help:\n%s", s)
	}
	if m = step(t, m, press("esc")...); m.showHelp || m.screen != screenHome {
		t.Fatalf("esc: help %v, screen %d", m.showHelp, m.screen)
	}
}

// In a window tall enough the help needs no scrolling and says so.
func TestHelpOverlayFitsATallWindow(t *testing.T) {
	m := step(t, learningModel(t), tea.WindowSizeMsg{Width: 160, Height: 50})
	m = step(t, m, press("?")...)
	s := screenText(m)
	checkFits(t, s, 160, 50)
	if strings.Contains(s, "lines ") || !strings.Contains(s, "Press ? to close this help.") || !strings.Contains(lastLine(s), "?/esc close") {
		t.Fatalf("help at 160×50:\n%s", s)
	}
}

// Every screen at 80×24 keeps its footer on the last line, within the
// window, even with a multi-line error under it.
func TestEveryScreenKeepsItsFooterAt80x24(t *testing.T) {
	fail := errMsg{errors.New("Error from server (Invalid): first\n  spec.containers: Required value")}
	services, _ := servicesModel(t, 80, 24)
	for _, c := range []struct {
		name   string
		m      Model
		footer string
	}{
		{"home", learningModel(t), homeHint},
		{"lesson", step(t, learningModel(t), press("enter", "S", "S", "h", "h")...), "A apply • h hint"},
		{"workspace", step(t, learningModel(t), press("enter", "w")...), "w lesson • ↑/k previous pod"},
		{"node map", nodeMapModel(t), "m/esc back"},
		{"services", services, "v/esc back"},
		{"help", step(t, newTestModel(t), press("?")...), "?/esc close"},
	} {
		for _, m := range []Model{c.m, step(t, c.m, fail)} {
			s := screenText(m)
			checkFits(t, s, 80, 24)
			if !strings.Contains(lastLine(s), c.footer) {
				t.Fatalf("%s: the last line is %q, want the footer %q:\n%s", c.name, lastLine(s), c.footer, s)
			}
		}
	}
}
