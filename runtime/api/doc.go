// Package api is the lab's API machinery without transport: which resources
// exist (resources.go), how manifests are decoded strictly with file, document,
// field and line in every error (decode.go), how objects are defaulted the
// way the Kubernetes API server defaults them (defaults.go), and how they are
// validated on create and update (validate*.go, cron.go for CronJob
// schedules), and the service network the registry allocates from
// (network.go: ServiceCIDR, the node port range). Objects are k8s.io/api
// types.
// It imports nothing from podlab but labclock.
package api
