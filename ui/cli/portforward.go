package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/podlab/podlab/runtime/api"
)

func (a *app) portForwardCommand() *cobra.Command {
	var addresses []string
	c := &cobra.Command{
		Use:   "port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
		Short: "Forward one or more local ports to a pod",
		Example: `  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod
  podlab port-forward pod/mypod 5000 6000

  # Listen on port 8888 locally, forwarding to 8080 in the pod
  podlab port-forward kubia-manual 8888:8080

  # Listen on a random port locally, forwarding to 5000 in the pod
  podlab port-forward pod/mypod :5000

  # Listen on port 8888 on all addresses, forwarding to 5000 in the pod
  podlab port-forward --address 0.0.0.0 pod/mypod 8888:5000`,
		ValidArgsFunction: a.completePods,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("TYPE/NAME and list of ports are required for port-forward\nSee '%s -h' for help and examples", cmd.CommandPath())
			}
			name, err := podName(args[0])
			if err != nil {
				return err
			}
			cl, err := a.client(cmd)
			if err != nil {
				return err
			}
			o, err := cl.Get(cmd.Context(), api.Pods, a.ns(), name)
			if err != nil {
				return err
			}
			pod := o.(*corev1.Pod)
			specs, err := namedPortsToNumbers(args[1:], pod)
			if err != nil {
				return err
			}
			if pod.Status.Phase != corev1.PodRunning {
				return fmt.Errorf("unable to forward port because pod is not running. Current status=%v", pod.Status.Phase)
			}
			listen, err := parseAddresses(addresses)
			if err != nil {
				return err
			}
			ports, err := parsePorts(specs)
			if err != nil {
				return err
			}
			f := &portForwarder{
				dial: func(ctx context.Context, remote uint16, conn io.ReadWriter) error {
					return cl.PortForward(ctx, a.ns(), name, int(remote), conn)
				},
				out: a.stdout, errOut: a.stderr, lost: make(chan struct{}),
			}
			return f.run(cmd.Context(), listen, ports)
		},
	}
	c.Flags().StringSliceVar(&addresses, "address", []string{"localhost"}, "Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.")
	return c
}

// forwardedPort is one LOCAL:REMOTE pair (printed as kubectl's {8888 8080}).
type forwardedPort struct {
	Local, Remote uint16
}

// parsePorts reads kubectl's [LOCAL_PORT:]REMOTE_PORT forms; an empty or zero
// local port picks a free one.
func parsePorts(specs []string) ([]forwardedPort, error) {
	var ports []forwardedPort
	for _, spec := range specs {
		parts := strings.Split(spec, ":")
		var local, remote string
		switch len(parts) {
		case 1:
			local, remote = parts[0], parts[0]
		case 2:
			local, remote = parts[0], parts[1]
			if local == "" {
				local = "0"
			}
		default:
			return nil, fmt.Errorf("invalid port format '%s'", spec)
		}
		l, err := strconv.ParseUint(local, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("error parsing local port '%s': %s", local, err)
		}
		r, err := strconv.ParseUint(remote, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("error parsing remote port '%s': %s", remote, err)
		}
		if r == 0 {
			return nil, fmt.Errorf("remote port must be > 0")
		}
		ports = append(ports, forwardedPort{uint16(l), uint16(r)})
	}
	return ports, nil
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

// listenAddress is one address to listen on; failureMode "all" tolerates
// its failure when another address of localhost works, "any" does not.
type listenAddress struct {
	address, protocol, failureMode string
}

// parseAddresses reads --address: "localhost" means both 127.0.0.1 and ::1.
func parseAddresses(in []string) ([]listenAddress, error) {
	parsed := map[string]listenAddress{}
	for _, a := range in {
		ip := net.ParseIP(a)
		switch {
		case a == "localhost":
			if _, ok := parsed["127.0.0.1"]; !ok {
				parsed["127.0.0.1"] = listenAddress{"127.0.0.1", "tcp4", "all"}
			}
			if _, ok := parsed["::1"]; !ok {
				parsed["::1"] = listenAddress{"::1", "tcp6", "all"}
			}
		case ip != nil && ip.To4() != nil:
			parsed[a] = listenAddress{a, "tcp4", "any"}
		case ip != nil:
			parsed[a] = listenAddress{a, "tcp6", "any"}
		default:
			return nil, fmt.Errorf("%s is not a valid IP", a)
		}
	}
	var out []listenAddress
	for _, l := range parsed {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].address < out[j].address })
	return out, nil
}

