// Package admission holds the lab's admission plugins, run by the API
// server after validation-independent defaulting and before storage, the
// way kube-apiserver runs its plugins:
//
//   - HostAccess refuses pods that would reach the learner's machine —
//     privileged containers, the host's network, PID or IPC namespaces,
//     capabilities beyond Docker's default set — unless the lab was started
//     with --allow-privileged;
//   - LabNotes warns (kubectl's "Warning:" lines) where the lab departs from
//     a real cluster: a stand-in image, a hostPath on the virtual node;
//   - DefaultTolerationSeconds gives pods upstream's 300 s tolerations of
//     the not-ready and unreachable node taints.
package admission
