package lab

import (
	"os"
	"path/filepath"

	"github.com/podlab/podlab/runtime/images"
)

// BoxBinaryName is the lean applets-only build that podlab's images are
// made from when it sits beside the podlab binary.
const BoxBinaryName = "podlab-box"

// boxBinary picks the binary podlab's images are built from: $PODLAB_BOX_BINARY
// (for a control plane built with -race, which is not static), else the lean
// podlab-box beside podlab, else podlab itself (it carries every applet too).
func boxBinary(exe string) string {
	if box := os.Getenv("PODLAB_BOX_BINARY"); box != "" {
		return box
	}
	lean := filepath.Join(filepath.Dir(exe), BoxBinaryName)
	if fi, err := os.Stat(lean); err == nil && fi.Mode().IsRegular() && images.CheckStatic(lean) == nil {
		return lean
	}
	return exe
}
