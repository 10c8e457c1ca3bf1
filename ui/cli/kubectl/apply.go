package kubectl

import (
	"bytes"
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/ui/cli/cmdenv"
	"github.com/podlab/podlab/ui/cli/printers"
)

// lastApplied is the annotation kubectl apply keeps the applied manifest in.
const lastApplied = corev1.LastAppliedConfigAnnotation

func (kc *kubectl) applyCommand() *cobra.Command {
	var files []string
	var recursive bool
	var f writeFlags
	c := &cobra.Command{
		Use:   "apply -f FILENAME",
		Short: "Apply a configuration to a resource by file name or stdin",
		Example: `  # Run the Pod in pod.yaml
  podlab apply -f pod.yaml

  # Apply every manifest in a directory, or from stdin
  podlab apply -f manifests/
  cat pod.yaml | podlab apply -f -

  # What the server would make of it, stored nowhere
  podlab apply -f pod.yaml --dry-run=server -o yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			return kc.eachManifest(cmd, files, recursive, func(cmd *cobra.Command, cl client.Interface, m manifest) error {
				return kc.applyOne(cmd, cl, m, f)
			})
		},
	}
	c.Flags().StringSliceVarP(&files, "filename", "f", nil, "The files that contain the configurations to apply")
	c.Flags().BoolVarP(&recursive, "recursive", "R", false, "Process the directory used in -f recursively")
	c.Flags().StringVar(&f.dryRun, "dry-run", "none", "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.")
	c.Flags().Lookup("dry-run").NoOptDefVal = "unchanged"
	c.Flags().StringVarP(&f.output, "output", "o", "", "Output format. One of: (json, yaml, name).")
	return c
}

// writeFlags are the --dry-run and -o of the verbs that write (apply, run).
type writeFlags struct{ dryRun, output string }

// check normalises and checks the flags with kubectl's messages.
func (f *writeFlags) check() error {
	switch f.dryRun {
	case "unchanged": // bare --dry-run, kubectl's old spelling of client
		f.dryRun = "client"
	case "none", "client", "server":
	default:
		return fmt.Errorf("Invalid dry-run value (%s). Must be \"none\", \"server\", or \"client\".", f.dryRun)
	}
	switch f.output {
	case "", "yaml", "json", "name":
	default:
		return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,yaml", f.output)
	}
	return nil
}

// serverDryRun is the API's dryRun=All for a server dry run, else nothing.
func (f writeFlags) serverDryRun() []string {
	if f.dryRun == "server" {
		return []string{metav1.DryRunAll}
	}
	return nil
}

// report prints what apply did to obj as kubectl does: the object in the
// -o format, else "<kind>/<name> <operation>", with "(dry run)" or
// "(server dry run)" after a dry run.
func (kc *kubectl) report(res api.Resource, obj api.Object, operation string, f writeFlags) error {
	if f.output != "" {
		return printers.PrintObjects(kc.Stdout, f.output, res, []api.Object{obj}, false)
	}
	line := typeName(res, obj.GetName()) + " " + operation
	switch f.dryRun {
	case "client":
		line += " (dry run)"
	case "server":
		line += " (server dry run)"
	}
	fmt.Fprintln(kc.Stdout, line)
	return nil
}

// eachManifest reads every manifest first (a bad one applies nothing),
// then runs fn on each object, reporting failures kubectl's way and going
// on with the rest.
func (kc *kubectl) eachManifest(cmd *cobra.Command, files []string, recursive bool, fn func(*cobra.Command, client.Interface, manifest) error) error {
	ms, err := kc.readManifests(files, recursive)
	if err != nil {
		return err
	}
	cl, err := kc.Client(cmd)
	if err != nil {
		return err
	}
	failed := false
	for _, m := range ms {
		if err := fn(cmd, cl, m); err != nil {
			fmt.Fprintln(kc.Stderr, cmdenv.FormatError(err))
			failed = true
		}
	}
	if failed {
		return &cmdenv.ExitError{Code: 1}
	}
	return nil
}

func (kc *kubectl) applyOne(cmd *cobra.Command, cl client.Interface, m manifest, f writeFlags) error {
	res, _ := api.ForObject(m.Object)
	ns, err := kc.objectNamespace(m.Manifest, res)
	if err != nil {
		return err
	}
	obj := m.Object.DeepCopyObject().(api.Object)
	obj.SetNamespace(ns)
	api.SetTypeMeta(obj)
	modified, err := appliedConfig(m, obj)
	if err != nil {
		return err
	}
	cur, err := cl.Get(cmd.Context(), res, ns, obj.GetName())
	if apierrors.IsNotFound(err) {
		ann := obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[lastApplied] = modified
		obj.SetAnnotations(ann)
		if f.dryRun == "client" {
			return kc.report(res, obj, "created", f)
		}
		created, warnings, err := cl.Create(cmd.Context(), res, obj, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply", DryRun: f.serverDryRun()})
		kc.PrintWarnings(warnings)
		if err != nil {
			return err
		}
		return kc.report(res, created, "created", f)
	}
	if err != nil {
		return err
	}
	// kubectl's client dry run sends no patch: it says "configured" and
	// shows the object as the server has it.
	if f.dryRun == "client" {
		return kc.report(res, cur, "configured", f)
	}
	original := []byte(cur.GetAnnotations()[lastApplied])
	current, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	// kubectl's three-way strategic merge: what the last apply set and the
	// new manifest dropped is removed; fields others set are left alone.
	modifiedWithAnn, err := withLastApplied([]byte(modified), modified)
	if err != nil {
		return err
	}
	meta, err := strategicpatch.NewPatchMetaFromStruct(res.New())
	if err != nil {
		return err
	}
	patch, err := strategicpatch.CreateThreeWayMergePatch(original, modifiedWithAnn, current, meta, true)
	if err != nil {
		return fmt.Errorf("creating the patch for %s: %w", typeName(res, obj.GetName()), err)
	}
	if string(patch) == "{}" && f.output == "" {
		return kc.report(res, cur, "unchanged", f)
	}
	patched, warnings, err := cl.Patch(cmd.Context(), res, ns, obj.GetName(), types.StrategicMergePatchType, patch, metav1.PatchOptions{FieldManager: "kubectl-client-side-apply", DryRun: f.serverDryRun()})
	kc.PrintWarnings(warnings)
	if err != nil {
		return err
	}
	return kc.report(res, patched, "configured", f)
}

// appliedConfig is the last-applied annotation for a manifest object: what
// the user wrote when it could be recovered, else the typed object.
func appliedConfig(m manifest, obj api.Object) (string, error) {
	if m.written != nil {
		return lastAppliedConfig(m.written, obj.GetNamespace())
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

// withLastApplied is the configuration apply sends (kubectl's modified
// configuration with annotate): config with the annotation set to applied.
func withLastApplied(config []byte, applied string) ([]byte, error) {
	var obj map[string]any
	d := json.NewDecoder(bytes.NewReader(config))
	d.UseNumber()
	if err := d.Decode(&obj); err != nil {
		return nil, err
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		meta["annotations"] = ann
	}
	ann[lastApplied] = applied
	return json.Marshal(obj)
}
