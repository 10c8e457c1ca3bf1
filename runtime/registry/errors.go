package registry

import (
	"encoding/json"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

func pathOf(p string) *field.Path {
	parts := strings.Split(p, ".")
	return field.NewPath(parts[0], parts[1:]...)
}

func fieldErrors(path string, value any, msg string) field.ErrorList {
	return field.ErrorList{field.Invalid(pathOf(path), value, msg)}
}

func requiredError(path string) field.ErrorList {
	return field.ErrorList{field.Required(pathOf(path), "")}
}

// writeStatus answers an HTTP request with the error's metav1.Status, as the
// API server's handlers do.
func writeStatus(w http.ResponseWriter, err apierrors.APIStatus) {
	st := err.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	json.NewEncoder(w).Encode(st)
}
