package kubectl

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/ui/cli/cmdenv"
)

const editHeader = `# Please edit the object below. Lines beginning with a '#' will be ignored,
# and an empty file will abort the edit. If an error occurs while saving this file will be
# reopened with the relevant failures.
#
`

func editor() []string {
	for _, v := range []string{"KUBE_EDITOR", "EDITOR"} {
		if e := strings.TrimSpace(os.Getenv(v)); e != "" {
			return strings.Fields(e)
		}
	}
	return []string{"vi"}
}

func (kc *kubectl) editCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "edit (RESOURCE/NAME | RESOURCE NAME)",
		Short:             "Edit a resource on the server in $EDITOR",
		ValidArgsFunction: kc.completeResources,
		RunE: func(cmd *cobra.Command, args []string) error {
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			if len(targets) != 1 || len(targets[0].names) != 1 {
				return fmt.Errorf("edit needs exactly one object: TYPE NAME or TYPE/NAME")
			}
			t := targets[0]
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			cur, err := cl.Get(cmd.Context(), t.res, kc.NS(), t.names[0])
			if err != nil {
				return err
			}
			cur.SetManagedFields(nil)
			orig, err := yaml.Marshal(cur)
			if err != nil {
				return err
			}
			f, err := os.CreateTemp("", "podlab-edit-*.yaml")
			if err != nil {
				return err
			}
			defer os.Remove(f.Name())
			f.WriteString(editHeader)
			f.Write(orig)
			f.Close()
			ed := editor()
			run := exec.CommandContext(cmd.Context(), ed[0], append(ed[1:], f.Name())...)
			run.Stdin, run.Stdout, run.Stderr = os.Stdin, os.Stdout, os.Stderr
			if err := run.Run(); err != nil {
				return fmt.Errorf("there was a problem with the editor %q: %v", strings.Join(ed, " "), err)
			}
			edited, err := os.ReadFile(f.Name())
			if err != nil {
				return err
			}
			body := stripComments(edited)
			if len(bytes.TrimSpace(body)) == 0 {
				fmt.Fprintln(kc.Stdout, "Edit cancelled, saved file was empty.")
				return nil
			}
			if bytes.Equal(bytes.TrimSpace(body), bytes.TrimSpace(orig)) {
				fmt.Fprintln(kc.Stdout, "Edit cancelled, no changes made.")
				return nil
			}
			keep := func(err error) error {
				copyPath := f.Name() + ".kept"
				os.WriteFile(copyPath, edited, 0o600)
				return fmt.Errorf("%s\nA copy of your changes has been stored to %q", cmdenv.FormatError(err), copyPath)
			}
			ms, err := api.Decode("edited "+typeName(t.res, t.names[0]), body)
			if err != nil {
				return keep(err)
			}
			if len(ms) != 1 {
				return keep(fmt.Errorf("the edited file must hold exactly one object"))
			}
			obj := ms[0].Object
			if obj.GetName() != cur.GetName() {
				return keep(fmt.Errorf("the name of the object cannot be changed (from %s to %s)", cur.GetName(), obj.GetName()))
			}
			obj.SetNamespace(cur.GetNamespace())
			_, ws, err := cl.Update(cmd.Context(), t.res, obj, metav1.UpdateOptions{FieldManager: "kubectl-edit"})
			kc.PrintWarnings(ws)
			if err != nil {
				return keep(err)
			}
			fmt.Fprintf(kc.Stdout, "%s edited\n", typeName(t.res, t.names[0]))
			return nil
		},
	}
}

func stripComments(b []byte) []byte {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		out = append(out, l)
	}
	return []byte(strings.Join(out, "\n"))
}
