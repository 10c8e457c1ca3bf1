//go:build !linux

package box

import (
	"errors"
	"net/netip"
)

func addRoute(netip.Prefix, netip.Addr, bool) error {
	return errors.New("routes can only be set on Linux")
}
