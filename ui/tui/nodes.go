package tui

import (
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
)

// nodeMapState is what the node map keeps: the lab's nodes as their watch
// last told them, and how the map is shown. Its pods are the model's pods
// and its selection the model's selection, so a pod picked on the map is
// the one the workspace shows.
type nodeMapState struct {
	nodes map[string]*corev1.Node // by name
	// listed says the nodes have been listed at least once.
	listed bool
	// scroll is the first line of the map on screen.
	scroll int
	// from is the screen m and esc lead back to.
	from screen
	// beside says the map shows beside the lesson (a wide window) in place
	// of the workspace.
	beside bool
	// changes counts the node lists and changes seen: the scheduling view
	// asks the scheduler again after one.
	changes int
}

// nodeGroup is one box of the map: a node and the pods bound to it (node
// is nil when pods name a node the lab does not list), or, pending set,
// the pods no node was chosen for yet.
type nodeGroup struct {
	name    string
	node    *corev1.Node
	pending bool
	pods    []*corev1.Pod
}

// nodeGroups lists the map's boxes in order: control-plane nodes first,
// then the others by name (node-2 before node-10), then nodes only pods
// name, then the pods with no node, if any. Pods are by name in each.
func (m Model) nodeGroups() []nodeGroup {
	byNode := map[string][]*corev1.Pod{}
	for _, p := range m.sortedPods() {
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
	}
	var groups []nodeGroup
	for _, n := range m.nodeMap.nodes {
		groups = append(groups, nodeGroup{name: n.Name, node: n, pods: byNode[n.Name]})
	}
	sort.Slice(groups, func(i, j int) bool {
		ci, cj := isControlPlane(groups[i].node), isControlPlane(groups[j].node)
		if ci != cj {
			return ci
		}
		return naturalLess(groups[i].name, groups[j].name)
	})
	var unlisted []string
	for name := range byNode {
		if _, ok := m.nodeMap.nodes[name]; !ok && name != "" {
			unlisted = append(unlisted, name)
		}
	}
	sort.Slice(unlisted, func(i, j int) bool { return naturalLess(unlisted[i], unlisted[j]) })
	for _, name := range unlisted {
		groups = append(groups, nodeGroup{name: name, pods: byNode[name]})
	}
	if pods := byNode[""]; len(pods) > 0 {
		groups = append(groups, nodeGroup{name: "Pending", pending: true, pods: pods})
	}
	return groups
}

func isControlPlane(n *corev1.Node) bool {
	if n == nil {
		return false
	}
	_, ok := n.Labels["node-role.kubernetes.io/control-plane"]
	return ok
}

// naturalLess orders names with their digits as numbers: node-2 < node-10.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// noteNodes replaces the nodes with a fresh list.
func (m *Model) noteNodes(nodes []corev1.Node) {
	m.nodeMap.nodes = make(map[string]*corev1.Node, len(nodes))
	for i := range nodes {
		m.nodeMap.nodes[nodes[i].Name] = &nodes[i]
	}
	m.nodeMap.listed = true
	m.nodeMap.changes++
}

// noteNode applies one change of a node.
func (m *Model) noteNode(n *corev1.Node, deleted bool) {
	if m.nodeMap.nodes == nil {
		m.nodeMap.nodes = map[string]*corev1.Node{}
	}
	m.nodeMap.changes++
	if deleted {
		delete(m.nodeMap.nodes, n.Name)
		return
	}
	m.nodeMap.nodes[n.Name] = n
}

// openNodeMap shows the map full screen; m and esc lead back to from.
func (m Model) openNodeMap(from screen) (Model, tea.Cmd) {
	m.nodeMap.from, m.screen = from, screenNodes
	m.revealSelected()
	return m, nil
}

// updateNodeMap handles a key on the full-screen map.
func (m Model) updateNodeMap(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.err = ""
	switch {
	case key.Matches(msg, keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, keys.MapBack):
		m.screen = m.nodeMap.from
	case msg.String() == "w":
		m.screen = screenWorkspace
	case key.Matches(msg, keys.Command):
		return m.openCommandBar("")
	case key.Matches(msg, keys.MapScrollUp, keys.MapScrollDown):
		m.scrollNodeMap(msg.String())
	case mapArrow(msg):
		m.moveMapSelection(msg)
	case key.Matches(msg, keys.MapOpen) && m.selectedPod() != nil:
		return m.showInWorkspace()
	case key.Matches(msg, keys.MapScheduling) && m.selectedPod() != nil:
		// Why the pod is on its node (or on none): its scheduling view.
		m.pane = paneScheduling
		return m.showInWorkspace()
	}
	return m, nil
}

