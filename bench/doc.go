// Package bench measures podlab against plain Docker on the real engine:
// the time from `podlab apply` to a Running pod beside a `docker run` of the
// same containers, and the control plane's memory with 20 pods. It holds
// benchmarks only (go test -bench); figures are recorded in bench/RESULTS.md.
package bench
