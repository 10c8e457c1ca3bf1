package box

import (
	"net/netip"
)

func init() { register(routeMain, "podlab-route") }

// routeMain is `podlab-route CIDR via GW` (the engine runs it in a pod's
// sandbox: the lab's service range goes through its proxy) or
// `podlab-route CIDR local` (the proxy's own: every address of the range is
// its).
func routeMain(argv []string) int {
	if len(argv) < 3 {
		return fail(argv[0], "usage: podlab-route CIDR via GATEWAY | podlab-route CIDR local")
	}
	dst, err := netip.ParsePrefix(argv[1])
	if err != nil || !dst.Addr().Is4() {
		return fail(argv[0], "bad IPv4 CIDR %q", argv[1])
	}
	switch {
	case argv[2] == "local":
		err = addRoute(dst, netip.Addr{}, true)
	case argv[2] == "via" && len(argv) == 4:
		gw, perr := netip.ParseAddr(argv[3])
		if perr != nil || !gw.Is4() {
			return fail(argv[0], "bad IPv4 gateway %q", argv[3])
		}
		err = addRoute(dst, gw, false)
	default:
		return fail(argv[0], "usage: podlab-route CIDR via GATEWAY | podlab-route CIDR local")
	}
	if err != nil {
		return fail(argv[0], "%s: %v", argv[1], err)
	}
	return 0
}
