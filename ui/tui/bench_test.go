package tui

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/podlab/podlab/lessons"
)

// BenchmarkFirstFrame is the app's start as the learner sees it: load the
// built-in pack, build the root model, size it, render the first frame
// (the home screen), then open the first lesson (glamour rendering).
func BenchmarkFirstFrame(b *testing.B) {
	b.Setenv("NO_COLOR", "1")
	for b.Loop() {
		p, err := lessons.Builtin()
		if err != nil {
			b.Fatal(err)
		}
		m := New(Options{Now: time.Now, Learning: &Learning{Pack: p, Progress: lessons.Progress{Done: map[string]bool{}}}})
		next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		m = next.(Model)
		if m.View().Content == "" {
			b.Fatal("empty first frame")
		}
		m, _ = m.openChapter(0)
		if m.View().Content == "" {
			b.Fatal("empty lesson frame")
		}
	}
}
