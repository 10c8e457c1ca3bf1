package lab

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/runtime/client"
)

// stopTimeout bounds how long `podlab node stop` waits for a kubelet's
// workers to finish what they are doing.
const stopTimeout = 30 * time.Second

// handlers serve podlab's node actions beside the API, one path per node
// and action (client.NodesPath): POST …/<node>/stop and …/<node>/start.
func (a *nodeAgents) handlers() map[string]http.Handler {
	out := map[string]http.Handler{}
	for _, n := range a.order {
		name := n.node.Name
		out[client.NodesPath+name+"/stop"] = a.action(func(ctx context.Context) (client.KubeletChange, error) { return a.Stop(ctx, name) })
		out[client.NodesPath+name+"/start"] = a.action(func(ctx context.Context) (client.KubeletChange, error) { return a.Start(ctx, name) })
	}
	return out
}

func (a *nodeAgents) action(do func(context.Context) (client.KubeletChange, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost {
			writeStatus(w, apierrors.NewMethodNotSupported(client.NodesResource, r.Method))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), stopTimeout)
		defer cancel()
		ch, err := do(ctx)
		if err != nil {
			if se, ok := err.(apierrors.APIStatus); ok {
				writeStatus(w, se)
				return
			}
			writeStatus(w, apierrors.NewInternalError(err))
			return
		}
		json.NewEncoder(w).Encode(ch)
	})
}

// writeStatus answers with a metav1.Status, which the client turns back
// into the API error.
func writeStatus(w http.ResponseWriter, se apierrors.APIStatus) {
	st := se.Status()
	st.Kind, st.APIVersion = "Status", "v1"
	if st.Status == "" {
		st.Status = metav1.StatusFailure
	}
	w.WriteHeader(int(st.Code))
	json.NewEncoder(w).Encode(st)
}
