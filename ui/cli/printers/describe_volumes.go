package printers

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// describeVolumes is kubectl's "Volumes:" block with the type lines of its
// print*VolumeSource functions for the volume kinds a lab pod uses. space
// prefixes the title inside a pod template, where each volume's name moves
// one space right (kubectl's describeVolumes).
func describeVolumes(p prefixWriter, space string, vols []corev1.Volume) {
	if len(vols) == 0 {
		p.line(0, "%sVolumes:\t<none>", space)
		return
	}
	p.line(0, "%sVolumes:", space)
	nameIndent := ""
	if space != "" {
		nameIndent = " "
	}
	for _, v := range vols {
		p.line(1, "%s%s:", nameIndent, v.Name)
		switch {
		case v.HostPath != nil:
			typ := "<none>"
			if v.HostPath.Type != nil {
				typ = string(*v.HostPath.Type)
			}
			p.line(2, "Type:\tHostPath (bare host directory volume)")
			p.line(2, "Path:\t%s", v.HostPath.Path)
			p.line(2, "HostPathType:\t%s", typ)
		case v.EmptyDir != nil:
			limit := "<unset>"
			if l := v.EmptyDir.SizeLimit; l != nil && l.Sign() > 0 {
				limit = l.String()
			}
			p.line(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)")
			p.line(2, "Medium:\t%s", v.EmptyDir.Medium)
			p.line(2, "SizeLimit:\t%s", limit)
		case v.Secret != nil:
			p.line(2, "Type:\tSecret (a volume populated by a Secret)")
			p.line(2, "SecretName:\t%s", v.Secret.SecretName)
			p.line(2, "Optional:\t%t", v.Secret.Optional != nil && *v.Secret.Optional)
		case v.ConfigMap != nil:
			p.line(2, "Type:\tConfigMap (a volume populated by a ConfigMap)")
			p.line(2, "Name:\t%s", v.ConfigMap.Name)
			p.line(2, "Optional:\t%t", v.ConfigMap.Optional != nil && *v.ConfigMap.Optional)
		case v.PersistentVolumeClaim != nil:
			p.line(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)")
			p.line(2, "ClaimName:\t%s", v.PersistentVolumeClaim.ClaimName)
			p.line(2, "ReadOnly:\t%t", v.PersistentVolumeClaim.ReadOnly)
		case v.DownwardAPI != nil:
			p.line(2, "Type:\tDownwardAPI (a volume populated by information about the pod)")
			p.line(2, "Items:")
			for _, it := range v.DownwardAPI.Items {
				if it.FieldRef != nil {
					p.line(3, "%s -> %s", it.FieldRef.FieldPath, it.Path)
				}
				if it.ResourceFieldRef != nil {
					p.line(3, "%s -> %s", it.ResourceFieldRef.Resource, it.Path)
				}
			}
		case v.Projected != nil:
			describeProjected(p, v.Projected)
		default:
			p.line(1, "<unknown>")
		}
	}
}

// describeProjected is kubectl's printProjectedVolumeSource; like kubectl it
// prints the Optional pointers with %v, so an unset one reads <nil>.
func describeProjected(p prefixWriter, v *corev1.ProjectedVolumeSource) {
	p.line(2, "Type:\tProjected (a volume that contains injected data from multiple sources)")
	for _, s := range v.Sources {
		switch {
		case s.Secret != nil:
			p.line(2, "SecretName:\t%s", s.Secret.Name)
			p.line(2, "SecretOptionalName:\t%s", optionalString(s.Secret.Optional))
		case s.DownwardAPI != nil:
			p.line(2, "DownwardAPI:\ttrue")
		case s.ConfigMap != nil:
			p.line(2, "ConfigMapName:\t%s", s.ConfigMap.Name)
			p.line(2, "ConfigMapOptional:\t%s", optionalString(s.ConfigMap.Optional))
		case s.ServiceAccountToken != nil:
			seconds := int64(0)
			if s.ServiceAccountToken.ExpirationSeconds != nil {
				seconds = *s.ServiceAccountToken.ExpirationSeconds
			}
			p.line(2, "TokenExpirationSeconds:\t%d", seconds)
		}
	}
}

// optionalString prints an optional flag the way fmt's %v prints kubectl's
// *bool: <nil> when unset (a set pointer would print an address there;
// the value is more useful and only differs when set).
func optionalString(b *bool) string {
	if b == nil {
		return "<nil>"
	}
	return fmt.Sprint(*b)
}
