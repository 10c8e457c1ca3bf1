package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metavalidation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/podlab/podlab/runtime/api"
)

// maxNameLength keeps a node's name a valid hostname: it is the hostname
// of the node's container, and Linux allows 64 bytes at most.
const maxNameLength = 63

// kubeletLabels are the labels the kubelet sets on its node itself (and
// resets at every registration), so a cluster file cannot choose them.
var kubeletLabels = []string{
	corev1.LabelHostname, corev1.LabelOSStable, corev1.LabelArchStable,
	"beta.kubernetes.io/os", "beta.kubernetes.io/arch",
}

var taintEffects = []string{string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute)}

// Load reads and validates the cluster file at path.
func Load(path string) (Shape, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Shape{}, fmt.Errorf("reading the cluster file: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes and validates a cluster file. Every problem found is
// returned (each an *api.ManifestError naming source, line and field), and
// no shape with them.
func Parse(source string, data []byte) (Shape, error) {
	p := &parser{source: source}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Shape{}, p.fail(0, "nodes", "Required value: a cluster file lists its nodes under nodes:")
		}
		line, msg := api.YAMLError(err)
		return Shape{}, p.fail(line, "", msg)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		return Shape{}, p.fail(line, "", "a cluster file is one YAML document; found a second one")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	s := p.shape(root)
	if len(p.errs) > 0 {
		return Shape{}, errors.Join(p.errs...)
	}
	return s, nil
}

// parser walks the YAML tree, collecting every problem with its line.
type parser struct {
	source string
	errs   []error
}

func (p *parser) fail(line int, path, msg string) error {
	return &api.ManifestError{Source: p.source, Line: line, Field: path, Message: msg}
}

// add records field errors (upstream's validation wording) at line.
func (p *parser) add(line int, errs ...*field.Error) {
	for _, e := range errs {
		p.errs = append(p.errs, p.fail(line, e.Field, e.ErrorBody()))
	}
}

func (p *parser) shape(root *yaml.Node) Shape {
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		p.add(root.Line, field.Required(field.NewPath("nodes"), "a cluster file lists its nodes under nodes:"))
		return Shape{}
	}
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, field.Invalid(field.NewPath(""), kindName(root), "expected an object with nodes:"))
		return Shape{}
	}
	var s Shape
	var nodes *yaml.Node
	p.fields(root, nil, map[string]func(*yaml.Node){"nodes": func(v *yaml.Node) { nodes = v }})
	path := field.NewPath("nodes")
	keyLine := root.Line // problems of the whole list are reported at "nodes:"
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "nodes" {
			keyLine = root.Content[i].Line
		}
	}
	switch {
	case nodes == nil || nodes.Tag == "!!null":
		p.add(root.Line, field.Required(path, "a cluster file lists its nodes under nodes:"))
		return s
	case nodes.Kind != yaml.SequenceNode:
		p.add(nodes.Line, field.Invalid(path, kindName(nodes), "expected a list of nodes"))
		return s
	case len(nodes.Content) == 0:
		p.add(keyLine, field.Required(path, "a lab needs at least one node"))
		return s
	case len(nodes.Content) > MaxNodes:
		p.add(keyLine, field.TooMany(path, len(nodes.Content), MaxNodes))
		return s
	}
	seen := map[string]int{}
	workers := 0
	for i, item := range nodes.Content {
		n, line := p.node(item, path.Index(i))
		if n.Name != "" {
			if first, dup := seen[n.Name]; dup {
				p.add(line, field.Duplicate(path.Index(i).Child("name"), fmt.Sprintf("%s (also nodes[%d])", n.Name, first)))
			}
			seen[n.Name] = i
		}
		if n.Role == RoleWorker {
			workers++
		}
		s.Nodes = append(s.Nodes, n)
	}
	if workers == 0 && len(p.errs) == 0 {
		p.add(keyLine, field.Required(path, "a lab needs at least one worker node: its control-plane nodes take no ordinary pods"))
	}
	return s
}

