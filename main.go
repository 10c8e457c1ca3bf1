// Command podlab is an interactive terminal lab that teaches Kubernetes Pods
// by running them for real on the local Docker Engine.
//
// The same static binary is also the multi-call program inside podlab's
// offline images (pause, sh and core utilities, a small web server): invoked
// under an applet's name, it runs that applet instead of the CLI.
package main

import (
	"os"

	"github.com/podlab/podlab/runtime/images/box"
	"github.com/podlab/podlab/ui/cli"
)

func main() {
	if applet, ok := box.Lookup(os.Args[0]); ok {
		os.Exit(applet(os.Args))
	}
	os.Exit(cli.Main(os.Args[1:]))
}
