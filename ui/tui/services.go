package tui

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

// The Service view (v): the namespace's Services, and for the selected one
// its endpoints — ready and not ready apart, as their EndpointSlices'
// conditions say — each with its pod, its node and the connections the
// lab's proxy forwarded to it. Services and slices come by watch, started
// the first time the view opens; the counts are polled about once a
// second while it shows (trafficPeriod).

// trafficPeriod is how often the view asks for the proxy's counts (the
// proxy publishes them every 500 ms).
const trafficPeriod = time.Second

// svcState is what the Service view keeps.
type svcState struct {
	services map[string]*corev1.Service            // by name, in the model's namespace
	slices   map[string]*discoveryv1.EndpointSlice // by slice name
	// listed says the services have been listed at least once.
	listed bool
	// watching says the watches were started.
	watching bool
	// selected is the selected Service's name, endpoint the index of the
	// selected endpoint among its rows.
	selected string
	endpoint int
	// from is the screen v and esc lead back to.
	from screen
	// traffic is the proxy's last counts, trafficErr why they could not be
	// read; counted says an answer came.
	traffic    client.Traffic
	trafficErr string
	counted    bool
	// pollSeq numbers the polling chains: only the latest one goes on.
	pollSeq int
}

type (
	servicesListedMsg struct {
		services []corev1.Service
		next     tea.Cmd
	}
	serviceEventMsg struct {
		svc     *corev1.Service
		deleted bool
		next    tea.Cmd
	}
	slicesListedMsg struct {
		slices []discoveryv1.EndpointSlice
		next   tea.Cmd
	}
	sliceEventMsg struct {
		slice   *discoveryv1.EndpointSlice
		deleted bool
		next    tea.Cmd
	}
	// trafficMsg is the proxy's counts, for polling chain seq.
	trafficMsg struct {
		seq     int
		traffic client.Traffic
		err     error
	}
	// trafficTickMsg says it is time chain seq asked again.
	trafficTickMsg struct{ seq int }
)

// watchServices lists the namespace's Services, then follows them.
func watchServices(cl client.Interface, ns string) tea.Cmd {
	return follow[corev1.Service](cl, api.Services, ns,
		func(svcs []corev1.Service, next tea.Cmd) tea.Msg {
			return servicesListedMsg{services: svcs, next: next}
		},
		func(s *corev1.Service, deleted bool, next tea.Cmd) tea.Msg {
			return serviceEventMsg{svc: s, deleted: deleted, next: next}
		})
}

// watchEndpointSlices lists the namespace's EndpointSlices, then follows them.
func watchEndpointSlices(cl client.Interface, ns string) tea.Cmd {
	return follow[discoveryv1.EndpointSlice](cl, api.EndpointSlices, ns,
		func(ss []discoveryv1.EndpointSlice, next tea.Cmd) tea.Msg {
			return slicesListedMsg{slices: ss, next: next}
		},
		func(s *discoveryv1.EndpointSlice, deleted bool, next tea.Cmd) tea.Msg {
			return sliceEventMsg{slice: s, deleted: deleted, next: next}
		})
}

// fetchTraffic asks the control plane for the namespace's counts.
func fetchTraffic(cl client.Interface, ns string, seq int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		t, err := cl.Traffic(ctx, ns)
		return trafficMsg{seq: seq, traffic: t, err: err}
	}
}

// noteServiceMsg applies a message of the view's watches or its polling;
// it says whether msg was one.
func (m Model) noteServiceMsg(msg tea.Msg) (Model, tea.Cmd, bool) {
	s := &m.svc
	switch msg := msg.(type) {
	case servicesListedMsg:
		m.watchErr = ""
		s.services = map[string]*corev1.Service{}
		for i := range msg.services {
			s.services[msg.services[i].Name] = &msg.services[i]
		}
		s.listed = true
		m.keepServiceSelection()
		return m, msg.next, true
	case serviceEventMsg:
		if s.services == nil {
			s.services = map[string]*corev1.Service{}
		}
		if msg.deleted {
			delete(s.services, msg.svc.Name)
		} else {
			s.services[msg.svc.Name] = msg.svc
		}
		m.keepServiceSelection()
		return m, msg.next, true
	case slicesListedMsg:
		m.watchErr = ""
		s.slices = map[string]*discoveryv1.EndpointSlice{}
		for i := range msg.slices {
			s.slices[msg.slices[i].Name] = &msg.slices[i]
		}
		m.keepServiceSelection()
		return m, msg.next, true
	case sliceEventMsg:
		if s.slices == nil {
			s.slices = map[string]*discoveryv1.EndpointSlice{}
		}
		if msg.deleted {
			delete(s.slices, msg.slice.Name)
		} else {
			s.slices[msg.slice.Name] = msg.slice
		}
		m.keepServiceSelection()
		return m, msg.next, true
	case trafficMsg:
		if msg.seq != s.pollSeq || m.screen != screenServices {
			return m, nil, true // an older chain's, or the view closed: the chain ends
		}
		s.counted = true
		if msg.err != nil {
			s.trafficErr = msg.err.Error()
		} else {
			s.traffic, s.trafficErr = msg.traffic, ""
		}
		seq := msg.seq
		return m, tea.Tick(trafficPeriod, func(time.Time) tea.Msg { return trafficTickMsg{seq: seq} }), true
	case trafficTickMsg:
		if msg.seq != s.pollSeq || m.screen != screenServices || m.opts.Client == nil {
			return m, nil, true
		}
		return m, fetchTraffic(m.opts.Client, m.opts.Namespace, msg.seq), true
	}
	return m, nil, false
}

