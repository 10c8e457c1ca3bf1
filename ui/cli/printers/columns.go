package printers

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"

	"k8s.io/client-go/util/jsonpath"

	"github.com/podlab/podlab/runtime/api"
)

// Column is one -o custom-columns column: a header and a JSONPath.
type Column struct {
	Header, FieldSpec string
	jp                *jsonpath.JSONPath
}

// CustomColumns is kubectl's -o custom-columns printer: a table with the
// given headers, a row per object, "<none>" where a path finds nothing and
// several results joined by commas.
type CustomColumns struct {
	Columns   []Column
	NoHeaders bool
}

var relaxedPath = regexp.MustCompile(`^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`)

// RelaxedJSONPath accepts kubectl's loose column paths (metadata.name,
// .metadata.name, {metadata.name}) and returns {.metadata.name}.
func RelaxedJSONPath(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	m := relaxedPath.FindStringSubmatch(path)
	if m == nil {
		return "", fmt.Errorf("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
	}
	spec := m[1]
	if spec == "" {
		spec = m[2]
	}
	return "{." + spec + "}", nil
}

// NewCustomColumns parses "HEADER:path,HEADER:path".
func NewCustomColumns(spec string, noHeaders bool) (*CustomColumns, error) {
	if spec == "" {
		return nil, fmt.Errorf("custom-columns format specified but no custom columns given")
	}
	var headers, paths []string
	for _, part := range strings.Split(spec, ",") {
		h, p, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", part)
		}
		headers, paths = append(headers, h), append(paths, p)
	}
	return newCustomColumns(headers, paths, noHeaders)
}

// NewCustomColumnsFromTemplate reads kubectl's custom-columns-file: a line
// of headers and a line of paths, separated by whitespace.
func NewCustomColumnsFromTemplate(r io.Reader, noHeaders bool) (*CustomColumns, error) {
	sc := bufio.NewScanner(r)
	const format = "Expected format is one line of space separated headers, one line of space separated column specs."
	if !sc.Scan() {
		return nil, fmt.Errorf("invalid template, missing header line. %s", format)
	}
	headers := strings.Fields(sc.Text())
	if !sc.Scan() {
		return nil, fmt.Errorf("invalid template, missing spec line. %s", format)
	}
	paths := strings.Fields(sc.Text())
	if len(headers) != len(paths) {
		return nil, fmt.Errorf("number of headers (%d) and field specifications (%d) don't match", len(headers), len(paths))
	}
	return newCustomColumns(headers, paths, noHeaders)
}

func newCustomColumns(headers, paths []string, noHeaders bool) (*CustomColumns, error) {
	cc := &CustomColumns{NoHeaders: noHeaders}
	for i, h := range headers {
		spec, err := RelaxedJSONPath(paths[i])
		if err != nil {
			return nil, err
		}
		jp := jsonpath.New(fmt.Sprintf("column%d", i)).AllowMissingKeys(true)
		if err := jp.Parse(spec); err != nil {
			return nil, err
		}
		cc.Columns = append(cc.Columns, Column{Header: h, FieldSpec: spec, jp: jp})
	}
	return cc, nil
}

// Headers returns the header cells (none with NoHeaders).
func (p *CustomColumns) Headers() []string {
	if p.NoHeaders {
		return nil
	}
	h := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		h[i] = c.Header
	}
	return h
}

// Row returns one object's cells.
func (p *CustomColumns) Row(obj api.Object) ([]string, error) {
	data, err := content(obj)
	if err != nil {
		return nil, err
	}
	cells := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		results, err := c.jp.FindResults(data)
		if err != nil {
			return nil, err
		}
		var vals []string
		if len(results) == 0 || len(results[0]) == 0 {
			vals = append(vals, "<none>")
		}
		for _, rs := range results {
			for _, v := range rs {
				vals = append(vals, terminalEscaper.Replace(fmt.Sprint(v.Interface())))
			}
		}
		cells[i] = strings.Join(vals, ",")
	}
	return cells, nil
}

// PrintObjects prints the headers and a row per object (a List is its items).
func (p *CustomColumns) PrintObjects(w io.Writer, objs []api.Object, _ bool) error {
	tw := NewTabWriter(w)
	if h := p.Headers(); h != nil {
		fmt.Fprintln(tw, strings.Join(h, "\t"))
	}
	for _, o := range objs {
		cells, err := p.Row(o)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}
