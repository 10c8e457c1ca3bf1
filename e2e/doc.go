// Package e2e drives the real podlab binary against the real Docker Engine,
// the way a learner does: `podlab apply`, `get`, `exec`, `logs`, `delete`,
// `up`/`down`/`reset`, each in a lab of its own (a temporary PODLAB_HOME).
// It holds tests only.
package e2e
