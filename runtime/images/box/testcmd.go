package box

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

func init() { register(testMain, "test", "[") }

// testMain is test and [ as programs, not only shell builtins: kubectl cp
// runs `test -d DEST` in the container to learn whether DEST is a
// directory. The shell's own test builtin evaluates the expression.
func testMain(argv []string) int {
	name := filepath.Base(argv[0])
	script := name + ` "$@"`
	file, err := syntax.NewParser().Parse(strings.NewReader(script), name)
	if err != nil {
		return fail(name, "%v", err)
	}
	r, err := interp.New(interp.StdIO(nil, os.Stdout, noPosition{os.Stderr}), interp.Params(append([]string{"--"}, argv[1:]...)...))
	if err != nil {
		return fail(name, "%v", err)
	}
	return exitCode(r.Run(context.Background(), file))
}

// noPosition drops the script position ("1:1: ") the builtin puts before
// its messages: "[: missing matching ]", as from a program.
type noPosition struct{ w io.Writer }

func (n noPosition) Write(p []byte) (int, error) {
	if _, err := n.w.Write(bytes.TrimPrefix(p, []byte("1:1: "))); err != nil {
		return 0, err
	}
	return len(p), nil
}
