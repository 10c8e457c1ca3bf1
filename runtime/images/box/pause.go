package box

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func init() { register(pauseMain, "pause") }

// pauseMain is the infra container's process: it holds the pod's namespaces
// by doing nothing, reaps orphaned children when it is PID 1 (with
// shareProcessNamespace every container's orphans land on it), and exits
// cleanly on SIGINT or SIGTERM, like upstream's pause.
func pauseMain(argv []string) int {
	if len(argv) > 1 && argv[1] == "-v" {
		fmt.Println("pause (podlab)")
		return 0
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range sigs {
		if sig == syscall.SIGCHLD {
			reap()
			continue
		}
		return 0
	}
	return 0
}

func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
