package lessons

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// The packs a learner added (`podlab pack add`) are remembered, by where
// they live, in the lab's home, and open beside the built-in one.

func registryPath(home string) string { return filepath.Join(home, "packs.json") }

// AddedPacks lists the sources of the added packs.
func AddedPacks(home string) []string {
	var srcs []string
	if b, err := os.ReadFile(registryPath(home)); err == nil {
		json.Unmarshal(b, &srcs)
	}
	return srcs
}

// SetAddedPacks records the added packs' sources.
func SetAddedPacks(home string, srcs []string) error {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(srcs, "", "  ")
	return os.WriteFile(registryPath(home), b, 0o600)
}
