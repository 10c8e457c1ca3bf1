// Package endpointutil holds the rules the endpoints and endpointslice
// controllers share, as upstream's pkg/controller/util/endpoint and
// pkg/api/v1/pod do (release v1.37): which pods back a Service, which port a
// Service port targets on a pod, which hostname an endpoint gets, the
// last-change-trigger-time tracker, and the services selecting a pod. It
// imports only the API types and client-go listers.
package endpointutil