// mapArrow says whether a key moves the map's selection.
func mapArrow(msg tea.KeyPressMsg) bool {
	return key.Matches(msg, keys.MapPrevPod, keys.MapNextPod, keys.MapPrevNode, keys.MapNextNode)
}

// moveMapSelection moves the map's selection for an arrow key and keeps
// the selected row on screen.
func (m *Model) moveMapSelection(msg tea.KeyPressMsg) {
	switch {
	case key.Matches(msg, keys.MapPrevPod):
		m.moveOnMap(-1)
	case key.Matches(msg, keys.MapNextPod):
		m.moveOnMap(1)
	case key.Matches(msg, keys.MapPrevNode):
		m.moveNodeOnMap(-1)
	case key.Matches(msg, keys.MapNextNode):
		m.moveNodeOnMap(1)
	}
	m.showOutput = false
	m.revealSelected()
}

// showInWorkspace leaves the map for the workspace, on the selected pod.
func (m Model) showInWorkspace() (Model, tea.Cmd) {
	if m.screen == screenNodes {
		m.screen = screenWorkspace
	}
	m.nodeMap.beside = false
	m.showOutput = false
	if p := m.selectedPod(); p != nil && m.pane == paneLogs && m.logsFor != m.logsKey(p) {
		return m, m.fetchSelectedLogs()
	}
	return m, nil
}

// mapOrder lists the pods in the order the map shows them.
func (m Model) mapOrder() (pods []*corev1.Pod, group []int) {
	for gi, g := range m.nodeGroups() {
		for _, p := range g.pods {
			pods = append(pods, p)
			group = append(group, gi)
		}
	}
	return pods, group
}

// moveOnMap selects the pod delta places away in the map's order.
func (m *Model) moveOnMap(delta int) {
	pods, _ := m.mapOrder()
	if len(pods) == 0 {
		return
	}
	i := indexOfPod(pods, m.selected)
	if i < 0 {
		m.selected = pods[0].Name
		return
	}
	m.selected = pods[min(max(i+delta, 0), len(pods)-1)].Name
}

// moveNodeOnMap selects the first pod of the previous or next box that has pods.
func (m *Model) moveNodeOnMap(delta int) {
	pods, group := m.mapOrder()
	if len(pods) == 0 {
		return
	}
	i := indexOfPod(pods, m.selected)
	if i < 0 {
		m.selected = pods[0].Name
		return
	}
	if delta < 0 {
		start := firstOfGroup(group, i)
		if start == 0 {
			return
		}
		m.selected = pods[firstOfGroup(group, start-1)].Name
		return
	}
	for j := i + 1; j < len(pods); j++ {
		if group[j] != group[i] {
			m.selected = pods[j].Name
			return
		}
	}
}

// firstOfGroup is the index of the first pod of the box pod i is in.
func firstOfGroup(group []int, i int) int {
	for i > 0 && group[i-1] == group[i] {
		i--
	}
	return i
}

func indexOfPod(pods []*corev1.Pod, name string) int {
	for i, p := range pods {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// nodeMapArea is the width and height the map is drawn in on the current
// screen: the window under the title, or the right of a split lesson.
func (m Model) nodeMapArea() (width, height int) {
	height = m.height - 1 - len(m.footer())
	if m.screen == screenLesson {
		return m.width - m.lessonWidth() - 3, height
	}
	return m.width, height
}

// scrollNodeMap scrolls by a line (j/k) or a page (pgup/pgdown/space).
func (m *Model) scrollNodeMap(k string) {
	w, h := m.nodeMapArea()
	total := len(m.layoutNodeMap(w).lines)
	step := 1
	if strings.HasPrefix(k, "pg") || k == "space" {
		step = max(1, h-2)
	}
	if k == "k" || k == "pgup" {
		step = -step
	}
	m.nodeMap.scroll = clampScroll(m.nodeMap.scroll+step, total, h)
}

// revealSelected scrolls the map so the selected pod's rows (its own, and
// its scheduler's reason) are on screen.
func (m *Model) revealSelected() {
	w, h := m.nodeMapArea()
	lay := m.layoutNodeMap(w)
	at, ok := lay.podAt[m.selected]
	if !ok {
		return
	}
	shown := mapRowsShown(len(lay.lines), h)
	s := m.nodeMap.scroll
	if last := at.first + at.n - 1; last >= s+shown {
		s = last - shown + 1
	}
	if at.first < s {
		s = at.first
	}
	m.nodeMap.scroll = clampScroll(s, len(lay.lines), h)
}

// mapRowsShown is how many of total map lines fit in room lines: all of
// them, or room-1 above a line that says where the view is.
func mapRowsShown(total, room int) int {
	if total <= room {
		return total
	}
	return max(1, room-1)
}

func clampScroll(s, total, room int) int {
	return min(max(s, 0), max(0, total-mapRowsShown(total, room)))
}
