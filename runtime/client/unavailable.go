package client

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// UnavailableError says no control plane answers on the socket.
type UnavailableError struct {
	Socket string
	Err    error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("no podlab control plane answers on %s (start it with \"podlab up\"): %v", e.Socket, e.Err)
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// IsUnavailable reports whether err means the control plane is not running.
func IsUnavailable(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u)
}

// unavailable wraps a failure to reach the socket at all.
func (c *Client) unavailable(err error) error {
	if err == nil {
		return nil
	}
	var op *net.OpError
	// The stream upgrader words its dial failures without wrapping them.
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &op) && op.Op == "dial" ||
		strings.Contains(err.Error(), "dial unix "+c.socket+":") {
		return &UnavailableError{Socket: c.socket, Err: err}
	}
	return err
}
