package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	goruntime "runtime"
	"strconv"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	k8sadmission "k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/admission"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/engine"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/kubelet"
	"github.com/podlab/podlab/runtime/kubelet/cri"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/labpki"
	"github.com/podlab/podlab/runtime/scheduler"
	"github.com/podlab/podlab/runtime/servicenet"
	"github.com/podlab/podlab/runtime/storage"
)

// Serve runs the control plane in the foreground until ctx ends (`podlab serve`).
// Pods keep running when it stops; the next Serve adopts them.
func Serve(ctx context.Context, opts Options) error {
	home := opts.Home
	if err := home.Ensure(); err != nil {
		return err
	}
	if opts.TimeScale > 0 {
		labclock.SetScale(opts.TimeScale)
	}
	unlock, err := lockHome(home.Dir)
	if err != nil {
		return err
	}
	defer unlock()

	// The shape first: it is decided by whether the lab has state yet.
	shape, err := resolveShape(home, opts, true)
	if err != nil {
		return err
	}
	labID, err := home.LabID()
	if err != nil {
		return err
	}
	creds, err := labpki.Ensure(home.PKIDir())
	if err != nil {
		return fmt.Errorf("making the lab's credentials in %s: %w", home.PKIDir(), err)
	}
	db, err := storage.Open(home.Database())
	if err != nil {
		return fmt.Errorf("opening the lab's state %s: %w", home.Database(), err)
	}
	defer db.Close()
	ln, err := listenAPI(home)
	if err != nil {
		return fmt.Errorf("listening for the API on loopback: %w", err)
	}
	defer ln.Close()

	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding podlab's own binary (its images are built from it): %w", err)
	}
	eng, err := engine.New(ctx, engine.Config{LabID: labID, BoxBinary: boxBinary(exe),
		// The service network (docs/services.md): the lab's proxy
		// container, fed by servicenet below.
		ServiceCIDR: api.ServiceCIDR, DNSIP: api.DNSServiceIP.String(), ProxyDir: proxyDir(home)})
	if err != nil {
		return err
	}
	defer eng.Close()
	engineVersion, engineAPI, _ := eng.Version(ctx)

	// The lab's own components reach the API over its TLS endpoint with the
	// loopback token, as kube-apiserver's controllers do.
	loopbackToken := apiserver.RandomToken()
	loopback := apiserver.ClientConfig(ln.Addr().String(), creds.CACert, loopbackToken)
	// Each component has a client of its own whose user agent names it,
	// as upstream's binaries do: managedFields and the request log say who
	// wrote (kubelet, kube-scheduler, kube-controller-manager).
	kubeletClient, err := componentClient(loopback, "kubelet")
	if err != nil {
		return err
	}
	schedulerClient, err := componentClient(loopback, "kube-scheduler")
	if err != nil {
		return err
	}
	controllersClient, err := componentClient(loopback, "kube-controller-manager")
	if err != nil {
		return err
	}
	cs := controllersClient
	kubeletEvents, schedulerEvents, controllerEvents := events.NewBroadcaster(kubeletClient), events.NewBroadcaster(schedulerClient), events.NewBroadcaster(controllersClient)
	defer kubeletEvents.Shutdown()
	defer schedulerEvents.Shutdown()
	defer controllerEvents.Shutdown()

	// One kubelet per virtual node; each gets its node's name, engine view,
	// labels, taints and capacity (nodes.go).
	kubelets, err := newNodeAgents(shape, kubelet.Config{
		Client:          kubeletClient,
		Home:            home,
		AllowPrivileged: opts.AllowPrivileged,
		AllowHostPaths:  opts.AllowHostPaths,
		Version:         version.KubernetesVersion,
		RuntimeVersion:  "docker://" + engineVersion,
		ClusterDNS:      []string{api.DNSServiceIP.String()},
		ClusterDomain:   api.ClusterDomain,
	}, func(node string) cri.ContainerRuntime { return eng.Node(node) },
		func(node string) kubelet.EventRecorder { return kubeletEvents.Recorder("kubelet", node) })
	if err != nil {
		return err
	}
	factory := informers.NewSharedInformerFactory(cs, 0)
	pods := factory.Core().V1().Pods().Lister()
	started := time.Now()
	status := func() client.ServerStatus {
		all, _ := pods.List(labels.Everything())
		return client.ServerStatus{
			Version: version.Version, PID: os.Getpid(), Socket: home.Socket(), Home: home.Dir,
			LabID: labID, StartedAt: started, TimeScale: labclock.Scale(),
			EngineVersion: engineVersion, EngineAPI: engineAPI, Nodes: kubelets.Statuses(), Pods: len(all),
			AllowPrivileged: opts.AllowPrivileged, AllowHostPaths: opts.AllowHostPaths,
			APIServer: loopback.Host, Kubeconfig: home.Kubeconfig(),
		}
	}
	srv, err := apiserver.New(apiserver.Config{
		Storage:  db.Decorator(),
		PodIO:    kubelets,
		Listener: ln,
		CACert:   creds.CACert, ServingCert: creds.ServingCert, ServingKey: creds.ServingKey,
		Users:         map[string]apiserver.User{creds.Token: {Name: labpki.UserName, Groups: []string{labpki.UserGroup}}},
		LoopbackToken: loopbackToken,
		Admission: []k8sadmission.Interface{
			admission.PodDefaults{},
			admission.DefaultTolerationSeconds{},
			admission.HostAccess{Allowed: opts.AllowPrivileged},
			admission.LabNotes{AllowHostPaths: opts.AllowHostPaths, Images: eng},
		},
		Extra: withHandlers(map[string]http.Handler{"/podlab/v1/status": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(status())
		}),
			client.ExplainSchedulePath: scheduler.ExplainHandler(factory),
			client.TrafficPath:         trafficHandler(proxyDir(home)),
		}, kubelets.handlers()),
	})
	if err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Every component (one kubelet per node among them) may report once.
	errc := make(chan error, 32+len(shape.Nodes))
	go func() { errc <- srv.Run(runCtx) }()
	if err := awaitAPI(runCtx, cs, errc); err != nil {
		return err
	}
	if err := writeKubeconfig(home, loopback.Host, creds); err != nil {
		return fmt.Errorf("writing %s: %w", home.Kubeconfig(), err)
	}

	meta, err := metadata.NewForConfig(componentConfig(loopback, "kube-controller-manager"))
	if err != nil {
		return err
	}
	// The scheduler watches through the shared informers but writes (binds)
	// as itself.
	sched, err := scheduler.New(schedulerClient, factory, schedulerEvents.Recorder(scheduler.Name, ""))
	if err != nil {
		return err
	}
	controllers, err := controllerManager(cs, meta, factory, controllerEvents)
	if err != nil {
		return err
	}
	serviceProxy, err := servicenet.New(componentClientOrCS(loopback, cs), factory, eng, proxyDir(home))
	if err != nil {
		return err
	}
	factory.Start(runCtx.Done())
	if err := kubelets.Register(runCtx); err != nil {
		return err
	}
	kubelets.Run(runCtx, errc)
	go func() { errc <- sched.Run(runCtx) }()
	go func() { errc <- serviceProxy.Run(runCtx) }()
	for _, c := range controllers {
		go func() { errc <- c.Run(runCtx) }()
	}

	unixLn, err := apiserver.ListenUnix(home.Socket())
	if err != nil {
		return err
	}
	defer os.Remove(home.Socket())
	unixSrv := &http.Server{Handler: srv.UnixHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := unixSrv.Serve(unixLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	if err := os.WriteFile(home.PIDFile(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(home.PIDFile())
	log.Printf("podlab %s control plane for lab %s: API on %s (kubeconfig %s) and unix://%s (pid %d, time scale %g)",
		version.Version, labID, loopback.Host, home.Kubeconfig(), home.Socket(), os.Getpid(), labclock.Scale())

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		if runErr != nil {
			log.Printf("control plane component failed: %v", runErr)
		}
	}
	shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = unixSrv.Shutdown(shutdown)
	cancel()
	return runErr
}

// withHandlers adds more handlers to extra.
func withHandlers(extra, more map[string]http.Handler) map[string]http.Handler {
	for path, h := range more {
		extra[path] = h
	}
	return extra
}

// componentClient is a client of the lab's API for one component.
func componentClient(loopback *rest.Config, component string) (kubernetes.Interface, error) {
	return kubernetes.NewForConfig(componentConfig(loopback, component))
}

// componentConfig is loopback with the component's user agent,
// "<component>/<Kubernetes version> (<os>/<arch>) podlab/<version>".
func componentConfig(loopback *rest.Config, component string) *rest.Config {
	cfg := rest.CopyConfig(loopback)
	cfg.UserAgent = fmt.Sprintf("%s/%s (%s/%s) podlab/%s", component, version.KubernetesVersion, goruntime.GOOS, goruntime.GOARCH, version.Version)
	return cfg
}

// awaitAPI waits until the API is ready (its post-start hooks have created
// the system namespaces), or the server failed.
func awaitAPI(ctx context.Context, cs kubernetes.Interface, errc <-chan error) error {
	for {
		if apiserver.Ready(ctx, cs) {
			return nil
		}
		select {
		case err := <-errc:
			return fmt.Errorf("the API server stopped at start: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// lockHome takes an exclusive lock on the lab's home so two control planes
// never serve one lab; the lock dies with the process (kill -9 included).
func lockHome(dir string) (func(), error) {
	f, err := os.OpenFile(dir+"/server.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another podlab control plane already serves the lab in %s", dir)
	}
	return func() { f.Close() }, nil
}
