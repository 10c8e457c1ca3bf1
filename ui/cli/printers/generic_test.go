package printers

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestTemplatePrinters runs -o jsonpath and custom-columns on the pod
// fixtures, as a list and as single objects.
func TestTemplatePrinters(t *testing.T) {
	pods := fixturePods()
	var buf bytes.Buffer
	for _, c := range []struct {
		output string
		single bool
	}{
		{"jsonpath={.items[*].metadata.name}", false},
		{`jsonpath={range .items[*]}{.metadata.name}{"\t"}{.status.podIP}{"\t"}{.status.containerStatuses[*].restartCount}{"\n"}{end}`, false},
		{"jsonpath={.kind} {.items[0].metadata.labels}", false},
		{"jsonpath={.status.podIP}", true},
		{"jsonpath-as-json={.metadata.name}", true},
		{`jsonpath={.spec.containers[?(@.name=="liveness")].ports[0].containerPort}`, true},
		{"custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IP:status.podIP,RESTARTS:.status.containerStatuses[*].restartCount,LABELS:.metadata.labels", false},
		{"custom-columns=NAME:{.metadata.name},MISSING:.spec.nothing", true},
	} {
		fmt.Fprintf(&buf, "$ -o %s\n", c.output)
		p, ok, err := NewGeneric(c.output, false)
		if !ok || err != nil {
			t.Fatalf("%s: %v %v", c.output, ok, err)
		}
		objs := pods
		if c.single {
			objs = pods[:1]
		}
		if err := p.PrintObjects(&buf, objs, !c.single); err != nil {
			t.Fatalf("%s: %v", c.output, err)
		}
		buf.WriteString("\n")
	}
	golden(t, "get-templates", buf.Bytes())
}

func TestTemplatePrinterErrors(t *testing.T) {
	for output, want := range map[string]string{
		"jsonpath=":                        "template format specified but no template given",
		"jsonpath={.a":                     "error parsing jsonpath {.a, unclosed action",
		"jsonpath-file=/nonexistent":       "error reading --template /nonexistent, open /nonexistent: no such file or directory",
		"custom-columns=":                  "custom-columns format specified but no custom columns given",
		"custom-columns=A:{x}{y}":          "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
		"custom-columns-file=/nonexistent": "error reading template /nonexistent, open /nonexistent: no such file or directory",
	} {
		_, ok, err := NewGeneric(output, false)
		if !ok || err == nil || err.Error() != want {
			t.Errorf("%s: %v %v, want %q", output, ok, err, want)
		}
	}
	if _, ok, _ := NewGeneric("go-template={{.kind}}", false); ok {
		t.Error("go-template is not served")
	}
	if _, err := NewCustomColumnsFromTemplate(strings.NewReader("A B\n.a\n"), false); err == nil || err.Error() != "number of headers (2) and field specifications (1) don't match" {
		t.Errorf("template mismatch: %v", err)
	}
}

// TestStreamTableRemembersWidths: a watch's later rows line up under the
// header, and a wider cell widens its column for the rows after it.
func TestStreamTableRemembersWidths(t *testing.T) {
	var buf bytes.Buffer
	st := NewStreamTable(&buf)
	st.Row([]string{"NAME", "READY", "STATUS", "AGE"})
	st.Row([]string{"web", "1/1", "Running", "5s"})
	st.Flush()
	st.Row([]string{"a", "0/1", "Pending", "1s"})
	st.Flush()
	st.Row([]string{"much-longer-name", "0/1", "CrashLoopBackOff", "9s"})
	st.Flush()
	st.Row([]string{"b", "1/1", "Running", "2s"})
	st.Flush()
	want := "NAME   READY   STATUS    AGE\n" +
		"web    1/1     Running   5s\n" +
		"a      0/1     Pending   1s\n" +
		"much-longer-name   0/1     CrashLoopBackOff   9s\n" +
		"b                  1/1     Running            2s\n"
	if buf.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}
