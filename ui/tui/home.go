package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/podlab/podlab/lessons"
)

// The home screen: every pack's chapters in one list that scrolls between
// the title line and the footer, as bubbles' list does: the window moves
// only when the selection would leave it, the pack's title stays on top
// while its chapters scroll under it, and a line under the list says how
// many chapters are out of sight.

// homeHint is the home screen's footer.
const homeHint = "enter open · w workspace · ? help · q quit"

// homeEntry is one chapter of the home screen.
type homeEntry struct {
	pack    *lessons.Pack
	chapter int
}

// entries lists every chapter of every pack, in order.
func (m Model) entries() []homeEntry {
	var out []homeEntry
	for _, p := range m.opts.Learning.Packs {
		for i := range p.Chapters {
			out = append(out, homeEntry{p, i})
		}
	}
	return out
}

// homeLine is one line of the list: a pack's title, one of its chapters
// (entry is its index in entries) or the blank line between two packs.
type homeLine struct {
	pack  int
	entry int
	title bool
}

func (l homeLine) chapter() bool { return l.entry >= 0 }

func (m Model) homeLines() []homeLine {
	var out []homeLine
	entry := 0
	for i, p := range m.opts.Learning.Packs {
		if i > 0 {
			out = append(out, homeLine{pack: i, entry: -1})
		}
		out = append(out, homeLine{pack: i, entry: -1, title: true})
		for range p.Chapters {
			out = append(out, homeLine{pack: i, entry: entry})
			entry++
		}
	}
	return out
}

// homeListRoom is how many rows the list has: the window less the title
// line, the footer and the line under the list.
func (m Model) homeListRoom() int {
	return max(1, m.height-1-len(m.footer())-1)
}

// homeRows is how many of the lines from top show in room rows: one row
// fewer when a chapter is on top, for its pack's title pinned above it.
func homeRows(lines []homeLine, top, room int) int {
	if top > 0 && lines[top].chapter() {
		return max(1, room-1)
	}
	return room
}

// homeOffset is the first line shown: the last one scrolled to, moved as
// little as keeps the selection in view and no empty rows at the bottom.
func (m Model) homeOffset() int {
	lines, room := m.homeLines(), m.homeListRoom()
	sel := 0
	for i, l := range lines {
		if l.entry == m.homeIndex {
			sel = i
		}
	}
	top := min(max(m.homeTop, 0), len(lines)-1)
	// No empty rows below the last line (after a resize, say).
	for top > 0 && top-1+homeRows(lines, top-1, room) >= len(lines) {
		top--
	}
	if sel < top {
		top = sel
	}
	for top < sel && sel >= top+homeRows(lines, top, room) {
		top++
	}
	// A pack's title and its first chapter: the title itself is on top.
	if top > 0 && lines[top-1].title {
		top--
	}
	// Never a blank line on top: the next pack's title instead.
	if top > 0 && !lines[top].title && !lines[top].chapter() {
		top++
	}
	return top
}

// renderHome is the list in room rows: the chapters in view, then the
// line that says how many are above and below, and where the selection is.
func (m Model) renderHome(room int) []string {
	lines, listRoom := m.homeLines(), max(1, room-1)
	top := m.homeOffset()
	shown := homeRows(lines, top, listRoom)
	end := min(len(lines), top+shown)
	var out []string
	if shown < listRoom {
		out = append(out, m.renderHomeLine(homeLine{pack: lines[top].pack, entry: -1, title: true}))
	}
	for _, l := range lines[top:end] {
		out = append(out, m.renderHomeLine(l))
	}
	out = m.fit(out, listRoom)
	above, below := 0, 0
	for i, l := range lines {
		switch {
		case !l.chapter():
		case i < top:
			above++
		case i >= end:
			below++
		}
	}
	return append(out, m.homeScrollLine(above, below))
}

// homeScrollLine is "↑ 2 more · ↓ 5 more" with the selection's place at the
// right ("8/21"), or blank when every chapter shows.
func (m Model) homeScrollLine(above, below int) string {
	if above == 0 && below == 0 {
		return ""
	}
	var left string
	if above > 0 {
		left = fmt.Sprintf("↑ %d more", above)
	}
	if below > 0 {
		if left != "" {
			left += " · "
		}
		left += fmt.Sprintf("↓ %d more", below)
	}
	right := fmt.Sprintf("%d/%d", m.homeIndex+1, len(m.entries()))
	return m.styles.Dim.Render(spread(" "+left, right+" ", m.width))
}

func (m Model) renderHomeLine(hl homeLine) string {
	l := m.opts.Learning
	p := l.Packs[hl.pack]
	if hl.title {
		return m.styles.Title.Render(p.Meta.Title) + m.styles.Dim.Render("  ("+p.Meta.ID+" "+p.Meta.Version+")")
	}
	if !hl.chapter() {
		return ""
	}
	e := m.entries()[hl.entry]
	ch := p.Chapters[e.chapter]
	key := lessons.Key(p, ch)
	state := m.styles.Dim.Render("new        ")
	switch {
	case l.Progress.Done[key]:
		state = m.styles.Running.Render("done       ")
	case l.Progress.Current == key:
		state = m.styles.Waiting.Render("in progress")
	}
	line := fmt.Sprintf(" %s  %2d. %s", state, e.chapter+1, ch.Title)
	if hl.entry == m.homeIndex {
		// Reversed, and marked for terminals (and readers) without reverse video.
		line = "▸" + m.styles.Selected.Render(line[1:])
	}
	return line
}

// moveHome moves the selection by delta chapters (clamped) and the window
// with it.
func (m *Model) moveHome(delta int) {
	m.homeIndex = min(max(m.homeIndex+delta, 0), len(m.entries())-1)
	m.homeTop = m.homeOffset()
}

func (m Model) updateHome(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	entries := m.entries()
	n := len(entries)
	page := max(1, m.homeListRoom()-1)
	switch {
	case key.Matches(msg, keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, keys.Up):
		m.moveHome(-1)
	case key.Matches(msg, keys.Down):
		m.moveHome(1)
	case key.Matches(msg, keys.PageUp):
		m.moveHome(-page)
	case key.Matches(msg, keys.PageDown):
		m.moveHome(page)
	case key.Matches(msg, keys.First):
		m.moveHome(-n)
	case key.Matches(msg, keys.Last):
		m.moveHome(n)
	case msg.String() == "enter":
		e := entries[m.homeIndex]
		m.opts.Learning.Pack = e.pack
		return m.openChapter(e.chapter)
	case msg.String() == "w":
		m.screen = screenWorkspace
	}
	return m, nil
}
