package kubectl

import (
	"reflect"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// explain's schema comes from the k8s.io/api Go types themselves: field
// names from json tags, types from reflection, descriptions from the
// generated SwaggerDoc methods (the same comments the server's OpenAPI
// documents are generated from), so it needs no server and no network.

// schemaField is one property of an object type.
type schemaField struct {
	name     string
	typ      reflect.Type // as declared: may be a pointer, slice or map
	doc      string
	required bool
}

var (
	quantityType    = reflect.TypeFor[resource.Quantity]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	timeType        = reflect.TypeFor[metav1.Time]()
	microTimeType   = reflect.TypeFor[metav1.MicroTime]()
)

// The OpenAPI schema calls a field required when its comment says
// +required, or when its json tag has no omitempty and its comment does not
// say +optional. Reflection sees only the tags, so the fields whose comments
// decide are listed here (those reachable from the kinds the lab serves).
var (
	optionalFields = map[reflect.Type][]string{
		reflect.TypeFor[corev1.ContainerImage]():            {"names"},
		reflect.TypeFor[corev1.NodeRuntimeHandler]():        {"name"},
		reflect.TypeFor[corev1.Event]():                     {"reportingComponent", "reportingInstance"},
		reflect.TypeFor[corev1.ProjectedVolumeSource]():     {"sources"},
		reflect.TypeFor[corev1.GRPCAction]():                {"service"},
		reflect.TypeFor[corev1.TypedObjectReference]():      {"apiGroup"},
		reflect.TypeFor[corev1.TypedLocalObjectReference](): {"apiGroup"},
	}
	requiredFields = map[reflect.Type][]string{
		reflect.TypeFor[corev1.ImageVolumeStatus]():               {"imageRef"},
		reflect.TypeFor[corev1.PodCertificateProjection]():        {"signerName", "keyType"},
		reflect.TypeFor[corev1.ContainerRestartRule]():            {"action"},
		reflect.TypeFor[corev1.ContainerRestartRuleOnExitCodes](): {"operator"},
	}
)

// schemaEnums lists the values of the string types marked +enum that Pods,
// Nodes and the other served kinds use, which the OpenAPI schema carries
// (sorted) and kubectl prints as "enum:". Go has no reflection over
// constants, hence the table (Signal's sixty-odd values are left out).
var schemaEnums = map[reflect.Type][]string{}

func init() {
	add := func(t reflect.Type, values ...string) {
		sort.Strings(values)
		schemaEnums[t] = values
	}
	add(reflect.TypeFor[corev1.RestartPolicy](), string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever))
	add(reflect.TypeFor[corev1.PullPolicy](), string(corev1.PullAlways), string(corev1.PullNever), string(corev1.PullIfNotPresent))
	add(reflect.TypeFor[corev1.DNSPolicy](), string(corev1.DNSClusterFirstWithHostNet), string(corev1.DNSClusterFirst), string(corev1.DNSDefault), string(corev1.DNSNone))
	add(reflect.TypeFor[corev1.Protocol](), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP), string(corev1.ProtocolSCTP))
	add(reflect.TypeFor[corev1.URIScheme](), string(corev1.URISchemeHTTP), string(corev1.URISchemeHTTPS))
	add(reflect.TypeFor[corev1.TerminationMessagePolicy](), string(corev1.TerminationMessageReadFile), string(corev1.TerminationMessageFallbackToLogsOnError))
	add(reflect.TypeFor[corev1.PodPhase](), string(corev1.PodPending), string(corev1.PodRunning), string(corev1.PodSucceeded), string(corev1.PodFailed), string(corev1.PodUnknown))
	add(reflect.TypeFor[corev1.PodQOSClass](), string(corev1.PodQOSGuaranteed), string(corev1.PodQOSBurstable), string(corev1.PodQOSBestEffort))
	add(reflect.TypeFor[corev1.TaintEffect](), string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute))
	add(reflect.TypeFor[corev1.TolerationOperator](), string(corev1.TolerationOpExists), string(corev1.TolerationOpEqual))
	add(reflect.TypeFor[corev1.NodeSelectorOperator](), string(corev1.NodeSelectorOpIn), string(corev1.NodeSelectorOpNotIn), string(corev1.NodeSelectorOpExists),
		string(corev1.NodeSelectorOpDoesNotExist), string(corev1.NodeSelectorOpGt), string(corev1.NodeSelectorOpLt))
	add(reflect.TypeFor[corev1.NamespacePhase](), string(corev1.NamespaceActive), string(corev1.NamespaceTerminating))
	add(reflect.TypeFor[corev1.NodePhase](), string(corev1.NodePending), string(corev1.NodeRunning), string(corev1.NodeTerminated))
	add(reflect.TypeFor[corev1.PreemptionPolicy](), string(corev1.PreemptLowerPriority), string(corev1.PreemptNever))
	add(reflect.TypeFor[corev1.MountPropagationMode](), string(corev1.MountPropagationNone), string(corev1.MountPropagationHostToContainer), string(corev1.MountPropagationBidirectional))
	add(reflect.TypeFor[corev1.HostPathType](), string(corev1.HostPathUnset), string(corev1.HostPathDirectoryOrCreate), string(corev1.HostPathDirectory),
		string(corev1.HostPathFileOrCreate), string(corev1.HostPathFile), string(corev1.HostPathSocket), string(corev1.HostPathCharDev), string(corev1.HostPathBlockDev))
	add(reflect.TypeFor[corev1.UnsatisfiableConstraintAction](), string(corev1.DoNotSchedule), string(corev1.ScheduleAnyway))
	add(reflect.TypeFor[corev1.NodeInclusionPolicy](), string(corev1.NodeInclusionPolicyIgnore), string(corev1.NodeInclusionPolicyHonor))
	add(reflect.TypeFor[corev1.SeccompProfileType](), string(corev1.SeccompProfileTypeUnconfined), string(corev1.SeccompProfileTypeRuntimeDefault), string(corev1.SeccompProfileTypeLocalhost))
	add(reflect.TypeFor[corev1.AppArmorProfileType](), string(corev1.AppArmorProfileTypeUnconfined), string(corev1.AppArmorProfileTypeRuntimeDefault), string(corev1.AppArmorProfileTypeLocalhost))
	add(reflect.TypeFor[corev1.ProcMountType](), string(corev1.DefaultProcMount), string(corev1.UnmaskedProcMount))
	add(reflect.TypeFor[corev1.PodFSGroupChangePolicy](), string(corev1.FSGroupChangeOnRootMismatch), string(corev1.FSGroupChangeAlways))
	add(reflect.TypeFor[corev1.SupplementalGroupsPolicy](), string(corev1.SupplementalGroupsPolicyMerge), string(corev1.SupplementalGroupsPolicyStrict))
	add(reflect.TypeFor[corev1.HTTPProtocol](), string(corev1.HTTPProtocolHTTP1), string(corev1.HTTPProtocolHTTP2))
	add(reflect.TypeFor[corev1.GRPCProbeMode](), string(corev1.GRPCProbeModePlaintext), string(corev1.GRPCProbeModeTLS))
	add(reflect.TypeFor[corev1.PersistentVolumeMode](), string(corev1.PersistentVolumeBlock), string(corev1.PersistentVolumeFilesystem))
	add(reflect.TypeFor[corev1.AzureDataDiskCachingMode](), string(corev1.AzureDataDiskCachingNone), string(corev1.AzureDataDiskCachingReadOnly), string(corev1.AzureDataDiskCachingReadWrite))
	add(reflect.TypeFor[corev1.AzureDataDiskKind](), string(corev1.AzureSharedBlobDisk), string(corev1.AzureDedicatedBlobDisk), string(corev1.AzureManagedDisk))
}

