package tables

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// This file holds the small core tables: namespaces, config maps, secrets.

var namespacePrinter = typed(
	[]metav1.TableColumnDefinition{nameCol(), col("Status", typeString, "The status of the namespace"), ageCol()},
	func(ns *corev1.Namespace, now time.Time) metav1.TableRow {
		return metav1.TableRow{Cells: []any{ns.Name, string(ns.Status.Phase), age(ns.CreationTimestamp, now)}}
	},
)

// configMapPrinter: DATA counts data and binaryData keys.
var configMapPrinter = typed(
	[]metav1.TableColumnDefinition{nameCol(), col("Data", typeString, corev1.ConfigMap{}.SwaggerDoc()["data"]), ageCol()},
	func(cm *corev1.ConfigMap, now time.Time) metav1.TableRow {
		return metav1.TableRow{Cells: []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp, now)}}
	},
)

// secretPrinter: DATA counts data keys (stringData never reaches storage).
var secretPrinter = typed(
	[]metav1.TableColumnDefinition{
		nameCol(),
		col("Type", typeString, corev1.Secret{}.SwaggerDoc()["type"]),
		col("Data", typeString, corev1.Secret{}.SwaggerDoc()["data"]),
		ageCol(),
	},
	func(s *corev1.Secret, now time.Time) metav1.TableRow {
		return metav1.TableRow{Cells: []any{s.Name, string(s.Type), int64(len(s.Data)), age(s.CreationTimestamp, now)}}
	},
)
