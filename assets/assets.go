// Package assets holds the files podlab embeds that are not code: the
// built-in lesson pack.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed packs
var packs embed.FS

// BuiltinPack is the built-in pack's directory (its root holds pack.yaml).
func BuiltinPack() fs.FS {
	sub, err := fs.Sub(packs, "packs/basics")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
