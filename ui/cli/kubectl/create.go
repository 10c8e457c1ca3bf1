package kubectl

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/client"
)

func (kc *kubectl) createCommand() *cobra.Command {
	var files []string
	var recursive bool
	c := &cobra.Command{
		Use:   "create -f FILENAME",
		Short: "Create a resource from a file or from stdin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return kc.eachManifest(cmd, files, recursive, kc.createOne)
		},
	}
	c.Flags().StringSliceVarP(&files, "filename", "f", nil, "Filename, directory, or URL to files to use to create the resource")
	c.Flags().BoolVarP(&recursive, "recursive", "R", false, "Process the directory used in -f recursively")
	c.AddCommand(kc.createConfigMapCommand(false), kc.createConfigMapCommand(true), kc.createNamespaceCommand(), kc.createDeploymentCommand())
	return c
}

func (kc *kubectl) createOne(cmd *cobra.Command, cl client.Interface, m manifest) error {
	res, _ := api.ForObject(m.Object)
	ns, err := kc.objectNamespace(m.Manifest, res)
	if err != nil {
		return err
	}
	obj := m.Object.DeepCopyObject().(api.Object)
	obj.SetNamespace(ns)
	_, ws, err := cl.Create(cmd.Context(), res, obj, metav1.CreateOptions{FieldManager: "kubectl-create"})
	kc.PrintWarnings(ws)
	if err != nil {
		return err
	}
	fmt.Fprintf(kc.Stdout, "%s created\n", typeName(res, obj.GetName()))
	return nil
}

// dataFlags collects --from-literal, --from-file and --from-env-file.
type dataFlags struct {
	literals, files, envFiles []string
}

func (d *dataFlags) add(c *cobra.Command) {
	c.Flags().StringArrayVar(&d.literals, "from-literal", nil, "Specify a key and literal value to insert (i.e. mykey=somevalue)")
	c.Flags().StringArrayVar(&d.files, "from-file", nil, "Key file can be specified using its file path, in which case file basename will be used as key, or optionally with a key and file path, in which case the given key will be used. Specifying a directory will iterate each named file in the directory whose basename is a valid key.")
	c.Flags().StringArrayVar(&d.envFiles, "from-env-file", nil, "Specify the path to a file to read lines of key=val pairs")
}

func (d *dataFlags) collect() (map[string]string, error) {
	data := map[string]string{}
	put := func(k, v string) error {
		if _, dup := data[k]; dup {
			return fmt.Errorf("cannot add key %q, another key by that name already exists in Data for ConfigMap %q", k, "")
		}
		data[k] = v
		return nil
	}
	for _, l := range d.literals {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid literal source %s, expected key=value", l)
		}
		if err := put(k, v); err != nil {
			return nil, err
		}
	}
	for _, f := range d.files {
		key, path, hasKey := strings.Cut(f, "=")
		if !hasKey {
			path, key = f, filepath.Base(f)
		}
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("error reading %s: no such file or directory", path)
		}
		if fi.IsDir() {
			entries, _ := os.ReadDir(path)
			for _, e := range entries {
				if e.IsDir() {
					continue
				}
				b, err := readLimited(filepath.Join(path, e.Name()))
				if err != nil {
					return nil, err
				}
				if err := put(e.Name(), string(b)); err != nil {
					return nil, err
				}
			}
			continue
		}
		b, err := readLimited(path)
		if err != nil {
			return nil, err
		}
		if err := put(key, string(b)); err != nil {
			return nil, err
		}
	}
	for _, f := range d.envFiles {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, _ := strings.Cut(line, "=")
			if err := put(k, v); err != nil {
				fh.Close()
				return nil, err
			}
		}
		fh.Close()
	}
	return data, nil
}

func (kc *kubectl) createConfigMapCommand(secret bool) *cobra.Command {
	var d dataFlags
	use, short := "configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1]", "Create a config map from a local file, directory or literal value"
	if secret {
		use, short = "secret generic NAME [--from-file=[key=]source] [--from-literal=key1=value1]", "Create a secret from a local file, directory, or literal value"
	}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if secret {
				if len(args) != 2 || args[0] != "generic" {
					return fmt.Errorf("exactly one NAME is required after \"secret generic\" (podlab creates generic secrets)")
				}
				args = args[1:]
			}
			if len(args) != 1 {
				return fmt.Errorf("exactly one NAME is required, got %d", len(args))
			}
			data, err := d.collect()
			if err != nil {
				return err
			}
			meta := metav1.ObjectMeta{Name: args[0], Namespace: kc.NS()}
			var obj api.Object
			res := api.ConfigMaps
			if secret {
				s := &corev1.Secret{ObjectMeta: meta, Type: corev1.SecretTypeOpaque, Data: map[string][]byte{}}
				for k, v := range data {
					s.Data[k] = []byte(v)
				}
				obj, res = s, api.Secrets
			} else {
				obj = &corev1.ConfigMap{ObjectMeta: meta, Data: data}
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			if _, _, err := cl.Create(cmd.Context(), res, obj, metav1.CreateOptions{FieldManager: "kubectl-create"}); err != nil {
				return err
			}
			fmt.Fprintf(kc.Stdout, "%s created\n", typeName(res, args[0]))
			return nil
		},
	}
	if !secret {
		c.Aliases = []string{"cm"}
	}
	d.add(c)
	return c
}

func (kc *kubectl) createNamespaceCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "namespace NAME",
		Aliases: []string{"ns"},
		Short:   "Create a namespace with the specified name",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: args[0]}}
			if _, _, err := cl.Create(cmd.Context(), api.Namespaces, ns, metav1.CreateOptions{FieldManager: "kubectl-create"}); err != nil {
				return err
			}
			fmt.Fprintf(kc.Stdout, "namespace/%s created\n", args[0])
			return nil
		},
	}
}
