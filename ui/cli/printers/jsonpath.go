package printers

import (
	"bytes"
	"fmt"
	"io"

	"k8s.io/client-go/util/jsonpath"

	"github.com/podlab/podlab/runtime/api"
)

// JSONPath is kubectl's -o jsonpath printer: the template runs once on the
// object, or on the List of several ({.items[*].metadata.name}). Missing
// keys print nothing, as with kubectl's default --allow-missing-template-keys.
type JSONPath struct {
	raw string
	jp  *jsonpath.JSONPath
}

// NewJSONPath parses a template; asJSON prints the results as JSON (-o jsonpath-as-json).
func NewJSONPath(template string, asJSON bool) (*JSONPath, error) {
	jp := jsonpath.New("out").AllowMissingKeys(true)
	if err := jp.Parse(template); err != nil {
		return nil, fmt.Errorf("error parsing jsonpath %s, %v", template, err)
	}
	jp.EnableJSONOutput(asJSON)
	return &JSONPath{raw: template, jp: jp}, nil
}

// PrintObjects runs the template on objs (a List unless one object and !asList).
func (p *JSONPath) PrintObjects(w io.Writer, objs []api.Object, asList bool) error {
	var data map[string]any
	var err error
	if len(objs) == 1 && !asList {
		data, err = content(objs[0])
	} else {
		data, err = listContent(objs)
	}
	if err != nil {
		return err
	}
	// Execute writes as it goes: buffer so a failing template prints nothing.
	var out bytes.Buffer
	if err := p.jp.Execute(&out, data); err != nil {
		return fmt.Errorf("error executing jsonpath %q: Error executing template: %v. Printing more information for debugging the template:\n\ttemplate was:\n\t\t%s\n\tobject given to jsonpath engine was:\n\t\t%#v\n", p.raw, err, p.raw, data)
	}
	_, err = w.Write(out.Bytes())
	return err
}
