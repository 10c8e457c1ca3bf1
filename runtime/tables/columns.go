package tables

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// objectMetaDoc holds the API's own descriptions of metadata fields, which
// the Name and Age columns reuse, as upstream's printers do.
var objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()

// Column types, as the OpenAPI type names a Table's columns carry.
const (
	typeString  = "string"
	typeInteger = "integer"
	typeDate    = "date"
)

// col is a column shown by default.
func col(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wide is a column shown only with -o wide (priority 1).
func wide(name, typ, description string) metav1.TableColumnDefinition {
	c := col(name, typ, description)
	c.Priority = 1
	return c
}

// nameCol is the object's name; Format "name" tells clients which cell
// names the object (kubectl prefixes it with the kind for mixed lists).
func nameCol() metav1.TableColumnDefinition {
	c := col("Name", typeString, objectMetaDoc["name"])
	c.Format = "name"
	return c
}

// ageCol is the time since the object was created.
func ageCol() metav1.TableColumnDefinition {
	return col("Age", typeString, objectMetaDoc["creationTimestamp"])
}

// orNone is kubectl's placeholder for an empty value.
func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
