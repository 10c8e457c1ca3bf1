// Package ttlafterfinished deletes finished Jobs once their
// ttlSecondsAfterFinished has passed, as kube-controller-manager's
// ttl-after-finished controller (pkg/controller/ttlafterfinished, release
// v1.37) does.
//
// Rules followed, upstream's: a job with ttlSecondsAfterFinished set and
// a true Complete or Failed condition expires at that condition's
// lastTransitionTime plus the TTL; before deleting, a fresh read of the job
// from the API must still show it finished and expired (the TTL may have
// been changed); the delete uses background propagation, so the garbage
// collector removes the pods after the job, and a uid precondition. The
// controller records no events.
//
// Deviation: the TTL is a duration the lab waits, so it is scaled by
// runtime/labclock.
package ttlafterfinished
