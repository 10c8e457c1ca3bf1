//go:build linux

package box

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"
)

// Netlink constants of rtnetlink(7) that package syscall lacks.
const (
	rtTableMain    = 254
	rtTableLocal   = 255
	rtprotBoot     = 3
	rtScopeUniv    = 0
	rtScopeHost    = 254
	rtnUnicast     = 1
	rtnLocal       = 2
	loopbackIfname = "lo"
)

// addRoute installs (or replaces) a route in the calling process's network
// namespace through rtnetlink: a unicast route to dst via gw when local is
// false (`ip route replace DST via GW`), else a local route to dst on the
// loopback (`ip route replace local DST dev lo`), which makes every address
// of dst this host's (AnyIP). It needs CAP_NET_ADMIN.
func addRoute(dst netip.Prefix, gw netip.Addr, local bool) error {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	rt := syscall.RtMsg{Family: syscall.AF_INET, Dst_len: uint8(dst.Bits()), Table: rtTableMain, Protocol: rtprotBoot, Scope: rtScopeUniv, Type: rtnUnicast}
	var attrs []byte
	d := dst.Masked().Addr().As4()
	attrs = appendAttr(attrs, syscall.RTA_DST, d[:])
	if local {
		rt.Table, rt.Scope, rt.Type = rtTableLocal, rtScopeHost, rtnLocal
		ifi, err := ifIndex(loopbackIfname)
		if err != nil {
			return err
		}
		idx := make([]byte, 4)
		binary.NativeEndian.PutUint32(idx, uint32(ifi))
		attrs = appendAttr(attrs, syscall.RTA_OIF, idx)
	} else {
		g := gw.As4()
		attrs = appendAttr(attrs, syscall.RTA_GATEWAY, g[:])
	}
	body := (*[syscall.SizeofRtMsg]byte)(unsafe.Pointer(&rt))[:]
	msg := make([]byte, syscall.NLMSG_HDRLEN, syscall.NLMSG_HDRLEN+len(body)+len(attrs))
	msg = append(msg, body...)
	msg = append(msg, attrs...)
	hdr := (*syscall.NlMsghdr)(unsafe.Pointer(&msg[0]))
	hdr.Len = uint32(len(msg))
	hdr.Type = syscall.RTM_NEWROUTE
	hdr.Flags = syscall.NLM_F_REQUEST | syscall.NLM_F_ACK | syscall.NLM_F_CREATE | syscall.NLM_F_REPLACE
	hdr.Seq = 1
	if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, _, err := syscall.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:n])
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_ERROR && len(m.Data) >= 4 {
			if code := int32(binary.NativeEndian.Uint32(m.Data[:4])); code != 0 {
				return syscall.Errno(-code)
			}
			return nil
		}
	}
	return fmt.Errorf("no answer from rtnetlink")
}

func appendAttr(b []byte, typ uint16, data []byte) []byte {
	l := syscall.SizeofRtAttr + len(data)
	h := make([]byte, syscall.SizeofRtAttr)
	binary.NativeEndian.PutUint16(h[0:2], uint16(l))
	binary.NativeEndian.PutUint16(h[2:4], typ)
	b = append(b, h...)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func ifIndex(name string) (int, error) {
	ifs, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		return 0, err
	}
	msgs, err := syscall.ParseNetlinkMessage(ifs)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if m.Header.Type != syscall.RTM_NEWLINK {
			continue
		}
		info := (*syscall.IfInfomsg)(unsafe.Pointer(&m.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			continue
		}
		for _, a := range attrs {
			if a.Attr.Type == syscall.IFLA_IFNAME && string(trimNul(a.Value)) == name {
				return int(info.Index), nil
			}
		}
	}
	return 0, fmt.Errorf("no interface %s", name)
}

func trimNul(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