// fields calls each known key's handler with its value and reports
// unknown and duplicate keys, as strict decoding does.
func (p *parser) fields(m *yaml.Node, path *field.Path, known map[string]func(*yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		child := field.NewPath(k.Value)
		if path != nil {
			child = path.Child(k.Value)
		}
		if seen[k.Value] {
			p.errs = append(p.errs, p.fail(k.Line, child.String(), fmt.Sprintf("duplicate field %q", k.Value)))
			continue
		}
		seen[k.Value] = true
		h, ok := known[k.Value]
		if !ok {
			p.errs = append(p.errs, p.fail(k.Line, child.String(), fmt.Sprintf("unknown field %q (expected %s)", k.Value, knownList(known))))
			continue
		}
		h(v)
	}
}

func knownList(known map[string]func(*yaml.Node)) string {
	order := []string{"nodes", "name", "role", "labels", "taints", "capacity", "key", "value", "effect", "cpu", "memory", "pods"}
	var names []string
	for _, k := range order {
		if _, ok := known[k]; ok {
			names = append(names, k)
		}
	}
	return strings.Join(names, ", ")
}

// node decodes one entry of nodes; it returns the line to report
// whole-node problems at.
func (p *parser) node(item *yaml.Node, path *field.Path) (Node, int) {
	n := Node{Role: RoleWorker}
	if item.Kind != yaml.MappingNode {
		p.add(item.Line, field.Invalid(path, kindName(item), "expected a node (name, role, labels, taints, capacity)"))
		return n, item.Line
	}
	nameLine := item.Line
	var named bool
	p.fields(item, path, map[string]func(*yaml.Node){
		"name": func(v *yaml.Node) {
			named, nameLine = true, v.Line
			if s, ok := p.scalar(v, path.Child("name")); ok {
				n.Name = s
				p.checkName(v.Line, path.Child("name"), s)
			}
		},
		"role": func(v *yaml.Node) {
			s, ok := p.scalar(v, path.Child("role"))
			if !ok {
				return
			}
			switch Role(s) {
			case RoleControlPlane, RoleWorker:
				n.Role = Role(s)
			default:
				p.add(v.Line, field.NotSupported(path.Child("role"), s, []string{string(RoleControlPlane), string(RoleWorker)}))
			}
		},
		"labels":   func(v *yaml.Node) { n.Labels = p.labels(v, path.Child("labels")) },
		"taints":   func(v *yaml.Node) { n.Taints = p.taints(v, path.Child("taints")) },
		"capacity": func(v *yaml.Node) { n.Capacity = p.capacity(v, path.Child("capacity")) },
	})
	if !named {
		p.add(item.Line, field.Required(path.Child("name"), "every node needs a name"))
	}
	return n, nameLine
}

func (p *parser) checkName(line int, path *field.Path, name string) {
	if name == "" {
		p.add(line, field.Required(path, "every node needs a name"))
		return
	}
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		p.add(line, field.Invalid(path, name, msg))
	}
	if len(name) > maxNameLength {
		p.add(line, field.TooLong(path, name, maxNameLength))
	}
}

// scalar reads a string-like value (a YAML scalar of any type).
func (p *parser) scalar(v *yaml.Node, path *field.Path) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		p.add(v.Line, field.Invalid(path, kindName(v), "expected a string"))
		return "", false
	}
	return v.Value, true
}

func (p *parser) labels(v *yaml.Node, path *field.Path) map[string]string {
	if v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		p.add(v.Line, field.Invalid(path, kindName(v), "expected labels as key: value"))
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		kp := path.Key(k.Value)
		if _, dup := out[k.Value]; dup {
			p.errs = append(p.errs, p.fail(k.Line, kp.String(), fmt.Sprintf("duplicate field %q", k.Value)))
			continue
		}
		s, ok := p.scalar(val, kp)
		if !ok {
			continue
		}
		for _, reserved := range kubeletLabels {
			if k.Value == reserved {
				p.add(k.Line, field.Forbidden(kp, "the kubelet sets this label itself"))
			}
		}
		p.add(k.Line, metavalidation.ValidateLabels(map[string]string{k.Value: s}, path)...)
		out[k.Value] = s
	}
	return out
}

