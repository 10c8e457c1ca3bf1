package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
)

// Manifest is one object decoded from a manifest file, with what it takes to
// point at its source lines.
type Manifest struct {
	Object   Object
	Source   string
	Document int // 1-based document number in the file
	Line     int // line where the object starts
	// multiDoc tells whether the file held several documents (errors then name the document).
	multiDoc bool
	node     *yaml.Node
}

// ManifestError is a problem in a manifest, located by file, document, line and field.
type ManifestError struct {
	Source   string
	Document int
	// MultiDoc says the source has several documents, so Error names the document.
	MultiDoc bool
	Line     int
	Field    string
	Message  string
}

func (e *ManifestError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.MultiDoc && e.Document > 0 {
		fmt.Fprintf(&b, "document %d: ", e.Document)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// servedKind finds the resource of a kind the lab serves at apiVersion.
func servedKind(apiVersion, kind string) (Resource, bool) {
	r, ok := ForKind(kind)
	if !ok || r.GroupVersion().String() != apiVersion {
		return Resource{}, false
	}
	return r, true
}

// Decode decodes every object in a manifest file: multi-document YAML, JSON,
// or a v1 List. Decoding is strict — unknown fields, wrong types and
// duplicate keys are errors — and all-or-nothing: when any document is
// wrong, Decode returns every error it found (each a *ManifestError) and no objects.
func Decode(source string, data []byte) ([]Manifest, error) {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &ManifestError{Source: source, Line: yamlErrorLine(err), Message: yamlErrorMessage(err)}
		}
		docs = append(docs, &n)
	}
	multi := len(docs) > 1
	var out []Manifest
	var errs []error
	for i, doc := range docs {
		root := doc
		if root.Kind == yaml.DocumentNode {
			if len(root.Content) == 0 {
				continue
			}
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // an empty document
		}
		ms, derrs := decodeDocument(source, i+1, multi, root)
		out = append(out, ms...)
		errs = append(errs, derrs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func decodeDocument(source string, docNum int, multi bool, root *yaml.Node) ([]Manifest, []error) {
	fail := func(line int, fieldPath, format string, args ...any) []error {
		return []error{&ManifestError{Source: source, Document: docNum, MultiDoc: multi, Line: line, Field: fieldPath, Message: fmt.Sprintf(format, args...)}}
	}
	if root.Kind != yaml.MappingNode {
		return nil, fail(root.Line, "", "expected an object (apiVersion, kind, metadata, ...), found %s", nodeKindName(root))
	}
	apiVersion, kind := scalarField(root, "apiVersion"), scalarField(root, "kind")
	if apiVersion == "" {
		return nil, fail(root.Line, "apiVersion", "Required value: every object needs apiVersion (v1 for a Pod)")
	}
	if kind == "" {
		return nil, fail(root.Line, "kind", "Required value: every object needs a kind (e.g. Pod)")
	}
	if kind == "List" || strings.HasSuffix(kind, "List") && apiVersion == "v1" {
		items := childNode(root, "items")
		if items == nil || items.Kind != yaml.SequenceNode {
			if items != nil && items.Tag == "!!null" {
				return nil, nil
			}
			return nil, fail(root.Line, "items", "a List needs a list of items")
		}
		var out []Manifest
		var errs []error
		for _, item := range items.Content {
			ms, e := decodeDocument(source, docNum, multi, item)
			out = append(out, ms...)
			errs = append(errs, e...)
		}
		return out, errs
	}
	res, ok := servedKind(apiVersion, kind)
	if !ok {
		line := lineOf(root, "kind")
		if r, known := ForKind(kind); known {
			return nil, fail(line, "apiVersion", "%s is served as apiVersion %s, not %q", kind, r.GroupVersion(), apiVersion)
		}
		return nil, fail(line, "kind", "kind %s (%s) is not served by this lab; `podlab api-resources` lists the kinds it serves", kind, apiVersion)
	}
	var generic any
	if err := root.Decode(&generic); err != nil {
		line := yamlErrorLine(err)
		if line == 0 {
			line = root.Line
		}
		return nil, fail(line, "", "%s", yamlErrorMessage(err))
	}
	data, err := json.Marshal(jsonCompatible(generic))
	if err != nil {
		return nil, fail(root.Line, "", "%v", err)
	}
	obj := res.New()
	var errs []error
	for _, fe := range strictDecode(data, obj) {
		if fe.goType != "" {
			fe.Field = indexedPath(root, fe.Field, notOfGoType(fe.goType))
		}
		if fe.Field == "" && strings.HasPrefix(fe.Message, "quantities must match") {
			if p, v, ok := badQuantity(root); ok {
				fe.Field, fe.Message = p, fmt.Sprintf("Invalid value: %q: %s", v, fe.Message)
			}
		}
		field := refineField(root, fe)
		errs = append(errs, &ManifestError{Source: source, Document: docNum, MultiDoc: multi,
			Line: lineOf(root, field), Field: field, Message: fe.Message})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	SetTypeMeta(obj)
	return []Manifest{{Object: obj, Source: source, Document: docNum, Line: root.Line, multiDoc: multi, node: root}}, nil
}

// fieldProblem is a decoding problem at a field path.
type fieldProblem struct {
	Field, Message string
	// wantString is set for a type error where a string was expected.
	wantString bool
	// goType is the Go type a type error expected ("" for other problems).
	goType string
}

// refineField points a type error inside a map (labels, annotations, data)
// at the offending key: JSON type errors name only the map.
func refineField(root *yaml.Node, fe fieldProblem) string {
	if !fe.wantString || fe.Field == "" {
		return fe.Field
	}
	n := root
	for _, tok := range pathToken.FindAllString(fe.Field, -1) {
		if n = childNode(n, tok); n == nil {
			return fe.Field
		}
	}
	if n.Kind != yaml.MappingNode {
		return fe.Field
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if v := n.Content[i+1]; v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			return fe.Field + "." + n.Content[i].Value
		}
	}
	return fe.Field
}

var quotedField = regexp.MustCompile(`^(unknown|duplicate) field "([^"]*)"$`)

// strictDecode decodes JSON into obj the way the API server does with
// strict field validation, and returns the problems by field path.
func strictDecode(data []byte, obj any) []fieldProblem {
	strictErrs, err := kjson.UnmarshalStrict(data, obj)
	var out []fieldProblem
	if err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			out = append(out, fieldProblem{Field: te.Field, Message: fmt.Sprintf("Invalid value: expected %s, got %s", goTypeName(te.Type.String()), te.Value),
				wantString: te.Type.String() == "string", goType: te.Type.String()})
		default:
			msg := err.Error()
			if fe, ok := err.(kjson.FieldError); ok {
				out = append(out, fieldProblem{Field: fe.FieldPath(), Message: strings.TrimPrefix(msg, "json: ")})
			} else {
				out = append(out, fieldProblem{Message: strings.TrimPrefix(msg, "json: ")})
			}
		}
	}
	for _, se := range strictErrs {
		if m := quotedField.FindStringSubmatch(se.Error()); m != nil {
			path := m[2]
			name := path
			if i := strings.LastIndexAny(path, "."); i >= 0 {
				name = path[i+1:]
			}
			out = append(out, fieldProblem{Field: path, Message: fmt.Sprintf("%s field %q", m[1], name)})
			continue
		}
		out = append(out, fieldProblem{Message: se.Error()})
	}
	return out
}

// DecodeStrictJSON decodes a JSON object strictly (unknown or duplicate
// fields and wrong types are errors naming the field), for API requests.
func DecodeStrictJSON(data []byte, obj Object) error {
	problems := strictDecode(data, obj)
	if len(problems) == 0 {
		return nil
	}
	var parts []string
	for _, p := range problems {
		if p.Field != "" {
			parts = append(parts, p.Field+": "+p.Message)
		} else {
			parts = append(parts, p.Message)
		}
	}
	return fmt.Errorf("strict decoding error: %s", strings.Join(parts, ", "))
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "an object (key: value)"
	case t == "string":
		return "a string (quote numbers and booleans: \"1\", \"true\")"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case t == "bool":
		return "true or false"
	case strings.Contains(t, "."):
		return "an object"
	}
	return t
}