// openServices shows the Service view; v and esc lead back to from. The
// first time, it starts the watches; every time, a polling chain.
func (m Model) openServices(from screen) (Model, tea.Cmd) {
	m.svc.from, m.screen = from, screenServices
	m.keepServiceSelection()
	if m.opts.Client == nil {
		return m, nil
	}
	var cmds []tea.Cmd
	if !m.svc.watching {
		m.svc.watching = true
		cmds = append(cmds, watchServices(m.opts.Client, m.opts.Namespace), watchEndpointSlices(m.opts.Client, m.opts.Namespace))
	}
	m.svc.pollSeq++
	cmds = append(cmds, fetchTraffic(m.opts.Client, m.opts.Namespace, m.svc.pollSeq))
	return m, tea.Batch(cmds...)
}

// updateServices handles a key on the Service view.
func (m Model) updateServices(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	m.err = ""
	switch {
	case key.Matches(msg, keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, keys.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, keys.SvcBack):
		m.screen = m.svc.from
	case msg.String() == "w":
		m.screen = screenWorkspace
	case key.Matches(msg, keys.Command):
		return m.openCommandBar("")
	case key.Matches(msg, keys.SvcUp):
		m.moveServiceSelection(-1)
	case key.Matches(msg, keys.SvcDown):
		m.moveServiceSelection(1)
	case key.Matches(msg, keys.SvcPrevEndpoint):
		m.moveEndpointSelection(-1)
	case key.Matches(msg, keys.SvcNextEndpoint):
		m.moveEndpointSelection(1)
	case key.Matches(msg, keys.SvcOpen):
		return m.openEndpointPod()
	}
	return m, nil
}

