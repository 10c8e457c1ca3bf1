package kubectl

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
)

// podName accepts "web" and "pod/web" (kubectl's forms for logs and exec).
func podName(arg string) (string, error) {
	if typ, name, ok := strings.Cut(arg, "/"); ok {
		if res, found := api.Lookup(typ); !found || res.Name != api.Pods.Name {
			return "", fmt.Errorf("cannot attach to %s: only pods are supported", typ)
		}
		return name, nil
	}
	return arg, nil
}

func (kc *kubectl) logsCommand() *cobra.Command {
	var opts corev1.PodLogOptions
	var tail int64
	var since time.Duration
	var allContainers bool
	c := &cobra.Command{
		Use:               "logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]",
		Short:             "Print the logs for a container in a pod",
		Example:           "  podlab logs web\n  podlab logs web -c sidecar --previous\n  podlab logs -f web --tail 20",
		Args:              cobra.RangeArgs(1, 2),
		ValidArgsFunction: kc.completePods,
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := podName(args[0])
			if err != nil {
				return err
			}
			if len(args) == 2 {
				opts.Container = args[1]
			}
			if cmd.Flags().Changed("tail") && tail >= 0 {
				opts.TailLines = &tail
			}
			if since > 0 {
				// kubectl rounds --since up to whole seconds.
				secs := int64((since + time.Second - 1) / time.Second)
				opts.SinceSeconds = &secs
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			containers := []string{opts.Container}
			if allContainers || opts.Container == "" {
				o, err := cl.Get(cmd.Context(), api.Pods, kc.NS(), name)
				if err != nil {
					return err
				}
				pod := o.(*corev1.Pod)
				if allContainers {
					containers = nil
					for _, c := range append(append([]corev1.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
						containers = append(containers, c.Name)
					}
				} else if containers[0], err = defaultContainer(pod, kc.Stderr, true); err != nil {
					return err
				}
			}
			for _, c := range containers {
				o := opts
				o.Container = c
				rc, err := cl.Logs(cmd.Context(), kc.NS(), name, &o)
				if err != nil {
					return err
				}
				_, err = io.Copy(kc.Stdout, rc)
				rc.Close()
				if err != nil && cmd.Context().Err() == nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().StringVarP(&opts.Container, "container", "c", "", "Print the logs of this container")
	c.Flags().BoolVarP(&opts.Follow, "follow", "f", false, "Specify if the logs should be streamed")
	c.Flags().BoolVarP(&opts.Previous, "previous", "p", false, "If true, print the logs for the previous instance of the container in a pod if it exists")
	c.Flags().Int64Var(&tail, "tail", -1, "Lines of recent log file to display. Defaults to -1, showing all log lines")
	c.Flags().DurationVar(&since, "since", 0, "Only return logs newer than a relative duration like 5s, 2m, or 3h")
	c.Flags().BoolVar(&opts.Timestamps, "timestamps", false, "Include timestamps on each line in the log output")
	c.Flags().BoolVar(&allContainers, "all-containers", false, "Get all containers' logs in the pod(s)")
	return c
}
