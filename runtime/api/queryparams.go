package api

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// queryOptions are the subresource option types whose fields arrive as query
// parameters (pods/log, exec, attach, portforward, proxy), which
// kube-apiserver decodes with generated Convert_url_Values_To_* functions.
var queryOptions = []runtime.Object{
	&corev1.PodLogOptions{}, &corev1.PodExecOptions{}, &corev1.PodAttachOptions{},
	&corev1.PodPortForwardOptions{}, &corev1.PodProxyOptions{}, &corev1.NodeProxyOptions{}, &corev1.ServiceProxyOptions{},
}

func addQueryConversions(s *runtime.Scheme) error {
	for _, o := range queryOptions {
		err := s.AddConversionFunc((*url.Values)(nil), o, func(a, b any, _ conversion.Scope) error {
			return decodeQuery(*a.(*url.Values), b)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

var metaTimeType = reflect.TypeOf(metav1.Time{})

// decodeQuery sets the fields of the struct out points to from the query
// parameters named by their JSON names; repeated parameters fill slices.
func decodeQuery(q url.Values, out any) error {
	v := reflect.ValueOf(out).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || name == "" || name == "-" {
			continue // TypeMeta
		}
		vals, ok := q[name]
		if !ok || len(vals) == 0 {
			continue
		}
		if err := setField(v.Field(i), vals); err != nil {
			return fmt.Errorf("invalid value for %s: %w", name, err)
		}
	}
	return nil
}

func setField(field reflect.Value, vals []string) error {
	if field.Kind() == reflect.Pointer {
		p := reflect.New(field.Type().Elem())
		if err := setField(p.Elem(), vals); err != nil {
			return err
		}
		field.Set(p)
		return nil
	}
	if field.Type() == metaTimeType {
		ts, err := time.Parse(time.RFC3339, vals[0])
		if err != nil {
			return err
		}
		field.Set(reflect.ValueOf(metav1.NewTime(ts)))
		return nil
	}
	switch field.Kind() {
	case reflect.Slice:
		s := reflect.MakeSlice(field.Type(), len(vals), len(vals))
		for i, v := range vals {
			if err := setField(s.Index(i), []string{v}); err != nil {
				return err
			}
		}
		field.Set(s)
	case reflect.String:
		field.SetString(vals[0])
	case reflect.Bool:
		b, err := strconv.ParseBool(vals[0])
		if err != nil {
			return err
		}
		field.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(vals[0], 10, field.Type().Bits())
		if err != nil {
			return err
		}
		field.SetInt(n)
	default:
		return fmt.Errorf("unsupported field type %s", field.Type())
	}
	return nil
}
