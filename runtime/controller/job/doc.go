// Package job runs Jobs (batch/v1) to completion, as kube-controller-manager's
// job controller (pkg/controller/job, release v1.37) does.
//
// Per job, from a work queue fed by job and pod informers:
//
//   - Claim (upstream's PodControllerRefManager with the job-tracking
//     finalizer): pods whose controller reference is the job's and whose
//     labels its selector matches are its own; adoption adds the reference
//     and the batch.kubernetes.io/job-tracking finalizer, release removes
//     both.
//   - Pods are created from the template (its labels already carry
//     batch.kubernetes.io/controller-uid, batch.kubernetes.io/job-name,
//     controller-uid and job-name: the registry put them there) with
//     generateName "<job>-" ("<job>-<index>-" when Indexed), the job's
//     controller reference (controller and blockOwnerDeletion true) and the
//     job-tracking finalizer, in slow-start batches of 1, 2, 4, …, at most
//     500 per sync. Indexed pods also get the job-completion-index
//     annotation and label, hostname "<job>-<index>" and the
//     JOB_COMPLETION_INDEX variable.
//   - How many are wanted: min(parallelism, completions − succeeded); with
//     no completions, parallelism until a pod succeeds. Suspended (or
//     parallelism 0): none; the extra active pods are deleted.
//   - Tracking with finalizers (upstream's trackJobStatusAndRemoveFinalizers):
//     a pod that ended (Succeeded, Failed, or being deleted before it
//     succeeded: podReplacementPolicy TerminatingOrFailed counts that as a
//     failure) is first recorded in status.uncountedTerminatedPods, then its
//     finalizer is removed, then it moves to status.succeeded or failed. No
//     pod is counted twice or lost, even if the controller restarts in the
//     middle; a finalizer removal is expected until the informer shows it.
//   - Failure: more failed pods than backoffLimit, or with restartPolicy
//     OnFailure as many container restarts in active pods as backoffLimit
//     (the kubelet restarts the containers in place), is
//     BackoffLimitExceeded "Job has reached the specified backoff limit";
//     running activeDeadlineSeconds since startTime is DeadlineExceeded
//     "Job was active longer than specified deadline". The FailureTarget
//     condition comes first, the active pods are deleted, and Failed
//     follows once no pod is terminating (JobManagedBy and
//     JobPodReplacementPolicy are GA, so upstream delays terminal
//     conditions). Between failures the next pod waits 10 s, doubling per
//     failure since the last success, at most 6 min.
//   - Success: succeeded reaching completions with no active pods adds
//     SuccessCriteriaMet, then Complete (both CompletionsReached "Reached
//     expected number of succeeded pods") and completionTime.
//   - Status: active, ready, terminating, succeeded, failed, startTime,
//     completionTime, uncountedTerminatedPods, conditions (Suspended
//     JobSuspended/JobResumed too), written through the status subresource.
//   - A deleted job's pods, and orphans carrying the finalizer, lose it.
//
// Events, upstream's words, from "job-controller": SuccessfulCreate
// "Created pod: NAME", SuccessfulDelete "Deleted pod: NAME", FailedCreate
// "Error creating: ERR", Completed "Job completed", BackoffLimitExceeded and
// DeadlineExceeded with the condition's message, Suspended "Job suspended",
// Resumed "Job resumed".
//
// Not done: podFailurePolicy, successPolicy, backoffLimitPerIndex and
// maxFailedIndexes (validation accepts them; this controller ignores them).
// Deviation: every duration (backoff, activeDeadlineSeconds) is scaled by
// runtime/labclock.
package job
