package api

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

// indexedPath turns a JSON type error's field path, which has no list
// indices ("spec.containers.ports.containerPort"), into the path of the
// value that is actually wrong ("spec.containers[1].ports[0].containerPort"),
// by walking the document; it returns the path unchanged when none matches.
func indexedPath(root *yaml.Node, field string, wrong func(*yaml.Node) bool) string {
	toks := pathToken.FindAllString(field, -1)
	var walk func(n *yaml.Node, i int, prefix string) (string, bool)
	walk = func(n *yaml.Node, i int, prefix string) (string, bool) {
		if n.Kind == yaml.SequenceNode {
			for idx, el := range n.Content {
				if p, ok := walk(el, i, fmt.Sprintf("%s[%d]", prefix, idx)); ok {
					return p, true
				}
			}
			return "", false
		}
		if i == len(toks) {
			return prefix, wrong(n)
		}
		next := childNode(n, toks[i])
		if next == nil {
			if t := toks[i]; t[0] >= 'A' && t[0] <= 'Z' {
				// An embedded Go struct (livenessProbe.ProbeHandler.exec): not in the document.
				return walk(n, i+1, prefix)
			}
			return "", false
		}
		sep := "."
		if prefix == "" {
			sep = ""
		}
		return walk(next, i+1, prefix+sep+toks[i])
	}
	if p, ok := walk(root, 0, ""); ok {
		return p
	}
	return field
}

// notOfGoType says whether a YAML value cannot decode into the Go type named
// by a JSON type error ("string", "int32", "bool", "[]v1.Container", ...).
func notOfGoType(goType string) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		switch {
		case strings.HasPrefix(goType, "[]"):
			return n.Kind != yaml.SequenceNode
		case goType == "string":
			return n.Kind != yaml.ScalarNode || n.Tag != "!!str"
		case goType == "bool":
			return n.Kind != yaml.ScalarNode || n.Tag != "!!bool"
		case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
			return n.Kind != yaml.ScalarNode || n.Tag != "!!int"
		case strings.HasPrefix(goType, "float"):
			return n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float")
		}
		return n.Kind != yaml.MappingNode
	}
}

// quantityFields are the keys whose values (or whose map's values) are
// resource.Quantity in the served kinds.
var quantityMaps = map[string]bool{"limits": true, "requests": true, "overhead": true, "capacity": true, "allocatable": true}
var quantityValues = map[string]bool{"sizeLimit": true, "divisor": true}

// badQuantity finds a quantity the API would refuse: a Quantity's own
// unmarshaller reports no field, so the document is searched for it.
func badQuantity(root *yaml.Node) (path string, value string, ok bool) {
	var walk func(n *yaml.Node, prefix string, quantities bool) bool
	check := func(v *yaml.Node, p string) bool {
		if v.Kind != yaml.ScalarNode {
			return false
		}
		if _, err := resource.ParseQuantity(v.Value); err != nil {
			path, value = p, v.Value
			return true
		}
		return false
	}
	walk = func(n *yaml.Node, prefix string, quantities bool) bool {
		switch n.Kind {
		case yaml.SequenceNode:
			for i, el := range n.Content {
				if walk(el, prefix+"["+strconv.Itoa(i)+"]", false) {
					return true
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i].Value, n.Content[i+1]
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				if (quantities || quantityValues[k]) && check(v, p) {
					return true
				}
				if walk(v, p, quantityMaps[k]) {
					return true
				}
			}
		}
		return false
	}
	ok = walk(root, "", false)
	return path, value, ok
}
