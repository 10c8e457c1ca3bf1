// Package tui is podlab's terminal app (Charm's v2 stack): one root model
// owns the state and the update loop; the pods table, the detail pane
// (describe, pod anatomy, events, timeline, logs, and scheduling: why the
// scheduler put the pod on its node or on none, per node), the node map
// (nodes with their labels and taints, the pods on each), the Service view
// (Services, their endpoints ready and not ready, each endpoint's pod, node
// and traffic counts), the command bar and the help are rendered from it
// at the window's size. Every call to the control plane happens in a
// tea.Cmd and comes back as a message; the lab's state arrives through
// watches, never by polling — only the proxy's traffic counts, which are
// no API object, are asked for about once a second while the Service view
// shows — and nothing here touches Docker.
// It imports runtime/client, runtime/api and ui/cli/printers.
package tui
