package endpoint

import corev1 "k8s.io/api/core/v1"

// RepackSubsets canonicalizes subsets made by anyone (a hand-made
// Endpoints, say) as upstream's endpoints.RepackSubsets does: addresses
// offering the same set of ports share one subset, an address listed both
// ready and not ready counts as ready, and subsets, addresses and ports
// come in a stable order. The mirroring controller reads hand-made
// Endpoints through it, as upstream's does.
func RepackSubsets(subsets []corev1.EndpointSubset) []corev1.EndpointSubset {
	var flat []entry
	for _, s := range subsets {
		ports := s.Ports
		if len(ports) == 0 {
			ports = []corev1.EndpointPort{noPort}
		}
		for _, list := range []struct {
			addrs []corev1.EndpointAddress
			ready bool
		}{{s.Addresses, true}, {s.NotReadyAddresses, false}} {
			for _, a := range list.addrs {
				for _, p := range ports {
					flat = append(flat, entry{addr: a, ready: list.ready, port: p})
				}
			}
		}
	}
	return repack(flat)
}