// jsonCompatible turns YAML-decoded maps with non-string keys into JSON-able maps.
func jsonCompatible(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = jsonCompatible(x)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonCompatible(x)
		}
		return m
	case []any:
		for i, x := range t {
			t[i] = jsonCompatible(x)
		}
		return t
	}
	return v
}

func nodeKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

func childNode(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarField(m *yaml.Node, key string) string {
	if n := childNode(m, key); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func yamlErrorLine(err error) int {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

var yamlLinePrefix = regexp.MustCompile(`^\s*line \d+: `)

func yamlErrorMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = yamlLinePrefix.ReplaceAllString(msg, "")
	return "invalid YAML: " + msg
}

// YAMLError is a YAML parser's error as podlab reports it: the line it
// names (0 when none) and "invalid YAML: <what>" without the parser's own
// prefixes. Other YAML readers (cluster files, packs) report the same way.
func YAMLError(err error) (line int, message string) {
	return yamlErrorLine(err), yamlErrorMessage(err)
}

// LineOf returns the line of a field path (e.g. "spec.containers[0].image")
// in the manifest: the field's own line, else its nearest ancestor's.
func (m Manifest) LineOf(fieldPath string) int { return lineOf(m.node, fieldPath) }

// ErrorAt builds a ManifestError for a field of this manifest.
func (m Manifest) ErrorAt(fieldPath, message string) *ManifestError {
	return &ManifestError{Source: m.Source, Document: m.Document, MultiDoc: m.multiDoc, Line: m.LineOf(fieldPath), Field: fieldPath, Message: message}
}

var pathToken = regexp.MustCompile(`[^.\[\]]+|\[[^\]]*\]`)

func lineOf(root *yaml.Node, fieldPath string) int {
	if root == nil {
		return 0
	}
	line := root.Line
	cur := root
	for _, tok := range pathToken.FindAllString(fieldPath, -1) {
		if strings.HasPrefix(tok, "[") {
			idx, err := strconv.Atoi(strings.Trim(tok, "[]"))
			if err != nil || cur.Kind != yaml.SequenceNode || idx < 0 || idx >= len(cur.Content) {
				// A map key in brackets (labels[foo]) or a bad index: look it up as a key.
				key := strings.Trim(tok, "[]\"'")
				if next := childNode(cur, key); next != nil {
					line = keyLine(cur, key)
					cur = next
					continue
				}
				return line
			}
			cur = cur.Content[idx]
			line = cur.Line
			continue
		}
		if cur.Kind == yaml.SequenceNode {
			// A path without indices (a type error): the first element holding the field.
			found := false
			for _, el := range cur.Content {
				if childNode(el, tok) != nil {
					cur, found = el, true
					break
				}
			}
			if !found {
				return line
			}
		}
		next := childNode(cur, tok)
		if next == nil {
			return line
		}
		line = keyLine(cur, tok)
		cur = next
	}
	return line
}

func keyLine(m *yaml.Node, key string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return m.Line
}

// ValidateManifest defaults a copy of the manifest's object and validates it
// as a create, reporting each problem at its line.
func ValidateManifest(m Manifest) error {
	obj := m.Object.DeepCopyObject().(Object)
	SetDefaults(obj)
	// On create the API server gives the object its uid, and the registry
	// generates a Job's selector from it, both before validation.
	if j, ok := obj.(*batchv1.Job); ok {
		if j.UID == "" {
			j.UID = "00000000-0000-0000-0000-000000000000"
		}
		GenerateJobSelector(j)
	}
	errs := ValidateCreate(obj)
	if len(errs) == 0 {
		return nil
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		out = append(out, m.ErrorAt(e.Field, fieldErrorBody(e)))
	}
	return errors.Join(out...)
}

func fieldErrorBody(e *field.Error) string { return e.ErrorBody() }