// portForwarder listens locally and relays every accepted connection to the
// pod through the API server (never by dialing the pod's IP, which the host
// may not reach), printing what kubectl prints.
type portForwarder struct {
	dial        func(ctx context.Context, remote uint16, conn io.ReadWriter) error
	out, errOut io.Writer
	// lost closes after an error forwarding: kubectl then gives up.
	lost     chan struct{}
	lostOnce sync.Once
}

func (f *portForwarder) run(ctx context.Context, addrs []listenAddress, ports []forwardedPort) error {
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	ok := false
	for i := range ports {
		ls, err := f.listen(ctx, &ports[i], addrs)
		listeners = append(listeners, ls...)
		if err != nil {
			fmt.Fprintf(f.errOut, "Unable to listen on port %d: %v\n", ports[i].Local, err)
			continue
		}
		ok = true
	}
	if !ok {
		return fmt.Errorf("unable to listen on any of the requested ports: %v", ports)
	}
	select {
	case <-ctx.Done():
		return nil
	case <-f.lost:
		return errors.New("lost connection to pod")
	}
}

// listen opens port on every address; a local port 0 becomes the port the
// first listener got, so 127.0.0.1 and ::1 share it.
func (f *portForwarder) listen(ctx context.Context, port *forwardedPort, addrs []listenAddress) ([]net.Listener, error) {
	var listeners []net.Listener
	var errs []error
	failed, succeeded := map[string]int{}, map[string]int{}
	for _, a := range addrs {
		l, err := net.Listen(a.protocol, net.JoinHostPort(a.address, strconv.Itoa(int(port.Local))))
		if err != nil {
			errs = append(errs, fmt.Errorf("unable to create listener: Error %s", err))
			failed[a.failureMode]++
			continue
		}
		succeeded[a.failureMode]++
		port.Local = uint16(l.Addr().(*net.TCPAddr).Port)
		fmt.Fprintf(f.out, "Forwarding from %s -> %d\n", net.JoinHostPort(a.address, strconv.Itoa(int(port.Local))), port.Remote)
		listeners = append(listeners, l)
		go f.accept(ctx, l, *port)
	}
	if (succeeded["all"] == 0 && failed["all"] > 0) || failed["any"] > 0 {
		return listeners, fmt.Errorf("Listeners failed to create with the following errors: %v", errs)
	}
	return listeners, nil
}

func (f *portForwarder) accept(ctx context.Context, l net.Listener, port forwardedPort) {
	for {
		conn, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				f.logError("Error accepting connection", err, "localPort", port.Local)
			}
			return
		}
		go f.handle(ctx, conn, port)
	}
}

func (f *portForwarder) handle(ctx context.Context, conn net.Conn, port forwardedPort) {
	defer conn.Close()
	fmt.Fprintf(f.out, "Handling connection for %d\n", port.Local)
	if err := f.dial(ctx, port.Remote, conn); err != nil && ctx.Err() == nil {
		f.logError("An error occurred forwarding", err, "localPort", port.Local, "remotePort", port.Remote)
		f.lostOnce.Do(func() { close(f.lost) })
	}
}

// logError writes a line the way kubectl's klog does for a handled error.
func (f *portForwarder) logError(msg string, err error, kv ...any) {
	_, file, lineNo, _ := runtime.Caller(1)
	line := fmt.Sprintf("E%s %7d %s:%d] %q err=%q", time.Now().Format("0102 15:04:05.000000"), os.Getpid(), filepath.Base(file), lineNo, msg, err.Error())
	for i := 0; i+1 < len(kv); i += 2 {
		line += fmt.Sprintf(" %v=%v", kv[i], kv[i+1])
	}
	fmt.Fprintln(f.errOut, line)
}
