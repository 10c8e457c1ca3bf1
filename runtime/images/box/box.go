// Package box is the multi-call program inside podlab's offline images: one
// static binary that acts as pause, a POSIX shell, the common core utilities
// and a small web server, chosen by the name it is invoked under.
package box

import "path/filepath"

// Applet runs with the full argv (argv[0] is the applet's name) and returns the exit code.
type Applet func(argv []string) int

var applets = map[string]Applet{}

// Lookup returns the applet named by argv0's base name, if there is one.
func Lookup(argv0 string) (Applet, bool) {
	a, ok := applets[filepath.Base(argv0)]
	return a, ok
}
