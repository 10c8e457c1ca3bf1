package printers

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/api"
)

// describeNamespace is kubectl's describeNamespace; the lab has no resource
// quotas or limit ranges, so it says so as kubectl does for none.
func describeNamespace(p prefixWriter, ns *corev1.Namespace) {
	p.line(0, "Name:\t%s", ns.Name)
	printLabels(p, "Labels", ns.Labels)
	printAnnotations(p, ns.Annotations)
	p.line(0, "Status:\t%s", ns.Status.Phase)
	if len(ns.Status.Conditions) > 0 {
		p.line(0, "Conditions:")
		p.line(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage")
		p.line(1, "----\t------\t------------------\t------\t-------")
		for _, c := range ns.Status.Conditions {
			p.line(1, "%s\t%s\t%s\t%s\t%s", c.Type, c.Status, describeTime(c.LastTransitionTime), c.Reason, c.Message)
		}
	}
	p.line(0, "")
	p.line(0, "No resource quota.")
	p.line(0, "")
	p.line(0, "No LimitRange resource.")
}

// describeConfigMap is kubectl's ConfigMapDescriber (keys sorted here,
// where kubectl follows map order): each data key, a "----" rule and the
// value; binary keys as "key: N bytes".
func describeConfigMap(p prefixWriter, cm *corev1.ConfigMap) {
	describeMeta(p, cm)
	p.line(0, "")
	p.line(0, "Data")
	p.line(0, "====")
	for _, k := range sortedKeys(cm.Data) {
		p.line(0, "%s:", k)
		p.line(0, "----")
		p.line(0, "%s", cm.Data[k])
	}
	p.line(0, "")
	p.line(0, "BinaryData")
	p.line(0, "====")
	for _, k := range sortedKeys(cm.BinaryData) {
		p.line(0, "%s: %d bytes", k, len(cm.BinaryData[k]))
	}
	p.line(0, "")
}

// describeSecret is kubectl's describeSecret: sizes, never values (but a
// service account token's token, which kubectl shows).
func describeSecret(p prefixWriter, s *corev1.Secret) {
	describeMeta(p, s)
	p.line(0, "")
	p.line(0, "Type:\t%s", s.Type)
	p.line(0, "")
	p.line(0, "Data")
	p.line(0, "====")
	for _, k := range sortedKeys(s.Data) {
		if k == corev1.ServiceAccountTokenKey && s.Type == corev1.SecretTypeServiceAccountToken {
			p.line(0, "%s:\t%s", k, s.Data[k])
		} else {
			p.line(0, "%s:\t%d bytes", k, len(s.Data[k]))
		}
	}
}

// describeGeneric is kubectl's generic describer, which events and any
// kind without its own page get: name, namespace, labels, annotations,
// then every other field of the object, keys sorted, titled by
// smartLabel.
func describeGeneric(p prefixWriter, obj api.Object) error {
	c := obj.DeepCopyObject().(api.Object)
	api.SetTypeMeta(c)
	content, err := toUnstructured(c)
	if err != nil {
		return err
	}
	describeMeta(p, obj)
	printContent(p, 0, content, "", ".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations")
	return nil
}

// toUnstructured turns a typed object into its JSON map, numbers kept exact.
func toUnstructured(obj any) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// printContent is kubectl's printUnstructuredContent: maps and lists as
// titled blocks one level deeper, scalars as "Title:\tvalue" (null is
// <nil>); skip names dotted paths to leave out.
func printContent(p prefixWriter, level int, content map[string]any, prefix string, skip ...string) {
	skipped := func(path string) bool {
		for _, s := range skip {
			if s == path {
				return true
			}
		}
		return false
	}
	for _, field := range sortedKeys(content) {
		path := prefix + "." + field
		if skipped(path) {
			continue
		}
		switch v := content[field].(type) {
		case map[string]any:
			p.line(level, "%s:", smartLabel(field))
			printContent(p, level+1, v, path, skip...)
		case []any:
			p.line(level, "%s:", smartLabel(field))
			for _, item := range v {
				if m, ok := item.(map[string]any); ok {
					printContent(p, level+1, m, path, skip...)
				} else {
					p.line(level+1, "%v", item)
				}
			}
		default:
			if v == nil {
				p.line(level, "%s:\t<nil>", smartLabel(field))
			} else {
				p.line(level, "%s:\t%v", smartLabel(field), v)
			}
		}
	}
}

// smartLabel is kubectl's smartLabelFor: a camelCase field name as title
// case words ("firstTimestamp" → "First Timestamp", "apiVersion" → "API
// Version"); names with characters other than letters and '-' stay as
// they are.
func smartLabel(field string) string {
	if strings.IndexFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) >= 0 {
		return field
	}
	acronyms := map[string]bool{"API": true, "URL": true, "UID": true, "OSB": true, "GUID": true}
	var words []string
	for _, part := range splitCamel(field) {
		if acronyms[strings.ToUpper(part)] {
			part = strings.ToUpper(part)
		} else {
			part = strings.ToUpper(part[:1]) + part[1:]
		}
		words = append(words, part)
	}
	return strings.Join(words, " ")
}

// splitCamel splits at changes between lower case, upper case and other
// runes; an upper-case run followed by lower case gives its last letter to
// the next word ("HTTPServer" → "HTTP", "Server"), as fatih/camelcase does.
func splitCamel(s string) []string {
	class := func(r rune) int {
		switch {
		case unicode.IsLower(r):
			return 1
		case unicode.IsUpper(r):
			return 2
		case unicode.IsDigit(r):
			return 3
		}
		return 4
	}
	var runs [][]rune
	last := 0
	for _, r := range s {
		c := class(r)
		if c == last {
			runs[len(runs)-1] = append(runs[len(runs)-1], r)
		} else {
			runs = append(runs, []rune{r})
		}
		last = c
	}
	for i := 0; i+1 < len(runs); i++ {
		if unicode.IsUpper(runs[i][0]) && unicode.IsLower(runs[i+1][0]) {
			n := len(runs[i])
			runs[i+1] = append([]rune{runs[i][n-1]}, runs[i+1]...)
			runs[i] = runs[i][:n-1]
		}
	}
	var words []string
	for _, r := range runs {
		if len(r) > 0 {
			words = append(words, string(r))
		}
	}
	return words
}

// describeMeta prints the four lines every namespaced describer starts with.
func describeMeta(p prefixWriter, obj metav1.Object) {
	p.line(0, "Name:\t%s", obj.GetName())
	p.line(0, "Namespace:\t%s", obj.GetNamespace())
	printLabels(p, "Labels", obj.GetLabels())
	printAnnotations(p, obj.GetAnnotations())
}
