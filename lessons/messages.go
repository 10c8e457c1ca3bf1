package lessons

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/podlab/podlab/exercises"
)

// decodeStrict decodes YAML into v with unknown keys as errors, reporting
// lines and naming keys and types as an author sees them.
func (l *loader) decodeStrict(name string, data []byte, v any) bool {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, e := range te.Errors {
			line, msg := splitYAMLLine(e)
			l.fail(name, line, "%s", excerpt(authorMessage(msg)))
		}
		return false
	}
	line, msg := splitYAMLLine(strings.TrimPrefix(err.Error(), "yaml: "))
	l.fail(name, line, "%s", excerpt(msg))
	return false
}

// splitYAMLLine turns "line 12: message" into (12, "message").
func splitYAMLLine(msg string) (int, string) {
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
	}
	return line, msg
}

// yamlTypes says where each type the pack files decode into sits, for
// messages about their keys.
var yamlTypes = map[string]struct {
	where string
	t     reflect.Type
}{}

func init() {
	for _, e := range []struct {
		v     any
		where string
	}{
		{Meta{}, "in pack.yaml"},
		{exercises.Exercise{}, "in exercise.yaml"},
		{exercises.Objective{}, "of an objective"},
		{exercises.Check{}, "of a check"},
		{exercises.Steps{}, "of solution or setup"},
		{exercises.Cleanup{}, "of cleanup"},
		{exercises.ObjectRef{}, "of an object reference"},
		{exercises.PodCheck{}, "of a pod check"},
		{exercises.ConditionCheck{}, "of pod.condition"},
		{exercises.ContainerCheck{}, "of pod.container"},
		{exercises.EventCheck{}, "of an event check"},
		{exercises.ExecCheck{}, "of an exec check"},
		{exercises.LogsCheck{}, "of a logs check"},
		{exercises.FieldCheck{}, "of a field check"},
		{exercises.HTTPCheck{}, "of an http check"},
	} {
		t := reflect.TypeOf(e.v)
		yamlTypes[t.String()] = struct {
			where string
			t     reflect.Type
		}{e.where, t}
	}
}

// knownKeys lists a struct's YAML keys in declaration order.
func knownKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

var (
	unknownKey   = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	cannotDecode = regexp.MustCompile(`^(cannot unmarshal \S+ .*) into (\S+)$`)
)

// authorMessage rewrites yaml.v3's messages, which name Go types
// ("field titel not found in type lessons.Meta"), in the author's terms.
func authorMessage(msg string) string {
	if m := unknownKey.FindStringSubmatch(msg); m != nil {
		key, typ := m[1], yamlTypes[m[2]]
		if typ.t == nil {
			return fmt.Sprintf("unknown key %q", key)
		}
		if typ.t == reflect.TypeOf(exercises.Objective{}) && key == "for" {
			return `unknown key "for" of an objective: "for" belongs inside the check, beside its kind (check: {pod: {...}, for: 10s})`
		}
		return fmt.Sprintf("unknown key %q %s (known keys: %s)", key, typ.where, strings.Join(knownKeys(typ.t), ", "))
	}
	if m := cannotDecode.FindStringSubmatch(msg); m != nil {
		return m[1] + " into " + userType(m[2])
	}
	return msg
}

// userType names a Go type the way YAML spells its values.
func userType(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.Contains(t, "."):
		return "a map"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	}
	return t
}

// Bounds on what a message may quote from a pack's files.
const (
	maxQuoted  = 40
	maxMessage = 300
)

var quoted = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`")

// excerpt cuts what a decoder's message quotes from a file to a few words,
// so that a problem never prints a file's content.
func excerpt(msg string) string {
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		r := []rune(q)
		if len(r) <= maxQuoted+2 {
			return q
		}
		return string(r[:maxQuoted+1]) + "…" + string(r[len(r)-1])
	})
}

// bound keeps any message short and on one line, control characters
// escaped (a pack could hold terminal escape sequences).
func bound(msg string) string {
	var b strings.Builder
	n := 0
	for _, r := range msg {
		if n++; n > maxMessage {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
