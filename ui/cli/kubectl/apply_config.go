package kubectl

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/podlab/podlab/runtime/api"
)

// manifest is a decoded manifest object with the object as the user wrote
// it (nil if it could not be recovered), which apply records.
type manifest struct {
	api.Manifest
	written map[string]any
}

// writtenObjects decodes a manifest file's objects as written — no
// defaults, no empty structs a typed object adds — by the line each object
// starts on, as api.Decode reports it (List items one by one; a JSON file
// may hold several on one line).
func writtenObjects(data []byte) map[int][]map[string]any {
	out := map[int][]map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) || err != nil {
			return out
		}
		if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
			collectWritten(doc.Content[0], out)
		}
	}
}

func collectWritten(n *yaml.Node, out map[int][]map[string]any) {
	if n.Kind != yaml.MappingNode {
		return
	}
	if kind := mappingValue(n, "kind"); kind != nil && strings.HasSuffix(kind.Value, "List") {
		if items := mappingValue(n, "items"); items != nil && items.Kind == yaml.SequenceNode {
			for _, item := range items.Content {
				collectWritten(item, out)
			}
			return
		}
	}
	if m, err := nodeJSON(n); err == nil {
		out[n.Line] = append(out[n.Line], m)
	}
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// nodeJSON converts YAML to JSON the way kubectl reads manifests
// (sigs.k8s.io/yaml), keeping numbers exactly as written.
func nodeJSON(n *yaml.Node) (map[string]any, error) {
	y, err := yaml.Marshal(n)
	if err != nil {
		return nil, err
	}
	j, err := sigsyaml.YAMLToJSON(y)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var m map[string]any
	return m, d.Decode(&m)
}

// lastAppliedConfig is what kubectl apply stores in the last-applied
// annotation (GetModifiedConfiguration): the object as written, with its
// namespace, and its annotations without that annotation itself (an empty
// map when none are left), as compact JSON ending in a newline.
func lastAppliedConfig(written map[string]any, ns string) (string, error) {
	obj, err := deepCopyJSON(written)
	if err != nil {
		return "", err
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	if ns != "" {
		meta["namespace"] = ns
	}
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
	}
	delete(ann, lastApplied)
	meta["annotations"] = ann
	b, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

func deepCopyJSON(m map[string]any) (map[string]any, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out map[string]any
	return out, d.Decode(&out)
}

// writtenFor picks obj as written among the objects on its line (same
// kind and name), or nil.
func writtenFor(candidates []map[string]any, obj api.Object) map[string]any {
	for _, w := range candidates {
		meta, _ := w["metadata"].(map[string]any)
		if w["kind"] == obj.GetObjectKind().GroupVersionKind().Kind && meta != nil && meta["name"] == obj.GetName() {
			return w
		}
	}
	return nil
}
