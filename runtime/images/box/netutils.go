package box

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(wgetMain, "wget")
	register(ncMain, "nc")
}

// wgetMain fetches a URL over HTTP: -q quiet, -O FILE (- for stdout),
// -T SECONDS timeout, --spider (check only), -S (print headers).
func wgetMain(argv []string) int {
	args := argv[1:]
	quiet, spider, headers := false, false, false
	out := ""
	timeout := 30 * time.Second
	var url string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-q":
			quiet = true
		case a == "--spider":
			spider = true
		case a == "-S":
			headers = true
		case a == "-O" && i+1 < len(args):
			out = args[i+1]
			i++
		case strings.HasPrefix(a, "-O"):
			out = a[2:]
		case a == "-qO-" || a == "-qO" && i+1 < len(args):
			quiet = true
			if a == "-qO-" {
				out = "-"
			} else {
				out = args[i+1]
				i++
			}
		case a == "-T" && i+1 < len(args):
			if n, err := strconv.Atoi(args[i+1]); err == nil {
				timeout = time.Duration(n) * time.Second
			}
			i++
		case strings.HasPrefix(a, "-"):
			// Unsupported options are ignored, as harmless as busybox's.
		default:
			url = a
		}
	}
	if url == "" {
		return fail(argv[0], "missing URL")
	}
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	client := &http.Client{Timeout: timeout}
	method := http.MethodGet
	if spider {
		method = http.MethodHead
	}
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return fail(argv[0], "bad address '%s'", url)
	}
	req.Header.Set("User-Agent", "Wget")
	if !quiet {
		fmt.Fprintf(os.Stderr, "Connecting to %s\n", req.URL.Host)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fail(argv[0], "can't connect to remote host: %v", unwrapNetErr(err))
	}
	defer resp.Body.Close()
	if headers {
		fmt.Fprintf(os.Stderr, "  HTTP/1.1 %s\n", resp.Status)
		for k, vs := range resp.Header {
			for _, v := range vs {
				fmt.Fprintf(os.Stderr, "  %s: %s\n", k, v)
			}
		}
	}
	if resp.StatusCode >= 400 {
		return fail(argv[0], "server returned error: HTTP/1.1 %s", resp.Status)
	}
	if spider {
		if !quiet {
			fmt.Fprintln(os.Stderr, "remote file exists")
		}
		return 0
	}
	var w io.Writer = os.Stdout
	if out == "" {
		name := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
		if name == "" {
			name = "index.html"
		}
		out = name
	}
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return fail(argv[0], "can't open '%s': %s", out, errText(err))
		}
		defer f.Close()
		w = f
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fail(argv[0], "%v", err)
	}
	if !quiet && out != "-" {
		fmt.Fprintf(os.Stderr, "saving to '%s'\n", out)
	}
	return 0
}

func unwrapNetErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// ncMain is a small netcat: `nc [-z] [-w SECS] HOST PORT` connects (with -z
// only checks the port), `nc -l -p PORT` accepts one connection and prints it.
func ncMain(argv []string) int {
	args := argv[1:]
	listen, zero := false, false
	port := ""
	wait := 5 * time.Second
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-l":
			listen = true
		case a == "-z":
			zero = true
		case a == "-lk", a == "-kl":
			listen = true
		case a == "-p" && i+1 < len(args):
			port = args[i+1]
			i++
		case a == "-w" && i+1 < len(args):
			if n, err := strconv.Atoi(args[i+1]); err == nil {
				wait = time.Duration(n) * time.Second
			}
			i++
		case a == "-v", a == "-n":
		default:
			rest = append(rest, a)
		}
	}
	if listen {
		if port == "" && len(rest) > 0 {
			port = rest[len(rest)-1]
		}
		ln, err := net.Listen("tcp", ":"+port)
		if err != nil {
			return fail(argv[0], "%v", err)
		}
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			return fail(argv[0], "%v", err)
		}
		defer conn.Close()
		pipe(conn)
		return 0
	}
	if len(rest) < 2 {
		return fail(argv[0], "usage: nc [-z] [-w SECS] HOST PORT | nc -l -p PORT")
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(rest[0], rest[1]), wait)
	if err != nil {
		return fail(argv[0], "can't connect to remote host (%s): %s", rest[0], unwrapNetErr(err))
	}
	defer conn.Close()
	if zero {
		return 0
	}
	pipe(conn)
	return 0
}

// pipe relays stdin to conn and conn to stdout, as busybox nc does: the end
// of stdin half-closes the connection (the peer still answers), and the peer
// closing its side ends nc even while stdin stays open (a port-forward's
// client may keep it open).
func pipe(conn net.Conn) {
	go func() {
		io.Copy(conn, os.Stdin)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
	}()
	io.Copy(os.Stdout, conn)
}
