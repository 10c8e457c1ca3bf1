package printers

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/podlab/podlab/runtime/api"
)

// OutputFormats are the -o values get accepts, in kubectl's order for its
// "allowed formats" message.
var OutputFormats = []string{"custom-columns", "custom-columns-file", "json", "jsonpath", "jsonpath-as-json", "jsonpath-file", "name", "wide", "yaml"}

// UnknownFormatError is kubectl's message for an -o value no printer serves.
func UnknownFormatError(format string) error {
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: %s", format, strings.Join(OutputFormats, ","))
}

// Generic prints objects the way kubectl get's template printers do: one
// object as itself, several as a v1 List.
type Generic interface {
	PrintObjects(w io.Writer, objs []api.Object, asList bool) error
}

// NewGeneric builds the printer of a template format (-o jsonpath=...,
// jsonpath-file=, jsonpath-as-json=, custom-columns=, custom-columns-file=).
// ok is false when output names no template format.
func NewGeneric(output string, noHeaders bool) (p Generic, ok bool, err error) {
	format, value, _ := strings.Cut(output, "=")
	switch format {
	case "jsonpath", "jsonpath-file", "jsonpath-as-json":
		if value == "" {
			return nil, true, fmt.Errorf("template format specified but no template given")
		}
		if format == "jsonpath-file" {
			data, err := os.ReadFile(value)
			if err != nil {
				return nil, true, fmt.Errorf("error reading --template %s, %v", value, err)
			}
			value = string(data)
		}
		jp, err := NewJSONPath(value, format == "jsonpath-as-json")
		return jp, true, err
	case "custom-columns":
		cc, err := NewCustomColumns(value, noHeaders)
		return cc, true, err
	case "custom-columns-file":
		f, err := os.Open(value)
		if err != nil {
			return nil, true, fmt.Errorf("error reading template %s, %v", value, err)
		}
		defer f.Close()
		cc, err := NewCustomColumnsFromTemplate(f, noHeaders)
		return cc, true, err
	}
	return nil, false, nil
}

// content is an object as kubectl's printers see what the server sent: its
// JSON as maps, integers as int64 and other numbers as float64.
func content(obj api.Object) (map[string]any, error) {
	c := obj.DeepCopyObject().(api.Object)
	api.SetTypeMeta(c)
	m, err := toUnstructured(c)
	if err != nil {
		return nil, err
	}
	return numbersAsUnstructured(m).(map[string]any), nil
}

func numbersAsUnstructured(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = numbersAsUnstructured(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbersAsUnstructured(e)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// listContent wraps objects as kubectl get hands several to its printers.
func listContent(objs []api.Object) (map[string]any, error) {
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		m, err := content(o)
		if err != nil {
			return nil, err
		}
		items = append(items, m)
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "items": items, "metadata": map[string]any{"resourceVersion": ""}}, nil
}

// terminalEscaper is cli-runtime's EscapeTerminal: custom columns must not
// let a value drive the terminal.
var terminalEscaper = strings.NewReplacer("\x1b", "^[", "\r", `\r`)
