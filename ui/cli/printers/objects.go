package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/podlab/podlab/runtime/api"
)

// PrintObjects writes objects as kubectl's -o yaml, -o json or -o name.
// Several objects (or asList) become a v1 List. Like kubectl, which prints
// what the server sent as unstructured maps, fields come in sorted order and
// json is indented by four spaces. The caller's objects are not modified.
func PrintObjects(w io.Writer, format string, res api.Resource, objs []api.Object, asList bool) error {
	if format == "name" {
		for _, o := range objs {
			fmt.Fprintf(w, "%s/%s\n", strings.ToLower(res.Kind), o.GetName())
		}
		return nil
	}
	if format != "json" && format != "yaml" {
		return UnknownFormatError(format)
	}
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		c := o.DeepCopyObject().(api.Object)
		api.SetTypeMeta(c)
		m, err := toUnstructured(c)
		if err != nil {
			return err
		}
		items = append(items, m)
	}
	var v any
	if len(items) == 1 && !asList {
		v = items[0]
	} else {
		v = map[string]any{"apiVersion": "v1", "kind": "List", "items": items, "metadata": map[string]any{"resourceVersion": ""}}
	}
	var b []byte
	var err error
	if format == "json" {
		b, err = json.MarshalIndent(v, "", "    ")
		b = append(b, '\n')
	} else {
		b, err = yaml.Marshal(v)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
