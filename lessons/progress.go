package lessons

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
)

// Progress is what the learner has done, kept in the lab's home.
type Progress struct {
	// Current is the exercise being worked on: "pack/chapter".
	Current string `json:"current,omitempty"`
	// Done holds the completed exercises, "pack/chapter" → true.
	Done map[string]bool `json:"done,omitempty"`
}

func progressPath(home string) string { return filepath.Join(home, "progress.json") }

// LoadProgress reads the progress file of a lab home (empty if none).
func LoadProgress(home string) (Progress, error) {
	var p Progress
	b, err := os.ReadFile(progressPath(home))
	if errors.Is(err, os.ErrNotExist) {
		return Progress{Done: map[string]bool{}}, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Progress{Done: map[string]bool{}}, nil // a damaged file starts afresh
	}
	if p.Done == nil {
		p.Done = map[string]bool{}
	}
	return p, nil
}

// Save writes the progress file atomically.
func (p Progress) Save(home string) error {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(p, "", "  ")
	tmp := progressPath(home) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, progressPath(home))
}

// Key names a chapter of a pack in the progress file.
func Key(pack *Pack, c *Chapter) string { return pack.Meta.ID + "/" + c.Dir }