// elemType strips pointers.
func elemType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// isLeaf reports types the OpenAPI schema renders as a scalar although Go
// has them as structs.
func isLeaf(t reflect.Type) bool {
	return t == quantityType || t == intOrStringType || t == timeType || t == microTimeType
}

// schemaType names a type as kubectl's explain guesses it from the schema:
// string, integer, boolean, number, []T, map[string]T, or an object
// type's name; Quantity and IntOrString by name, times as string.
func schemaType(t reflect.Type) string {
	t = elemType(t)
	switch t {
	case quantityType:
		return "Quantity"
	case intOrStringType:
		return "IntOrString"
	case timeType, microTimeType:
		return "string"
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // []byte is base64 in JSON
		}
		return "[]" + schemaType(t.Elem())
	case reflect.Map:
		return "map[string]" + schemaType(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Struct:
		return t.Name()
	}
	return "Object"
}

// objectType is the object type whose fields t lists, following pointers,
// array items and map values as kubectl follows items and
// additionalProperties; ok is false for scalars.
func objectType(t reflect.Type) (reflect.Type, bool) {
	t = elemType(t)
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return nil, false
		}
		t = elemType(t.Elem())
	}
	if t.Kind() != reflect.Struct || isLeaf(t) {
		return nil, false
	}
	return t, true
}

// swaggerDoc returns a type's generated documentation (field → text, "" for the type).
func swaggerDoc(t reflect.Type) map[string]string {
	if d, ok := reflect.New(t).Elem().Interface().(interface{ SwaggerDoc() map[string]string }); ok {
		return d.SwaggerDoc()
	}
	return nil
}

// typeDoc is the description of an object type reached through t, if any.
func typeDoc(t reflect.Type) string {
	if st, ok := objectType(t); ok {
		return swaggerDoc(st)[""]
	}
	return ""
}

// schemaFields lists an object type's properties sorted by name, with
// inlined embedded structs (TypeMeta, ProbeHandler, VolumeSource) merged in.
// Required follows the tags and the tables above.
func schemaFields(t reflect.Type) []schemaField {
	docs := swaggerDoc(t)
	var out []schemaField
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" && f.Anonymous {
			out = append(out, schemaFields(elemType(f.Type))...)
			continue
		}
		if name == "" || !f.IsExported() {
			continue
		}
		required := slices.Contains(requiredFields[t], name) ||
			!slices.Contains(strings.Split(opts, ","), "omitempty") && !slices.Contains(optionalFields[t], name)
		out = append(out, schemaField{name: name, typ: f.Type, doc: docs[name], required: required})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// lookupField finds the property name of the object type reached through t.
func lookupField(t reflect.Type, name string) (schemaField, bool) {
	st, ok := objectType(t)
	if !ok {
		return schemaField{}, false
	}
	for _, f := range schemaFields(st) {
		if f.name == name {
			return f, true
		}
	}
	return schemaField{}, false
}
