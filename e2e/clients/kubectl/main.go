// Command kubectl is the real kubectl client of the newest Kubernetes release
// podlab serves, built from the published k8s.io/kubectl library at the
// release this module pins.
//
// Its one job is to run kubectl's root command. The version it reports is
// set at build time with -ldflags -X on k8s.io/component-base/version (see
// internal/clientbin), as Kubernetes' own release build does.
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	root := cmd.NewDefaultKubectlCommand()
	// RunNoErrOutput leaves the error to us: CheckErr prints it the way
	// kubectl does and exits with kubectl's exit codes.
	if err := cli.RunNoErrOutput(root); err != nil {
		util.CheckErr(err)
	}
}
