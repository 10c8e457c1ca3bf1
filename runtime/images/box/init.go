package box

import (
	"os"
	"os/signal"
	"syscall"
)

// asInit makes an applet running as a container's PID 1 behave like a C
// program there: the kernel does not deliver signals a PID 1 has no handler
// for, so SIGTERM does nothing and the kubelet's SIGKILL ends it (exit 137)
// — a real lesson of busybox pods. Applets that handle signals (pause, web,
// nginx) install their own handlers, which take precedence.
func asInit() {
	if os.Getpid() == 1 {
		signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	}
}
