// Package reconcile is the loop every controller of the lab runs, as
// kube-controller-manager's controllers each run it: a rate-limited queue
// of keys that informer handlers fill, and workers that sync one key at a
// time, retrying a failed sync with the queue's backoff.
//
// It imports client-go's workqueue and cache only; controllers import it.
package reconcile
