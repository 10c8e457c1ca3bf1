package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/podlab/podlab/runtime/api"
)

// PrintObjects writes objects as "yaml", "json" or "name"; several objects
// (or asList) become a v1 List, as kubectl prints them.
func PrintObjects(w io.Writer, format string, res api.Resource, objs []api.Object, asList bool) error {
	copies := make([]any, 0, len(objs))
	for _, o := range objs {
		c := o.DeepCopyObject().(api.Object)
		api.SetTypeMeta(c)
		copies = append(copies, c)
	}
	var v any
	if len(copies) == 1 && !asList {
		v = copies[0]
	} else {
		v = map[string]any{"apiVersion": "v1", "kind": "List", "items": copies, "metadata": map[string]string{"resourceVersion": ""}}
	}
	switch format {
	case "name":
		for _, o := range objs {
			fmt.Fprintf(w, "%s/%s\n", strings.ToLower(res.Kind), o.GetName())
		}
		return nil
	case "json":
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,wide,yaml", format)
}
