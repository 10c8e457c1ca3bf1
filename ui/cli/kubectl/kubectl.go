// Package kubectl is podlab's kubectl: its verbs (apply, create, expose, run, get,
// describe, logs, exec, attach, port-forward, delete, label, annotate, edit,
// wait, explain, set, rollout, scale, taint, cordon, uncordon, api-resources,
// version) with
// kubectl's flags, output and messages, so `alias kubectl=podlab` makes Pod
// tutorials work. It talks to the control plane only through runtime/client.
package kubectl

import (
	"github.com/spf13/cobra"

	"github.com/podlab/podlab/ui/cli/cmdenv"
)

// kubectl builds the verbs; they all run in its Env.
type kubectl struct{ *cmdenv.Env }

// Verbs are kubectl's commands, by the group of podlab's help they stand in.
type Verbs struct {
	Basic   []*cobra.Command // apply, create, expose, run, explain, get, delete, label, annotate, edit, wait, set
	Deploy  []*cobra.Command // rollout, scale
	Debug   []*cobra.Command // describe, logs, exec, attach, port-forward
	Cluster []*cobra.Command // taint, cordon, uncordon
	Other   []*cobra.Command // api-resources, version
}

// Commands builds kubectl's verbs to run in env.
func Commands(env *cmdenv.Env) Verbs {
	kc := &kubectl{env}
	return Verbs{
		Basic: []*cobra.Command{kc.applyCommand(), kc.createCommand(), kc.exposeCommand(), kc.runCommand(), kc.explainCommand(), kc.getCommand(),
			kc.deleteCommand(), kc.labelCommand("label"), kc.labelCommand("annotate"), kc.editCommand(), kc.waitCommand(), kc.setCommand()},
		Deploy:  []*cobra.Command{kc.rolloutCommand(), kc.scaleCommand()},
		Debug:   []*cobra.Command{kc.describeCommand(), kc.logsCommand(), kc.execCommand(), kc.attachCommand(), kc.portForwardCommand(), kc.explainScheduleCommand()},
		Cluster: []*cobra.Command{kc.taintCommand(), kc.cordonCommand(true), kc.cordonCommand(false), kc.drainCommand()},
		Other:   []*cobra.Command{kc.apiResourcesCommand(), kc.versionCommand()},
	}
}
