// Package box is the multi-call program inside podlab's offline images: one
// static binary that acts as pause, a POSIX shell, the common core utilities
// and a small web server, chosen by the name it is invoked under (the images
// hold a symlink per applet). It imports nothing from podlab.
package box

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Applet runs with the full argv (argv[0] is the applet's name) and returns the exit code.
type Applet func(argv []string) int

var applets = map[string]Applet{}

func register(fn Applet, names ...string) {
	for _, n := range names {
		applets[n] = fn
	}
}

// Lookup returns the applet named by argv0's base name, if there is one.
func Lookup(argv0 string) (Applet, bool) {
	a, ok := applets[filepath.Base(argv0)]
	if !ok {
		return nil, false
	}
	return func(argv []string) int {
		asInit()
		return a(argv)
	}, true
}

// Names lists every applet name, sorted (the image builder links each).
func Names() []string {
	out := make([]string, 0, len(applets))
	for n := range applets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fail prints "name: message" to stderr and returns exit code 1, as busybox applets do.
func fail(name string, format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "%s: %s\n", filepath.Base(name), fmt.Sprintf(format, args...))
	return 1
}
