package box

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func init() {
	register(webMain, "web")
	register(nginxMain, "nginx")
}

// webConfig configures the small web server behind `web` and `nginx`.
type webConfig struct {
	port        int
	dir         string
	healthz     string
	failAfter   time.Duration
	readyAfter  time.Duration
	startDelay  time.Duration
	pidFile     string
	serverName  string
	startedAt   time.Time
	logPrefix   string
	quitSignals []os.Signal
}

// webMain is an agnhost-like test server: files from --dir, /healthz (which
// starts failing after --fail-after, like the upstream liveness demo),
// /readyz (ready after --ready-after), /hostname, /echo, /headers, /exit.
// --start-delay makes it warm up before it listens at all, as a real app
// loading its state does (connections are refused until then).
// SIGTERM or SIGQUIT (or `web quit`) stops it gracefully: it stops
// accepting at once and lets the requests in flight finish.
func webMain(argv []string) int {
	if len(argv) > 1 && argv[1] == "quit" {
		return signalPIDFile(argv[0], "/tmp/web.pid", syscall.SIGQUIT)
	}
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	cfg := webConfig{serverName: "podlab-web", pidFile: "/tmp/web.pid"}
	args := argv[1:]
	// agnhost's subcommands, so manifests written for it work as they are:
	// `liveness` serves /healthz that fails after 10 s, `netexec` and
	// `serve-hostname` are plain servers.
	defaultFail := time.Duration(0)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "liveness":
			defaultFail = 10 * time.Second
		case "netexec", "serve-hostname", "test-webserver":
		default:
			return fail(argv[0], "unknown subcommand %q (podlab's web knows liveness, netexec, serve-hostname)", args[0])
		}
		args = args[1:]
		fs.IntVar(&cfg.port, "http-port", 8080, "port to listen on (agnhost's name)")
	}
	if fs.Lookup("http-port") == nil {
		fs.IntVar(&cfg.port, "port", 8080, "port to listen on")
	}
	fs.StringVar(&cfg.dir, "dir", "/srv/www", "directory to serve")
	fs.StringVar(&cfg.healthz, "healthz", "/healthz", "health endpoint path")
	fs.DurationVar(&cfg.failAfter, "fail-after", defaultFail, "start failing the health endpoint after this long (0: never)")
	fs.DurationVar(&cfg.readyAfter, "ready-after", 0, "report ready on /readyz only after this long")
	fs.DurationVar(&cfg.startDelay, "start-delay", 0, "wait this long (real time) before listening")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.quitSignals = []os.Signal{syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGINT}
	return serve(cfg)
}

// nginxMain stands in for nginx: it serves /usr/share/nginx/html on port 80
// and understands `-s quit|stop|reload` and `-v`, so manifests written for
// the real nginx image (a preStop `nginx -s quit`, say) work as they are.
func nginxMain(argv []string) int {
	const pidFile = "/var/run/nginx.pid"
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-v", "-V":
			fmt.Fprintln(os.Stderr, "nginx version: podlab stand-in (not the real nginx; see docs/images.md)")
			return 0
		case "-t":
			fmt.Fprintln(os.Stderr, "nginx: configuration file test is successful (podlab stand-in)")
			return 0
		case "-s":
			if i+1 >= len(args) {
				return fail("nginx", "option \"-s\" requires parameter")
			}
			switch args[i+1] {
			case "quit":
				return signalPIDFile("nginx", pidFile, syscall.SIGQUIT)
			case "stop":
				return signalPIDFile("nginx", pidFile, syscall.SIGTERM)
			case "reload", "reopen":
				return signalPIDFile("nginx", pidFile, syscall.SIGHUP)
			}
			return fail("nginx", "invalid option: \"-s %s\"", args[i+1])
		case "-g", "-c", "-p":
			i++ // daemon off; and config paths change nothing here
		}
	}
	cfg := webConfig{
		port: 80, dir: "/usr/share/nginx/html", healthz: "/healthz", pidFile: pidFile, serverName: "nginx (podlab stand-in)",
		// Like nginx: SIGQUIT is a graceful shutdown, SIGTERM/SIGINT a fast one.
		quitSignals: []os.Signal{syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT},
	}
	return serve(cfg)
}

func signalPIDFile(name, path string, sig syscall.Signal) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(name, "open() \"%s\" failed (%s)", path, errText(err))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return fail(name, "invalid PID number in \"%s\"", path)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fail(name, "kill(%d, %d) failed: %v", pid, sig, err)
	}
	return 0
}

func serve(cfg webConfig) int {
	cfg.startedAt = time.Now()
	logger := log.New(os.Stdout, "", log.LstdFlags)
	if cfg.pidFile != "" {
		os.WriteFile(cfg.pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
		defer os.Remove(cfg.pidFile)
	}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", cfg.port), Handler: logRequests(logger, routes(cfg)), ReadHeaderTimeout: 10 * time.Second}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, cfg.quitSignals...)
	signal.Ignore(syscall.SIGHUP) // reload: nothing to reload
	if cfg.startDelay > 0 {
		logger.Printf("%s starting: listening in %s", cfg.serverName, cfg.startDelay)
		select {
		case <-time.After(cfg.startDelay):
		case sig := <-sigs:
			logger.Printf("received %v before listening, exiting", sig)
			return 0
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Printf("%s listening on :%d, serving %s", cfg.serverName, cfg.port, cfg.dir)
	select {
	case err := <-errc:
		logger.Printf("server failed: %v", err)
		return 1
	case sig := <-sigs:
		logger.Printf("received %v, shutting down gracefully", sig)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Printf("graceful shutdown incomplete: %v", err)
		return 1
	}
	logger.Printf("graceful shutdown complete")
	return 0
}

func routes(cfg webConfig) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(cfg.healthz, func(w http.ResponseWriter, r *http.Request) {
		if cfg.failAfter > 0 && time.Since(cfg.startedAt) > cfg.failAfter {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "error: unhealthy for %s (failing since %s after start)\n", time.Since(cfg.startedAt).Round(time.Second), cfg.failAfter)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if time.Since(cfg.startedAt) < cfg.readyAfter {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready yet")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("/hostname", func(w http.ResponseWriter, r *http.Request) {
		h, _ := os.Hostname()
		fmt.Fprintln(w, h)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, r.URL.Query().Get("msg"))
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s: %s\n", k, strings.Join(r.Header[k], ", "))
		}
	})
	mux.HandleFunc("/exit", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		fmt.Fprintf(w, "exiting with code %d\n", code)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		go func() { time.Sleep(100 * time.Millisecond); os.Exit(code) }()
	})
	files := http.FileServer(http.Dir(cfg.dir))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(cfg.dir); err != nil {
			h, _ := os.Hostname()
			fmt.Fprintf(w, "Hello from %s (%s)\n", h, cfg.serverName)
			return
		}
		files.ServeHTTP(w, r)
	})
	return mux
}

type statusWriter struct {
	http.ResponseWriter
	code int
	n    int
}

func (s *statusWriter) WriteHeader(c int) { s.code = c; s.ResponseWriter.WriteHeader(c) }
func (s *statusWriter) Write(b []byte) (int, error) {
	n, err := s.ResponseWriter.Write(b)
	s.n += n
	return n, err
}
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests writes one access-log line per request, nginx-style.
func logRequests(l *log.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: 200}
		h.ServeHTTP(sw, r)
		l.Printf("%s \"%s %s %s\" %d %d \"%s\"", r.RemoteAddr, r.Method, r.URL.RequestURI(), r.Proto, sw.code, sw.n, r.UserAgent())
	})
}
