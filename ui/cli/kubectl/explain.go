package kubectl

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/podlab/podlab/runtime/api"
)

func (kc *kubectl) explainCommand() *cobra.Command {
	var recursive bool
	var apiVersion, output string
	c := &cobra.Command{
		Use:   "explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group]",
		Short: "Get documentation for a resource",
		Long: `Describe fields and structure of various resources.

 This command describes the fields associated with each supported API resource. Fields are identified via a simple JSONPath identifier:

        <type>.<fieldName>[.<fieldName>]

 Information about each field comes from the API types podlab serves (the same documentation the Kubernetes API server publishes), so it works without a running lab.

Use "podlab api-resources" for a complete list of supported resources.`,
		Example: `  # Get the documentation of the resource and its fields
  podlab explain pods

  # Get all the fields in the resource
  podlab explain pods --recursive

  # Get the documentation of a specific field of a resource
  podlab explain pods.spec.containers`,
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return kc.completeResources(cmd, nil, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 0:
				return fmt.Errorf("You must specify the type of resource to explain. Use \"podlab api-resources\" for a complete list of supported resources.\n")
			case len(args) > 1:
				return fmt.Errorf("We accept only this format: explain RESOURCE\n")
			}
			if output != "plaintext" {
				return fmt.Errorf("unsupported output format: %s. Valid values are: plaintext", output)
			}
			typ, path, _ := strings.Cut(args[0], ".")
			res, err := lookupResource(typ)
			if err != nil {
				return err
			}
			if apiVersion != "" {
				gv, err := schema.ParseGroupVersion(apiVersion)
				if err != nil {
					return err
				}
				if gv != res.GroupVersion() {
					return fmt.Errorf("couldn't find resource for %q", gv.WithResource(res.Name).String())
				}
			}
			var fields []string
			if path != "" {
				fields = strings.Split(path, ".")
			}
			return explain(kc.Stdout, res, fields, recursive)
		},
	}
	c.Flags().BoolVar(&recursive, "recursive", false, "When true, print the name of all the fields recursively. Otherwise, print the available fields with their description.")
	c.Flags().StringVar(&apiVersion, "api-version", "", "Use given api-version (group/version) of the resource.")
	c.Flags().StringVarP(&output, "output", "o", "plaintext", "Format in which to render the schema. Valid values are: (plaintext).")
	return c
}

// explain writes kubectl's explain page (its OpenAPI v3 plaintext
// template) for a resource or one of its fields.
func explain(w io.Writer, res api.Resource, path []string, recursive bool) error {
	root := reflect.TypeOf(res.New()).Elem()
	var b strings.Builder
	if res.Group != "" {
		fmt.Fprintf(&b, "GROUP:      %s\n", res.Group)
	}
	fmt.Fprintf(&b, "KIND:       %s\nVERSION:    %s\n\n", res.Kind, res.GroupVersion().Version)

	t, desc := root, typeDoc(root)
	if desc != "" {
		desc += "\n"
	}
	if len(path) > 0 {
		var f schemaField
		for _, name := range path {
			var ok bool
			if f, ok = lookupField(t, name); !ok {
				// kubectl names the last field of the path, whichever was missing.
				return fmt.Errorf("field %q does not exist", path[len(path)-1])
			}
			t = f.typ
		}
		fmt.Fprintf(&b, "FIELD: %s <%s>\n", f.name, schemaType(f.typ))
		if values := schemaEnums[elemType(f.typ)]; len(values) > 0 {
			b.WriteString("ENUM:")
			for _, v := range values {
				b.WriteString("\n    " + enumValue(v))
			}
		}
		b.WriteString("\n\n")
		// A field's description, then that of its type, as kubectl follows the field's $ref.
		desc = ""
		for _, d := range []string{f.doc, typeDoc(f.typ)} {
			if d != "" {
				desc += d + "\n"
			}
		}
	}
	if desc == "" {
		desc = "<empty>"
	}
	b.WriteString("DESCRIPTION:\n" + indentLines(wrapWords(desc, 76), 4) + "\n")
	var list strings.Builder
	fieldList(&list, t, 1, recursive, map[reflect.Type]bool{})
	if list.Len() > 0 {
		b.WriteString("FIELDS:\n" + list.String())
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// fieldList writes the fields of the object type reached through t at
// level (two spaces each): with descriptions, or with --recursive the whole
// tree of names and types. seen stops at a type that contains itself.
func fieldList(b *strings.Builder, t reflect.Type, level int, recursive bool, seen map[reflect.Type]bool) {
	st, ok := objectType(t)
	if !ok || seen[st] {
		return
	}
	seen[st] = true
	defer delete(seen, st)
	pad := strings.Repeat(" ", 2*level)
	for _, f := range schemaFields(st) {
		b.WriteString(pad + f.name + "\t<" + schemaType(f.typ) + ">")
		if f.required {
			b.WriteString(" -required-")
		}
		if values := schemaEnums[elemType(f.typ)]; len(values) > 0 {
			b.WriteString("\n" + pad + "enum: ")
			for i, v := range values {
				if i == 4 {
					b.WriteString(", ....")
					break
				}
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(enumValue(v))
			}
		}
		b.WriteString("\n")
		if recursive {
			fieldList(b, f.typ, level+1, true, seen)
			continue
		}
		doc := f.doc
		if doc == "" {
			doc = "<no description>"
		}
		b.WriteString(indentLines(wrapWords(doc, 78-2*level), 2*level+2) + "\n\n")
	}
}

// enumValue shows the empty value as "" as kubectl does.
func enumValue(v string) string {
	if v == "" {
		return `""`
	}
	return v
}