func (p *parser) taints(v *yaml.Node, path *field.Path) []corev1.Taint {
	if v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.add(v.Line, field.Invalid(path, kindName(v), "expected a list of taints (key, value, effect)"))
		return nil
	}
	var out []corev1.Taint
	seen := map[string]int{}
	for i, item := range v.Content {
		tp := path.Index(i)
		if item.Kind != yaml.MappingNode {
			p.add(item.Line, field.Invalid(tp, kindName(item), "expected a taint (key, value, effect)"))
			continue
		}
		var t corev1.Taint
		var hasKey, hasEffect bool
		p.fields(item, tp, map[string]func(*yaml.Node){
			"key": func(n *yaml.Node) {
				hasKey = true
				if s, ok := p.scalar(n, tp.Child("key")); ok {
					t.Key = s
					for _, msg := range validation.IsQualifiedName(s) {
						p.add(n.Line, field.Invalid(tp.Child("key"), s, msg))
					}
				}
			},
			"value": func(n *yaml.Node) {
				if s, ok := p.scalar(n, tp.Child("value")); ok {
					t.Value = s
					for _, msg := range validation.IsValidLabelValue(s) {
						p.add(n.Line, field.Invalid(tp.Child("value"), s, msg))
					}
				}
			},
			"effect": func(n *yaml.Node) {
				hasEffect = true
				if s, ok := p.scalar(n, tp.Child("effect")); ok {
					t.Effect = corev1.TaintEffect(s)
					if !slices.Contains(taintEffects, s) {
						p.add(n.Line, field.NotSupported(tp.Child("effect"), s, taintEffects))
					}
				}
			},
		})
		if !hasKey {
			p.add(item.Line, field.Required(tp.Child("key"), ""))
		}
		if !hasEffect {
			p.add(item.Line, field.Required(tp.Child("effect"), "NoSchedule, PreferNoSchedule or NoExecute"))
		}
		// Upstream's node validation: one taint per key and effect.
		id := t.Key + ":" + string(t.Effect)
		if first, dup := seen[id]; dup && hasKey && hasEffect {
			p.add(item.Line, field.Duplicate(tp, fmt.Sprintf("%s (also taints[%d]): taints must be unique by key and effect", id, first)))
		}
		seen[id] = i
		out = append(out, t)
	}
	return out
}

func (p *parser) capacity(v *yaml.Node, path *field.Path) corev1.ResourceList {
	if v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		p.add(v.Line, field.Invalid(path, kindName(v), "expected cpu, memory and pods"))
		return nil
	}
	out := corev1.ResourceList{}
	known := map[string]func(*yaml.Node){}
	for _, name := range capacityKeys {
		name := name
		known[string(name)] = func(n *yaml.Node) {
			rp := path.Child(string(name))
			s, ok := p.scalar(n, rp)
			if !ok {
				return
			}
			q, err := resource.ParseQuantity(s)
			switch {
			case err != nil:
				p.add(n.Line, field.Invalid(rp, s, "must be a quantity (cpu: 2 or 500m, memory: 4Gi)"))
			case q.Sign() <= 0:
				p.add(n.Line, field.Invalid(rp, s, "must be greater than zero"))
			case name == corev1.ResourcePods && (q.MilliValue()%1000 != 0):
				p.add(n.Line, field.Invalid(rp, s, "must be a whole number of pods"))
			default:
				out[name] = q
			}
		}
	}
	p.fields(v, path, known)
	return out
}

// kindName describes a YAML value where another was expected.
func kindName(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.MappingNode:
		return "an object"
	case n.Tag == "!!null":
		return "nothing"
	}
	return n.Value
}
