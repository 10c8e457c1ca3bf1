package kubectl

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
)

func (kc *kubectl) portForwardCommand() *cobra.Command {
	var addresses []string
	var podRunningTimeout time.Duration
	c := &cobra.Command{
		Use:   "port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
		Short: "Forward one or more local ports to a pod",
		Example: `  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod
  podlab port-forward pod/mypod 5000 6000

  # Listen on port 8888 locally, forwarding to 8080 in the pod
  podlab port-forward kubia-manual 8888:8080

  # Listen on a random port locally, forwarding to 5000 in the pod
  podlab port-forward pod/mypod :5000

  # Listen on port 8443 locally, forwarding to the targetPort of the Service's port named "https" in a pod selected by the Service
  podlab port-forward service/myservice 8443:https

  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod
  podlab port-forward --address 0.0.0.0 pod/mypod 8888:5000`,
		ValidArgsFunction: kc.completePods,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("TYPE/NAME and list of ports are required for port-forward\nSee '%s -h' for help and examples", cmd.CommandPath())
			}
			cl, err := kc.Client(cmd)
			if err != nil {
				return err
			}
			obj, err := kc.objectArg(cmd.Context(), cl, args[0])
			if err != nil {
				return err
			}
			// kubectl forwards to one pod: the object's most active one.
			pod, err := attachablePod(cmd.Context(), cl, obj, podRunningTimeout)
			if err != nil {
				return err
			}
			var specs []string
			if svc, ok := obj.(*corev1.Service); ok {
				// A Service's ports go to the container ports they target.
				if err := checkUDPPorts(args[1:], svc); err != nil {
					return err
				}
				specs, err = servicePortsToTargets(args[1:], svc, pod)
			} else {
				if err := checkUDPPorts(args[1:], pod); err != nil {
					return err
				}
				specs, err = namedPortsToNumbers(args[1:], pod)
			}
			if err != nil {
				return err
			}
			name := pod.Name
			if pod.Status.Phase != corev1.PodRunning {
				return fmt.Errorf("unable to forward port because pod is not running. Current status=%v", pod.Status.Phase)
			}
			// client-go's own forwarder: kubectl's listeners, messages and errors.
			return cl.PortForward(cmd.Context(), kc.NS(), name, addresses, specs, nil, kc.Stdout, kc.Stderr)
		},
	}
	c.Flags().DurationVar(&podRunningTimeout, "pod-running-timeout", time.Minute, "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running")
	c.Flags().StringSliceVar(&addresses, "address", []string{"localhost"}, "Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.")
	return c
}

// namedPortsToNumbers resolves remote ports given by name (`8888:http`,
// `http`) to the pod's container port numbers, as kubectl does.
func namedPortsToNumbers(specs []string, pod *corev1.Pod) ([]string, error) {
	var out []string
	for _, spec := range specs {
		local, remote := spec, spec
		if parts := strings.Split(spec, ":"); len(parts) == 2 {
			local, remote = parts[0], parts[1]
		}
		number := remote
		if _, err := strconv.Atoi(remote); err != nil {
			p, err := containerPortByName(pod, remote)
			if err != nil {
				return nil, err
			}
			number = strconv.Itoa(int(p))
		}
		if local != remote {
			out = append(out, local+":"+number)
		} else {
			out = append(out, number)
		}
	}
	return out, nil
}

func containerPortByName(pod *corev1.Pod, name string) (int32, error) {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return p.ContainerPort, nil
			}
		}
	}
	return -1, fmt.Errorf("Pod '%s' does not have a named port '%s'", pod.Name, name)
}
