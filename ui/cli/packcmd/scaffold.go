package packcmd

import (
	"fmt"
	"os"
	"path/filepath"
)

// scaffold writes a one-chapter pack that validates.
func scaffold(dir string) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	files := map[string]string{
		"pack.yaml":                     "id: my-pack\ntitle: My first pack\nversion: 0.1.0\nauthors: [me]\nlanguage: en\nminPodlab: 0.1.0\nchapters:\n- 01-hello\n",
		"01-hello/lesson.md":            "# Hello, Pod\n\nWrite the lesson here, in Markdown. Show the manifest, say what to run:\n\n    podlab apply -f manifests/hello.yaml\n",
		"01-hello/manifests/hello.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n  - name: hello\n    image: busybox\n    command: [\"sh\", \"-c\", \"echo hello; sleep 3600\"]\n",
		"01-hello/exercise.yaml":        "title: Say hello\nobjectives:\n- id: running\n  text: The Pod hello is Running\n  check:\n    pod: {name: hello, phase: Running}\n- id: logs\n  text: It said hello\n  check:\n    logs: {pod: hello, match: hello}\nhints:\n- Apply manifests/hello.yaml.\nsolution:\n  manifests: [manifests/hello.yaml]\ncleanup:\n  delete:\n  - {kind: Pod, name: hello}\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
