package api

import (
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// This file holds the rules of upstream's pkg/apis/batch/validation for
// Jobs and CronJobs.

// maxParallelismForIndexedJob is upstream's bound for Indexed jobs.
const maxParallelismForIndexedJob = 100000

func validateJob(j, old *batchv1.Job) field.ErrorList {
	prefixed := true
	if old != nil {
		_, name := old.Spec.Template.Labels[batchv1.JobNameLabel]
		_, uid := old.Spec.Template.Labels[batchv1.ControllerUidLabel]
		prefixed = name && uid
	}
	errs := validateGeneratedSelector(j, prefixed)
	errs = append(errs, validateJobSpec(&j.Spec, specPath)...)
	if j.Spec.Selector == nil {
		errs = append(errs, field.Required(specPath.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(j.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, specPath.Child("selector"))...)
	}
	// Generated or not, the selector must match the pods the job makes.
	if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(labels.Set(j.Spec.Template.Labels)) {
		errs = append(errs, field.Invalid(specPath.Child("template", "metadata", "labels"), j.Spec.Template.Labels, "`selector` does not match template `labels`"))
	}
	if m := j.Spec.CompletionMode; m != nil && *m == batchv1.IndexedCompletion && j.Spec.Completions != nil && *j.Spec.Completions > 0 {
		// Indexed pods' hostnames end in -<index>.
		host := fmt.Sprintf("%s-%d", j.Name, *j.Spec.Completions-1)
		if msgs := validation.IsDNS1123Label(host); len(msgs) > 0 {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), j.Name, "will not able to create pod with invalid DNS label: "+host))
		}
	}
	return errs
}

