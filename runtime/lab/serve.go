package lab

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/api"
	"github.com/podlab/podlab/runtime/apiserver"
	"github.com/podlab/podlab/runtime/client"
	"github.com/podlab/podlab/runtime/engine"
	"github.com/podlab/podlab/runtime/events"
	"github.com/podlab/podlab/runtime/kubelet"
	"github.com/podlab/podlab/runtime/labclock"
	"github.com/podlab/podlab/runtime/scheduler"
	"github.com/podlab/podlab/runtime/store"
	"github.com/podlab/podlab/runtime/tainteviction"
)

// eventTTL is how long events are kept (the API server's --event-ttl default).
const eventTTL = time.Hour

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

	labID, err := home.LabID()
	if err != nil {
		return err
	}
	st, err := store.Open(home.Database())
	if err != nil {
		return fmt.Errorf("opening the lab's state %s: %w", home.Database(), err)
	}
	defer st.Close()
	if err := ensureNamespaces(st); err != nil {
		return err
	}

	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding podlab's own binary (its images are built from it): %w", err)
	}
	eng, err := engine.New(ctx, engine.Config{LabID: labID, BoxBinary: boxBinary(exe)})
	if err != nil {
		return err
	}
	defer eng.Close()
	engineVersion, engineAPI, _ := eng.Version(ctx)

	kl, err := kubelet.New(kubelet.Config{
		NodeName:        NodeName,
		Store:           st,
		Runtime:         eng,
		Recorder:        events.New(st, "kubelet", NodeName),
		Home:            home,
		AllowPrivileged: opts.AllowPrivileged,
		AllowHostPaths:  opts.AllowHostPaths,
		Version:         version.KubernetesVersion,
		RuntimeVersion:  "docker://" + engineVersion,
	})
	if err != nil {
		return err
	}
	if err := kl.Register(ctx); err != nil {
		return err
	}
	sched := scheduler.New(st, events.New(st, "default-scheduler", ""))

	started := time.Now()
	status := func(context.Context) client.ServerStatus {
		pods, _, _ := st.List(api.Pods, "", store.ListOptions{})
		return client.ServerStatus{
			Version: version.Version, PID: os.Getpid(), Socket: home.Socket(), Home: home.Dir,
			LabID: labID, StartedAt: started, TimeScale: labclock.Scale(),
			EngineVersion: engineVersion, EngineAPI: engineAPI, Nodes: []string{NodeName}, Pods: len(pods),
			AllowPrivileged: opts.AllowPrivileged, AllowHostPaths: opts.AllowHostPaths,
		}
	}
	srv := apiserver.New(apiserver.Config{
		Store:  st,
		PodIO:  kl,
		Admit:  &admission{opts: opts, images: eng},
		Status: status,
	})
	ln, err := apiserver.ListenUnix(home.Socket())
	if err != nil {
		return err
	}
	if err := os.WriteFile(home.PIDFile(), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		ln.Close()
		return err
	}
	defer os.Remove(home.PIDFile())
	defer os.Remove(home.Socket())

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 4)
	go func() { errc <- kl.Run(runCtx) }()
	go func() { errc <- sched.Run(runCtx) }()
	evictions := tainteviction.New(st, events.New(st, tainteviction.Name, ""))
	go func() { errc <- evictions.Run(runCtx) }()
	go pruneEvents(runCtx, st)

	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	log.Printf("podlab %s control plane for lab %s listening on unix://%s (pid %d, time scale %g)",
		version.Version, labID, home.Socket(), os.Getpid(), labclock.Scale())

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
	_ = httpSrv.Shutdown(shutdown)
	cancel()
	return runErr
}

// ensureNamespaces creates the namespaces every cluster starts with.
func ensureNamespaces(st *store.Store) error {
	for _, name := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		api.SetDefaults(ns)
		if _, err := st.Create(api.Namespaces, ns); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}

func pruneEvents(ctx context.Context, st *store.Store) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if err := st.PruneEvents(eventTTL); err != nil {
			log.Printf("pruning events: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
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
