package apiserver_test

import (
	"context"
	"net"
)

type netConn = net.Conn

func dialUnix(ctx context.Context, sock string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", sock)
}
