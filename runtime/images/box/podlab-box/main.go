// Command podlab-box is the lean build of podlab's multi-call program: the
// applets alone (pause, sh and the core utilities, web, probe), without the
// CLI and the terminal app. podlab builds its offline images from it when it
// sits beside the podlab binary, because every shell command, exec probe and
// HTTP probe in a stand-in image starts it afresh, and a program without the
// app's libraries starts several times faster. podlab's own binary stays a
// complete fallback.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/podlab/podlab/runtime/images/box"
)

func main() {
	if applet, ok := box.Lookup(os.Args[0]); ok {
		os.Exit(applet(os.Args))
	}
	fmt.Fprintf(os.Stderr, "%s: podlab's image applets run under their own names (sh, cat, web, ...)\n", filepath.Base(os.Args[0]))
	os.Exit(2)
}
