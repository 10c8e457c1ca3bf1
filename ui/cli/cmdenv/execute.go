package cmdenv

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/podlab/podlab/runtime/client"
)

// ExitError carries an exit code through cobra without printing twice.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Execute runs root with args on e's streams and returns the exit code. A
// failure is printed once, here, the way kubectl words it (cobra's own error
// and usage printing are silenced); an ExitError only sets the code.
func (e *Env) Execute(ctx context.Context, root *cobra.Command, args []string) int {
	root.SilenceUsage = true
	root.SilenceErrors = true
	root.SetArgs(args)
	root.SetIn(e.Stdin)
	root.SetOut(e.Stdout)
	root.SetErr(e.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	fmt.Fprintln(e.Stderr, FormatError(err))
	return 1
}

// FormatError words an error the way kubectl does: API errors as
// `Error from server (Reason): message`, others as `error: message`.
func FormatError(err error) string {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		s := st.Status()
		reason := string(s.Reason)
		if reason == "" {
			reason = "InternalError"
		}
		return fmt.Sprintf("Error from server (%s): %s", reason, s.Message)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "error: ") || strings.HasPrefix(msg, "Error from server") {
		return msg
	}
	return "error: " + msg
}

// InProcess runs a podlab command line in-process against cl, with stdin,
// and returns its exit code and its combined output. The root command
// provides it (it knows every command); the app's command bar and a pack's
// setup, solution and cleanup commands run this way.
type InProcess func(ctx context.Context, cl client.Interface, args []string, stdin []byte) (code int, output string)
