package cluster

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// The file's form of a shape, in its field order.
type (
	fileShape struct {
		Nodes []fileNode `yaml:"nodes"`
	}
	fileNode struct {
		Name     string            `yaml:"name"`
		Role     Role              `yaml:"role"`
		Labels   map[string]string `yaml:"labels,omitempty"`
		Taints   []fileTaint       `yaml:"taints,omitempty"`
		Capacity *fileCapacity     `yaml:"capacity,omitempty"`
	}
	fileTaint struct {
		Key    string `yaml:"key"`
		Value  string `yaml:"value,omitempty"`
		Effect string `yaml:"effect"`
	}
	fileCapacity struct {
		CPU    string `yaml:"cpu,omitempty"`
		Memory string `yaml:"memory,omitempty"`
		Pods   string `yaml:"pods,omitempty"`
	}
)

// header heads a recorded shape, for the learner who opens it.
const header = `# The shape of this lab, recorded at its first start; every later start
# reuses it. To change it: podlab reset, then podlab up --nodes N or
# podlab up --cluster FILE (a file in this format).
`

// Marshal writes the shape as a cluster file (what a lab records).
func (s Shape) Marshal() []byte {
	return append([]byte(header), s.body()...)
}

// body is the shape's canonical YAML: labels sorted, quantities in their
// canonical form, so equal shapes marshal alike.
func (s Shape) body() []byte {
	var f fileShape
	for _, n := range s.Nodes {
		fn := fileNode{Name: n.Name, Role: n.Role, Labels: n.Labels}
		if len(fn.Labels) == 0 {
			fn.Labels = nil
		}
		if fn.Role == "" {
			fn.Role = RoleWorker
		}
		for _, t := range n.Taints {
			fn.Taints = append(fn.Taints, fileTaint{Key: t.Key, Value: t.Value, Effect: string(t.Effect)})
		}
		if len(n.Capacity) > 0 {
			var c fileCapacity
			for _, name := range capacityKeys {
				q, ok := n.quantity(name)
				if !ok {
					continue
				}
				switch name {
				case "cpu":
					c.CPU = q.String()
				case "memory":
					c.Memory = q.String()
				case "pods":
					c.Pods = q.String()
				}
			}
			fn.Capacity = &c
		}
		f.Nodes = append(f.Nodes, fn)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		panic(err) // plain strings and lists: encoding cannot fail
	}
	enc.Close()
	return buf.Bytes()
}
