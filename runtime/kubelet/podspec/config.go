package podspec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/kubelet/cri"
)

// minShares is the kubelet's floor for CPU shares (MinShares in the cm package).
const minShares = 2

// MilliCPUToShares converts a CPU request to cgroup shares the way the
// kubelet does: 1 CPU is 1024 shares, with a floor of 2.
func MilliCPUToShares(milli int64) int64 {
	if milli == 0 {
		return minShares
	}
	shares := milli * 1024 / 1000
	if shares < minShares {
		return minShares
	}
	return shares
}

// ContainerConfig builds the engine configuration for one init or app
// container. The caller fills Pod, Kind, Attempt, SandboxID, Image, SpecHash
// and EtcHosts.
func ContainerConfig(pod *corev1.Pod, c *corev1.Container, env []string, mounts []cri.Mount) cri.ContainerConfig {
	cfg := cri.ContainerConfig{
		Container:   c.Name,
		Entrypoint:  ExpandArgs(c.Command, env),
		Cmd:         ExpandArgs(c.Args, env),
		Env:         env,
		WorkingDir:  c.WorkingDir,
		Mounts:      mounts,
		Stdin:       c.Stdin,
		StdinOnce:   c.StdinOnce,
		TTY:         c.TTY,
		SharePID:    pod.Spec.ShareProcessNamespace != nil && *pod.Spec.ShareProcessNamespace,
		HostNetwork: pod.Spec.HostNetwork,
		HostPID:     pod.Spec.HostPID,
		HostIPC:     pod.Spec.HostIPC,
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		cfg.MemoryLimit = q.Value()
	}
	if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		cfg.NanoCPUs = q.MilliValue() * 1_000_000
	}
	req, hasReq := c.Resources.Requests[corev1.ResourceCPU]
	if !hasReq {
		req, hasReq = c.Resources.Limits[corev1.ResourceCPU]
	}
	if hasReq {
		cfg.CPUShares = MilliCPUToShares(req.MilliValue())
	} else {
		cfg.CPUShares = minShares // BestEffort
	}
	applySecurity(&cfg, pod.Spec.SecurityContext, c.SecurityContext)
	if c.Lifecycle != nil && c.Lifecycle.StopSignal != nil {
		cfg.StopSignal = string(*c.Lifecycle.StopSignal)
	}
	return cfg
}

// applySecurity merges pod- and container-level security contexts, the
// container's settings winning (upstream's DetermineEffectiveSecurityContext).
func applySecurity(cfg *cri.ContainerConfig, pod *corev1.PodSecurityContext, c *corev1.SecurityContext) {
	var uid, gid *int64
	if pod != nil {
		uid, gid = pod.RunAsUser, pod.RunAsGroup
	}
	if c != nil {
		if c.RunAsUser != nil {
			uid = c.RunAsUser
		}
		if c.RunAsGroup != nil {
			gid = c.RunAsGroup
		}
		cfg.Privileged = c.Privileged != nil && *c.Privileged
		cfg.ReadOnlyRootfs = c.ReadOnlyRootFilesystem != nil && *c.ReadOnlyRootFilesystem
		cfg.NoNewPrivileges = c.AllowPrivilegeEscalation != nil && !*c.AllowPrivilegeEscalation
		if caps := c.Capabilities; caps != nil {
			for _, k := range caps.Add {
				cfg.CapAdd = append(cfg.CapAdd, dockerCap(string(k)))
			}
			for _, k := range caps.Drop {
				cfg.CapDrop = append(cfg.CapDrop, dockerCap(string(k)))
			}
		}
	}
	switch {
	case uid != nil && gid != nil:
		cfg.User = strconv.FormatInt(*uid, 10) + ":" + strconv.FormatInt(*gid, 10)
	case uid != nil:
		cfg.User = strconv.FormatInt(*uid, 10)
	case gid != nil:
		cfg.User = "0:" + strconv.FormatInt(*gid, 10)
	}
}

// dockerCap normalises a capability name to Docker's CAP_ form ("ALL" stays).
func dockerCap(name string) string {
	name = strings.ToUpper(name)
	if name == "ALL" || strings.HasPrefix(name, "CAP_") {
		return name
	}
	return "CAP_" + name
}

// SpecHash fingerprints the container spec whose change restarts the
// container, like the kubelet's container hash. Resources are left out
// (upstream leaves them out since in-place resize), so a hash changes on
// image, command, env, ports, mounts, probes and the like.
func SpecHash(c *corev1.Container) string {
	cp := c.DeepCopy()
	cp.Resources = corev1.ResourceRequirements{}
	b, _ := json.Marshal(cp)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
