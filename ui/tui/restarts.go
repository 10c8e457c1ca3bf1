package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"k8s.io/apimachinery/pkg/types"
)

// restartMarkFor is how long a pod row says "↻ restarted" after its restart
// count went up.
const restartMarkFor = 30 * time.Second

// restartMarkMsg asks the model to drop the marks that have expired.
type restartMarkMsg struct{}

// restartMarkTimer wakes the model when a new mark expires, so it goes away
// even when nothing else changes in the lab.
func restartMarkTimer() tea.Cmd {
	return tea.Tick(restartMarkFor+time.Second, func(time.Time) tea.Msg { return restartMarkMsg{} })
}

// restartMarked says whether the pod with this UID restarted recently, on
// the model's clock.
func (m Model) restartMarked(uid types.UID) bool {
	at, ok := m.restartedAt[uid]
	return ok && m.opts.Now().Sub(at) < restartMarkFor
}

func (m *Model) expireRestartMarks() {
	for uid := range m.restartedAt {
		if !m.restartMarked(uid) {
			delete(m.restartedAt, uid)
		}
	}
}

// forgetGonePods drops what is remembered of pods no longer listed.
func (m *Model) forgetGonePods() {
	live := map[types.UID]bool{}
	for _, p := range m.pods {
		live[p.UID] = true
	}
	for uid := range m.restarts {
		if !live[uid] {
			delete(m.restarts, uid)
			delete(m.restartedAt, uid)
		}
	}
}
