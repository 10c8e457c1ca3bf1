// Package bench measures podlab against plain Docker on the real engine:
// the time from `podlab apply` to a Running pod beside a `docker run` of the
// same containers, the control plane's memory with 20 pods, and a Service's
// data path beside a direct connection (servicefwd_test.go; its client,
// run inside the lab network, is bench/fwdclient). It holds
// benchmarks only (go test -bench); figures are recorded in bench/RESULTS.md.
package bench
