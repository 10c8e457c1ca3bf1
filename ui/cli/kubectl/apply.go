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
)

// lastApplied is the annotation kubectl apply keeps the applied manifest in.
const lastApplied = corev1.LastAppliedConfigAnnotation

func (kc *kubectl) applyCommand() *cobra.Command {
	var files []string
	var recursive bool
	c := &cobra.Command{
		Use:   "apply -f FILENAME",
		Short: "Apply a configuration to a resource by file name or stdin",
		Example: `  # Run the Pod in pod.yaml
  podlab apply -f pod.yaml

  # Apply every manifest in a directory, or from stdin
  podlab apply -f manifests/
  cat pod.yaml | podlab apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return kc.eachManifest(cmd, files, recursive, kc.applyOne)
		},
	}
	c.Flags().StringSliceVarP(&files, "filename", "f", nil, "The files that contain the configurations to apply")
	c.Flags().BoolVarP(&recursive, "recursive", "R", false, "Process the directory used in -f recursively")
	return c
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

func (kc *kubectl) applyOne(cmd *cobra.Command, cl client.Interface, m manifest) error {
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
		_, warnings, err := cl.Create(cmd.Context(), res, obj, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"})
		kc.PrintWarnings(warnings)
		if err != nil {
			return err
		}
		fmt.Fprintf(kc.Stdout, "%s created\n", typeName(res, obj.GetName()))
		return nil
	}
	if err != nil {
		return err
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
	if string(patch) == "{}" {
		fmt.Fprintf(kc.Stdout, "%s unchanged\n", typeName(res, obj.GetName()))
		return nil
	}
	_, warnings, err := cl.Patch(cmd.Context(), res, ns, obj.GetName(), types.StrategicMergePatchType, patch, metav1.PatchOptions{FieldManager: "kubectl-client-side-apply"})
	kc.PrintWarnings(warnings)
	if err != nil {
		return err
	}
	fmt.Fprintf(kc.Stdout, "%s configured\n", typeName(res, obj.GetName()))
	return nil
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
