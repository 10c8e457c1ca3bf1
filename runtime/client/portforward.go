package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver/execstream"
)

// PortForward relays one connection to a pod's port (POST
// .../pods/{name}/portforward?port=N) until the pod's side closes it or ctx
// ends. The end of conn's input reaches the pod as a half-close.
func (c *Client) PortForward(ctx context.Context, namespace, pod string, port int, conn io.ReadWriter) error {
	sc, br, err := c.upgrade(ctx, fmt.Sprintf("%s/portforward?port=%d", resourcePath(api.Pods, namespace, pod), port))
	if err != nil {
		return err
	}
	defer sc.Close()
	stop := context.AfterFunc(ctx, func() { sc.Close() })
	defer stop()

	fw := execstream.NewWriter(sc)
	go func() {
		io.Copy(fw.Channel(execstream.Stdin), conn)
		fw.WriteFrame(execstream.StdinClose, nil)
	}()
	for {
		ch, payload, err := execstream.ReadFrame(br)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("port-forward stream ended without an exit status: %w", err)
		}
		switch ch {
		case execstream.Stdout:
			// A local side that stopped reading only loses the rest of the answer.
			conn.Write(payload)
		case execstream.Exit:
			var exit struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(payload, &exit); err != nil {
				return err
			}
			if exit.Error != "" {
				return errors.New(exit.Error)
			}
			return nil
		}
	}
}