// validateGeneratedSelector is upstream's ValidateGeneratedSelector: unless
// the selector is manual, the pod template carries the job-name and
// controller-uid labels the registry generated (the batch.kubernetes.io
// ones too when prefixed is set: on create, and on updates of jobs that
// have them), and the selector matches them.
func validateGeneratedSelector(j *batchv1.Job, prefixed bool) field.ErrorList {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector || j.Spec.Selector == nil {
		return nil
	}
	var errs field.ErrorList
	if j.UID == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	want := [][2]string{{LegacyControllerUIDLabel, string(j.UID)}, {LegacyJobNameLabel, j.Name}}
	if prefixed {
		want = append(want, [2]string{batchv1.ControllerUidLabel, string(j.UID)}, [2]string{batchv1.JobNameLabel, j.Name})
	}
	expected := labels.Set{}
	lp := specPath.Child("template", "metadata", "labels")
	for _, kv := range want {
		expected[kv[0]] = kv[1]
		switch v, ok := j.Spec.Template.Labels[kv[0]]; {
		case !ok:
			errs = append(errs, field.Required(lp.Key(kv[0]), "must be '"+kv[1]+"'"))
		case v != kv[1]:
			errs = append(errs, field.Invalid(lp.Key(kv[0]), j.Spec.Template.Labels, "must be '"+kv[1]+"'"))
		}
	}
	if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(expected) {
		errs = append(errs, field.Invalid(specPath.Child("selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

// The unprefixed labels upstream still puts on a job's pods beside the
// batch.kubernetes.io ones (batch's LegacyJobNameLabel and
// LegacyControllerUidLabel).
const (
	LegacyJobNameLabel       = "job-name"
	LegacyControllerUIDLabel = "controller-uid"
)

// validateJobSpec is upstream's validateJobSpec: what a Job's spec and a
// CronJob's job template share (not the selector).
func validateJobSpec(s *batchv1.JobSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		v    *int32
		name string
	}{{s.Parallelism, "parallelism"}, {s.Completions, "completions"}, {s.BackoffLimit, "backoffLimit"}, {s.TTLSecondsAfterFinished, "ttlSecondsAfterFinished"}, {s.BackoffLimitPerIndex, "backoffLimitPerIndex"}, {s.MaxFailedIndexes, "maxFailedIndexes"}} {
		if f.v != nil {
			errs = append(errs, nonNegative(*f.v, p.Child(f.name))...)
		}
	}
	if d := s.ActiveDeadlineSeconds; d != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(*d, p.Child("activeDeadlineSeconds"))...)
	}
	if m := s.CompletionMode; m != nil {
		if *m != batchv1.NonIndexedCompletion && *m != batchv1.IndexedCompletion {
			errs = append(errs, field.NotSupported(p.Child("completionMode"), m, []string{string(batchv1.NonIndexedCompletion), string(batchv1.IndexedCompletion)}))
		}
		if *m == batchv1.IndexedCompletion {
			if s.Completions == nil {
				errs = append(errs, field.Required(p.Child("completions"), "when completion mode is Indexed"))
			}
			if s.Parallelism != nil && *s.Parallelism > maxParallelismForIndexedJob {
				errs = append(errs, field.Invalid(p.Child("parallelism"), *s.Parallelism, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxParallelismForIndexedJob)))
			}
		}
	}
	if r := s.PodReplacementPolicy; r != nil {
		switch {
		case s.PodFailurePolicy != nil && *r != batchv1.Failed:
			errs = append(errs, field.NotSupported(p.Child("podReplacementPolicy"), *r, []string{string(batchv1.Failed)}))
		case s.PodFailurePolicy == nil && *r != batchv1.Failed && *r != batchv1.TerminatingOrFailed:
			errs = append(errs, field.NotSupported(p.Child("podReplacementPolicy"), *r, []string{string(batchv1.Failed), string(batchv1.TerminatingOrFailed)}))
		}
	}
	tp := p.Child("template")
	errs = append(errs, validatePodTemplateSpec(&s.Template, tp)...)
	rp := tp.Child("spec", "restartPolicy")
	switch rs := s.Template.Spec.RestartPolicy; {
	case rs == corev1.RestartPolicyAlways || rs == "":
		// SetDefaults_PodSpec defaults it to Always: a job must say.
		errs = append(errs, field.Required(rp, `valid values: "OnFailure", "Never"`))
	case rs != corev1.RestartPolicyOnFailure && rs != corev1.RestartPolicyNever:
		errs = append(errs, field.NotSupported(rp, rs, []string{string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}))
	case s.PodFailurePolicy != nil && rs != corev1.RestartPolicyNever:
		errs = append(errs, field.Invalid(rp, rs, `only "Never" is supported when podFailurePolicy is specified`))
	}
	return errs
}

// validateJobSpecUpdate is ValidateJobSpecUpdate: what a job keeps for its
// life. The pod template may change only while the job is suspended and
// has never started, and then only its scheduling directives, labels and
// annotations (AllowMutableSchedulingDirectives).
func validateJobSpecUpdate(j, old *batchv1.Job) field.ErrorList {
	s, o := &j.Spec, &old.Spec
	var errs field.ErrorList
	for _, f := range []struct {
		n, o any
		name string
	}{
		{s.Completions, o.Completions, "completions"}, {s.Selector, o.Selector, "selector"},
		{s.CompletionMode, o.CompletionMode, "completionMode"}, {s.PodFailurePolicy, o.PodFailurePolicy, "podFailurePolicy"},
		{s.BackoffLimitPerIndex, o.BackoffLimitPerIndex, "backoffLimitPerIndex"}, {s.ManagedBy, o.ManagedBy, "managedBy"},
		{s.SuccessPolicy, o.SuccessPolicy, "successPolicy"}, {s.PodReplacementPolicy, o.PodReplacementPolicy, "podReplacementPolicy"},
	} {
		errs = append(errs, apimachineryvalidation.ValidateImmutableField(f.n, f.o, specPath.Child(f.name))...)
	}
	oldTemplate := &o.Template
	if o.Suspend != nil && *o.Suspend && old.Status.StartTime == nil {
		oldTemplate = o.Template.DeepCopy()
		t := &s.Template
		switch {
		case t.Spec.Affinity == nil && oldTemplate.Spec.Affinity != nil:
			oldTemplate.Spec.Affinity.NodeAffinity = nil
			if apiequality.Semantic.DeepEqual(*oldTemplate.Spec.Affinity, corev1.Affinity{}) {
				oldTemplate.Spec.Affinity = nil
			}
		case t.Spec.Affinity != nil && oldTemplate.Spec.Affinity == nil:
			oldTemplate.Spec.Affinity = &corev1.Affinity{NodeAffinity: t.Spec.Affinity.NodeAffinity}
		case t.Spec.Affinity != nil:
			oldTemplate.Spec.Affinity.NodeAffinity = t.Spec.Affinity.NodeAffinity
		}
		oldTemplate.Spec.NodeSelector, oldTemplate.Spec.Tolerations = t.Spec.NodeSelector, t.Spec.Tolerations
		oldTemplate.Annotations, oldTemplate.Labels = t.Annotations, t.Labels
		oldTemplate.Spec.SchedulingGates = t.Spec.SchedulingGates
	}
	return append(errs, apimachineryvalidation.ValidateImmutableField(s.Template, *oldTemplate, specPath.Child("template"))...)
}

func validateJobStatus(st *batchv1.JobStatus, p *field.Path) field.ErrorList {
	errs := nonNegativeCounters(p, map[string]int32{"active": st.Active, "succeeded": st.Succeeded, "failed": st.Failed})
	if st.Ready != nil {
		errs = append(errs, nonNegative(*st.Ready, p.Child("ready"))...)
	}
	if st.Terminating != nil {
		errs = append(errs, nonNegative(*st.Terminating, p.Child("terminating"))...)
	}
	return errs
}

func validateCronJob(c *batchv1.CronJob, old *batchv1.CronJob) field.ErrorList {
	var errs field.ErrorList
	// The controller names its jobs <cronjob>-<11 characters>, and a job's
	// name is a DNS-1035 label of at most 63 (checked on create only).
	if old == nil && len(c.Name) > validation.DNS1035LabelMaxLength-11 {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), c.Name, "must be no more than 52 characters"))
	}
	s := &c.Spec
	sp := specPath.Child("schedule")
	if s.Schedule == "" {
		errs = append(errs, field.Required(sp, ""))
	} else {
		if err := ParseCronSchedule(s.Schedule); err != nil {
			errs = append(errs, field.Invalid(sp, s.Schedule, err.Error()))
		}
		tzAllowed := old != nil && strings.Contains(old.Spec.Schedule, "TZ")
		switch {
		case tzAllowed && strings.Contains(s.Schedule, "TZ") && s.TimeZone != nil:
			errs = append(errs, field.Invalid(sp, s.Schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
		case !tzAllowed && strings.Contains(s.Schedule, "TZ"):
			errs = append(errs, field.Invalid(sp, s.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
		}
	}
	if d := s.StartingDeadlineSeconds; d != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(*d, specPath.Child("startingDeadlineSeconds"))...)
	}
	if tz := s.TimeZone; tz != nil && (old == nil || old.Spec.TimeZone == nil || *old.Spec.TimeZone != *tz) {
		tp := specPath.Child("timeZone")
		if strings.EqualFold(*tz, "Local") {
			errs = append(errs, field.Invalid(tp, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
		} else if _, err := time.LoadLocation(*tz); err != nil || *tz == "" {
			msg := "unknown time zone " + *tz
			if err != nil {
				msg = err.Error()
			}
			errs = append(errs, field.Invalid(tp, tz, msg))
		}
	}
	switch cp := s.ConcurrencyPolicy; cp {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	case "":
		errs = append(errs, field.Required(specPath.Child("concurrencyPolicy"), ""))
	default:
		errs = append(errs, field.NotSupported(specPath.Child("concurrencyPolicy"), cp, []string{string(batchv1.AllowConcurrent), string(batchv1.ForbidConcurrent), string(batchv1.ReplaceConcurrent)}))
	}
	jp := specPath.Child("jobTemplate", "spec")
	errs = append(errs, validateJobSpec(&s.JobTemplate.Spec, jp)...)
	// The controller generates each job's selector.
	if s.JobTemplate.Spec.Selector != nil {
		errs = append(errs, field.Invalid(jp.Child("selector"), s.JobTemplate.Spec.Selector, "`selector` will be auto-generated"))
	}
	if m := s.JobTemplate.Spec.ManualSelector; m != nil && *m {
		errs = append(errs, field.NotSupported(jp.Child("manualSelector"), m, []string{"nil", "false"}))
	}
	for _, f := range []struct {
		v    *int32
		name string
	}{{s.SuccessfulJobsHistoryLimit, "successfulJobsHistoryLimit"}, {s.FailedJobsHistoryLimit, "failedJobsHistoryLimit"}} {
		if f.v != nil {
			errs = append(errs, nonNegative(*f.v, specPath.Child(f.name))...)
		}
	}
	return errs
}