// sortedServices lists the view's Services by name.
func (m Model) sortedServices() []*corev1.Service {
	out := make([]*corev1.Service, 0, len(m.svc.services))
	for _, s := range m.svc.services {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (m Model) selectedService() *corev1.Service { return m.svc.services[m.svc.selected] }

// keepServiceSelection keeps a Service selected (the first, when the
// selected one went) and the endpoint's index within its rows.
func (m *Model) keepServiceSelection() {
	if _, ok := m.svc.services[m.svc.selected]; !ok {
		m.svc.selected, m.svc.endpoint = "", 0
		if svcs := m.sortedServices(); len(svcs) > 0 {
			m.svc.selected = svcs[0].Name
		}
	}
	if s := m.selectedService(); s != nil {
		m.svc.endpoint = min(m.svc.endpoint, max(0, len(m.endpointRows(s))-1))
	}
}

// moveServiceSelection selects the Service delta places away; the
// endpoint selection starts again at its first endpoint.
func (m *Model) moveServiceSelection(delta int) {
	svcs := m.sortedServices()
	if len(svcs) == 0 {
		return
	}
	i := 0
	for j, s := range svcs {
		if s.Name == m.svc.selected {
			i = j
		}
	}
	next := svcs[min(max(i+delta, 0), len(svcs)-1)].Name
	if next != m.svc.selected {
		m.svc.selected, m.svc.endpoint = next, 0
	}
}

func (m *Model) moveEndpointSelection(delta int) {
	s := m.selectedService()
	if s == nil {
		return
	}
	m.svc.endpoint = min(max(m.svc.endpoint+delta, 0), max(0, len(m.endpointRows(s))-1))
}

// openEndpointPod shows the selected endpoint's pod in the workspace.
func (m Model) openEndpointPod() (Model, tea.Cmd) {
	s := m.selectedService()
	if s == nil {
		return m, nil
	}
	rows := m.endpointRows(s)
	if m.svc.endpoint >= len(rows) {
		return m, nil
	}
	pod := rows[m.svc.endpoint].pod
	if _, ok := m.pods[pod]; !ok {
		m.err = "endpoint " + rows[m.svc.endpoint].ip + " is no pod of namespace " + m.opts.Namespace
		return m, nil
	}
	m.selected, m.screen, m.showOutput = pod, screenWorkspace, false
	if p := m.selectedPod(); p != nil && m.pane == paneLogs && m.logsFor != m.logsKey(p) {
		return m, m.fetchSelectedLogs()
	}
	return m, nil
}

// endpointRow is one endpoint of a Service as the view lists it: an
// address of its EndpointSlices, its ports there, its pod and node and
// conditions, and the proxy's counts for it over the Service's ports.
type endpointRow struct {
	ip    string
	ports []int32
	pod   string
	node  string
	ready bool
	// serving and terminating are the slice's conditions (nil: unset).
	serving, terminating *bool
	counted              bool
	connections, active  int64
	bytesIn, bytesOut    int64
	// byPort is the connections per Service port, when it has several.
	byPort map[string]int64
}

// endpointRows are a Service's endpoints from its EndpointSlices (labelled
// kubernetes.io/service-name), one row an address, the ready ones first,
// then by pod and address, each with its counts.
func (m Model) endpointRows(s *corev1.Service) []endpointRow {
	byIP := map[string]*endpointRow{}
	var order []string
	for _, sl := range m.svc.slices {
		if sl.Labels[discoveryv1.LabelServiceName] != s.Name {
			continue
		}
		for _, ep := range sl.Endpoints {
			if len(ep.Addresses) == 0 {
				continue
			}
			ip := ep.Addresses[0]
			r := byIP[ip]
			if r == nil {
				r = &endpointRow{ip: ip}
				byIP[ip] = r
				order = append(order, ip)
			}
			// The EndpointSlice API: an unset ready condition is to be read
			// as ready (kube-proxy and servicenet do the same).
			r.ready = ep.Conditions.Ready == nil || *ep.Conditions.Ready
			r.serving, r.terminating = ep.Conditions.Serving, ep.Conditions.Terminating
			if ep.TargetRef != nil && ep.TargetRef.Kind == "Pod" {
				r.pod = ep.TargetRef.Name
			}
			if ep.NodeName != nil {
				r.node = *ep.NodeName
			} else if p := m.pods[r.pod]; p != nil {
				r.node = p.Spec.NodeName
			}
			for _, p := range sl.Ports {
				if p.Port != nil && !containsPort(r.ports, *p.Port) {
					r.ports = append(r.ports, *p.Port)
				}
			}
		}
	}
	multi := len(s.Spec.Ports) > 1
	for _, st := range m.svc.traffic.Services {
		if st.Namespace != s.Namespace || st.Name != s.Name {
			continue
		}
		for _, e := range st.Endpoints {
			r := byIP[e.IP]
			if r == nil {
				continue // an endpoint that left the slices
			}
			r.counted = true
			r.connections += e.Connections
			r.active += e.Active
			r.bytesIn += e.BytesIn
			r.bytesOut += e.BytesOut
			if multi && e.Connections > 0 {
				if r.byPort == nil {
					r.byPort = map[string]int64{}
				}
				r.byPort[st.Port] += e.Connections
			}
		}
	}
	rows := make([]endpointRow, 0, len(order))
	for _, ip := range order {
		sort.Slice(byIP[ip].ports, func(i, j int) bool { return byIP[ip].ports[i] < byIP[ip].ports[j] })
		rows = append(rows, *byIP[ip])
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].ready != rows[j].ready {
			return rows[i].ready
		}
		if rows[i].pod != rows[j].pod {
			return rows[i].pod < rows[j].pod
		}
		return rows[i].ip < rows[j].ip
	})
	return rows
}

func containsPort(ports []int32, p int32) bool {
	for _, q := range ports {
		if q == p {
			return true
		}
	}
	return false
}

// address is the row's ip:port, the ports joined by commas when several.
func (r endpointRow) address() string {
	if len(r.ports) == 0 {
		return r.ip
	}
	ps := make([]string, len(r.ports))
	for i, p := range r.ports {
		ps[i] = strconv.Itoa(int(p))
	}
	return r.ip + ":" + strings.Join(ps, ",")
}

// serviceRefused is the connections the proxy refused for s (no endpoint).
func (m Model) serviceRefused(s *corev1.Service) int64 {
	var n int64
	for _, st := range m.svc.traffic.Services {
		if st.Namespace == s.Namespace && st.Name == s.Name {
			n += st.Refused
		}
	}
	return n
}
