package streaming

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
)

// writeHTTPStatus answers a request that was not upgraded with a
// metav1.Status body, as the API server answers any failed request; client-go
// decodes it into the error the user sees.
func writeHTTPStatus(w http.ResponseWriter, code int, reason metav1.StatusReason, msg string) {
	status := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Message:  msg,
		Reason:   reason,
		Code:     int32(code),
	}
	body, _ := json.Marshal(status)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

func badRequest(w http.ResponseWriter, msg string) {
	writeHTTPStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, msg)
}

// reasonFor maps the status codes a failed upgrade answers with to their
// API reasons.
func reasonFor(code int) metav1.StatusReason {
	switch code {
	case http.StatusBadRequest:
		return metav1.StatusReasonBadRequest
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden
	default:
		return metav1.StatusReasonInternalError
	}
}

// statusWriter reports a session's outcome on its error stream.
type statusWriter func(s *metav1.Status) error

// jsonStatus is the v4+ error stream: the metav1.Status as JSON, so that
// the client learns the exit code (the kubelet's v4WriteStatusFunc).
func jsonStatus(w io.Writer) statusWriter {
	return func(s *metav1.Status) error {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
}

// textStatus is the error stream before v4: a failure's message as plain
// text, nothing for success (the kubelet's v1WriteStatusFunc).
func textStatus(w io.Writer) statusWriter {
	return func(s *metav1.Status) error {
		if s.Status == metav1.StatusSuccess {
			return nil
		}
		_, err := io.WriteString(w, s.Message)
		return err
	}
}

// exitError is what a Run returns for a command that exited non-zero
// (k8s.io/client-go/util/exec.ExitError, k8s.io/utils/exec.ExitError).
type exitError interface {
	ExitStatus() int
}

// sessionStatus turns Run's result into the status the kubelet's ServeExec
// reports: Success; NonZeroExitCode with an ExitCode cause for a command that
// exited; the error's own status when it carries one (as the API server's
// stream translator passes a StatusError on); otherwise an internal error.
func sessionStatus(err error) *metav1.Status {
	if err == nil {
		return &metav1.Status{Status: metav1.StatusSuccess}
	}
	var exit exitError
	if errors.As(err, &exit) && exited(exit) {
		return &metav1.Status{
			Status: metav1.StatusFailure,
			Reason: remotecommandconsts.NonZeroExitCodeReason,
			Details: &metav1.StatusDetails{
				Causes: []metav1.StatusCause{{
					Type:    remotecommandconsts.ExitCodeCauseType,
					Message: fmt.Sprint(exit.ExitStatus()),
				}},
			},
			Message: fmt.Sprintf("command terminated with non-zero exit code: %v", exit),
		}
	}
	var api apierrors.APIStatus
	if errors.As(err, &api) {
		s := api.Status()
		return &s
	}
	s := apierrors.NewInternalError(fmt.Errorf("error executing command in container: %w", err)).Status()
	return &s
}

// exited reports whether an exit error is a real exit: one that knows it
// may not be (killed by a signal) says so with Exited.
func exited(e exitError) bool {
	if x, ok := e.(interface{ Exited() bool }); ok {
		return x.Exited()
	}
	return true
}

// splitProtocols lists the comma-separated values of a header, as clients
// offer subprotocols.
func splitProtocols(values []string) []string {
	var out []string
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
