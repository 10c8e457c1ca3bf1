package lessons

import "github.com/podlab/podlab/assets"

// Builtin loads the pack embedded in podlab.
func Builtin() (*Pack, error) { return Load(assets.BuiltinPack(), "builtin") }
