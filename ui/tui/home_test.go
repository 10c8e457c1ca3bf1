package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// selectedRow is the home screen's row of the selected chapter ("" when it
// is not on screen).
func selectedRow(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "▸") {
			return l
		}
	}
	return ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// At 80×24 the 21 chapters do not fit: the list scrolls between the title
// and the footer, which always shows.
func TestHomeScrollsTheChapterListAt80x24(t *testing.T) {
	m := learningModel(t)
	s := screenText(m)
	checkFits(t, s, 80, 24)
	if lastLine(s) != homeHint || !strings.Contains(s, "↓ 1 more") || !strings.Contains(s, "1/21") || strings.Contains(s, "21. DaemonSets") {
		t.Fatalf("home at the top:\n%s", s)
	}
	if !strings.Contains(selectedRow(s), " 1. Your first Pod") {
		t.Fatalf("chapter 1 is not the selected row:\n%s", s)
	}
	// Down to the last chapter: each step keeps the selection on screen.
	for i := 2; i <= 21; i++ {
		m = step(t, m, press("down")...)
		s = screenText(m)
		checkFits(t, s, 80, 24)
		if want := fmt.Sprintf("%2d. ", i); !strings.Contains(selectedRow(s), want) || lastLine(s) != homeHint {
			t.Fatalf("after %d downs chapter %d is not selected on screen:\n%s", i-1, i, s)
		}
	}
	if m.homeIndex != 20 {
		t.Fatalf("selection %d, want 20", m.homeIndex)
	}
	// The pack's title stays on top while its chapters scroll under it.
	if !strings.Contains(s, "Kubernetes Pods, for real") || strings.Contains(s, " 1. Your first Pod") ||
		!strings.Contains(s, "↑ 1 more") || !strings.Contains(s, "21/21") || strings.Contains(s, "↓") {
		t.Fatalf("home at the bottom:\n%s", s)
	}
	golden(t, "home-bottom", s)
	// Down again stays on the last chapter.
	if m = step(t, m, press("j")...); m.homeIndex != 20 {
		t.Fatalf("down past the last chapter: selection %d", m.homeIndex)
	}
	// Back up a few: the window stays where it was, as a list's does.
	m = step(t, m, press("up", "up", "up", "up", "up")...)
	s = screenText(m)
	if !strings.Contains(selectedRow(s), "16. Cordon and drain") || !strings.Contains(s, "21. DaemonSets") || !strings.Contains(s, "↑ 1 more") {
		t.Fatalf("up from the bottom moved the window:\n%s", s)
	}
	// Enter opens the chapter selected, scrolled or not.
	m = step(t, m, press("enter")...)
	if m.screen != screenLesson || m.chapter().Dir != m.opts.Learning.Pack.Chapters[15].Dir {
		t.Fatalf("enter opened screen %d, chapter %q", m.screen, m.chapter().Dir)
	}
}

// In a shorter window the list scrolls both ways; g/G, pgup/pgdn and the
// wheel move the selection too.
func TestHomeScrollsBothWaysInAShortWindow(t *testing.T) {
	m := step(t, learningModel(t), tea.WindowSizeMsg{Width: 80, Height: 14})
	for range 14 {
		m = step(t, m, press("j")...)
	}
	s := screenText(m)
	checkFits(t, s, 80, 14)
	if !strings.Contains(selectedRow(s), "15. Taints and tolerations") || !strings.Contains(s, "↑ 5 more · ↓ 6 more") ||
		!strings.Contains(s, "15/21") || !strings.Contains(s, "Kubernetes Pods, for real") || lastLine(s) != homeHint {
		t.Fatalf("home scrolled to chapter 15:\n%s", s)
	}
	golden(t, "home-middle", s)

	for _, c := range []struct {
		key  tea.Msg
		want int
	}{
		{tea.KeyPressMsg{Code: tea.KeyEnd}, 20},
		{tea.KeyPressMsg{Code: 'g', Text: "g"}, 0},
		{tea.KeyPressMsg{Code: 'G', Text: "G"}, 20},
		// A page is the 10 chapters the 11 rows show under the pack's title.
		{tea.KeyPressMsg{Code: tea.KeyPgUp}, 10},
		{tea.KeyPressMsg{Code: tea.KeyPgUp}, 0},
		{tea.KeyPressMsg{Code: tea.KeyPgUp}, 0},
		{tea.KeyPressMsg{Code: tea.KeyPgDown}, 10},
		{tea.MouseWheelMsg{Button: tea.MouseWheelDown}, 11},
		{tea.MouseWheelMsg{Button: tea.MouseWheelUp}, 10},
		{tea.KeyPressMsg{Code: tea.KeyHome}, 0},
	} {
		m = step(t, m, c.key)
		s = screenText(m)
		if m.homeIndex != c.want || !strings.Contains(selectedRow(s), fmt.Sprintf("%2d. ", c.want+1)) {
			t.Fatalf("after %v: selection %d, want %d, on screen:\n%s", c.key, m.homeIndex, c.want, s)
		}
	}
	if strings.Contains(s, "↑") || !strings.Contains(s, "↓ 11 more") {
		t.Fatalf("home back at the top:\n%s", s)
	}
}

// A window tall enough shows every chapter without a scroll line, and a
// resize from a scrolled list brings the whole list back.
func TestHomeFitsInATallWindow(t *testing.T) {
	m := step(t, learningModel(t), tea.WindowSizeMsg{Width: 80, Height: 14})
	m = step(t, m, press("G")...)
	m = step(t, m, tea.WindowSizeMsg{Width: 100, Height: 32})
	s := screenText(m)
	checkFits(t, s, 100, 32)
	for i := 1; i <= 21; i++ {
		if !strings.Contains(s, fmt.Sprintf("%2d. ", i)) {
			t.Fatalf("chapter %d missing at 100×32:\n%s", i, s)
		}
	}
	if strings.Contains(s, "more") || strings.Contains(s, "/21") || lastLine(s) != homeHint || !strings.Contains(selectedRow(s), "21. DaemonSets") {
		t.Fatalf("home at 100×32:\n%s", s)
	}
}

// A narrow window cuts the footer at a whole hint, and a multi-line error
// takes one footer line: the screen never grows past the window.
func TestHomeFooterTruncatesAndErrorsTakeOneLine(t *testing.T) {
	m := step(t, learningModel(t), tea.WindowSizeMsg{Width: 30, Height: 10})
	s := screenText(m)
	checkFits(t, s, 30, 10)
	if got := lastLine(s); got != "enter open · w workspace …" {
		t.Fatalf("footer at 30 columns: %q", got)
	}
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, errMsg{fmt.Errorf("first\nsecond")})
	s = screenText(m)
	checkFits(t, s, 80, 24)
	if !strings.Contains(s, "error: first · second") || lastLine(s) != homeHint || !strings.Contains(selectedRow(s), " 1. Your first Pod") {
		t.Fatalf("home with an error:\n%s", s)
	}
}

func TestFitHints(t *testing.T) {
	for _, c := range []struct {
		line  string
		width int
		want  string
	}{
		{"a x • b y • c z", 40, "a x • b y • c z"},
		{"a x • b y • c z", 13, "a x • b y …"},
		{"a x • b y • c z", 8, "a x …"},
		{"abcdefghij • b", 6, "abcde…"},
	} {
		if got := fitHints(c.line, " • ", c.width); got != c.want {
			t.Errorf("fitHints(%q, %d) = %q, want %q", c.line, c.width, got, c.want)
		}
	}
}
