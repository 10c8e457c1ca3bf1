package podspec

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Upstream's limits on a pod's resolv.conf (pkg/apis/core/validation and
// pkg/kubelet/network/dns): 3 nameservers, 32 search domains.
const (
	maxNameservers = 3
	maxSearches    = 32
	// ndots is the option the kubelet sets for cluster DNS, so a name with
	// fewer than 5 dots is first tried in the search domains.
	ndots = "ndots:5"
)

// ResolvConf is the pod's resolv.conf as upstream's kubelet writes it
// (pkg/kubelet/network/dns GetPodDNS), with the cluster's DNS server and
// domain (--cluster-dns, --cluster-domain); nil means the engine's own
// (dnsPolicy Default, and ClusterFirst for a hostNetwork pod, which
// falls back to Default). ClusterFirst (and ClusterFirstWithHostNet)
// gives `nameserver <cluster DNS>`, `search <ns>.svc.<domain> svc.<domain>
// <domain>` and `options ndots:5`; None only what dnsConfig says; dnsConfig
// is then merged in: nameservers and searches appended (duplicates
// dropped), options by name, the pod's winning.
func ResolvConf(pod *corev1.Pod, clusterDNS []string, domain string) []byte {
	policy := pod.Spec.DNSPolicy
	if policy == "" {
		policy = corev1.DNSClusterFirst
	}
	var servers, searches, options []string
	switch {
	case policy == corev1.DNSNone:
	case policy == corev1.DNSDefault,
		policy == corev1.DNSClusterFirst && pod.Spec.HostNetwork,
		len(clusterDNS) == 0:
		// The node's resolver: the engine's, unless dnsConfig adds to it
		// (the lab does not read the node's file to merge into).
		if pod.Spec.DNSConfig == nil {
			return nil
		}
	default: // ClusterFirst, ClusterFirstWithHostNet
		servers = slices.Clone(clusterDNS)
		searches = []string{pod.Namespace + ".svc." + domain, "svc." + domain, domain}
		options = []string{ndots}
	}
	if c := pod.Spec.DNSConfig; c != nil {
		for _, s := range c.Nameservers {
			if !slices.Contains(servers, s) {
				servers = append(servers, s)
			}
		}
		for _, s := range c.Searches {
			if !slices.Contains(searches, s) {
				searches = append(searches, s)
			}
		}
		for _, o := range c.Options {
			opt := o.Name
			if o.Value != nil {
				opt += ":" + *o.Value
			}
			replaced := false
			for i, have := range options {
				if name, _, _ := strings.Cut(have, ":"); name == o.Name {
					options[i], replaced = opt, true
				}
			}
			if !replaced {
				options = append(options, opt)
			}
		}
	}
	if len(servers) > maxNameservers {
		servers = servers[:maxNameservers]
	}
	if len(searches) > maxSearches {
		searches = searches[:maxSearches]
	}
	var b strings.Builder
	for _, s := range servers {
		b.WriteString("nameserver " + s + "\n")
	}
	if len(searches) > 0 {
		b.WriteString("search " + strings.Join(searches, " ") + "\n")
	}
	if len(options) > 0 {
		b.WriteString("options " + strings.Join(options, " ") + "\n")
	}
	return []byte(b.String())
}
