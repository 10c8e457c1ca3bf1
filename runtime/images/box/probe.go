package box

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

func init() { register(probeMain, "probe") }

// ProbeResult is what the probe applet prints, one JSON line, for the kubelet.
type ProbeResult struct {
	Result string `json:"result"` // success, warning, failure
	Output string `json:"output"`
	// responded: the server answered (with a failing status code).
	responded bool
}

// maxProbeBody is how much of an HTTP response the kubelet reads for the
// probe's message (upstream: 10 KiB).
const maxProbeBody = 10 << 10

// probeMain runs one network probe from inside the pod's network namespace
// (the kubelet execs it in the pod's pause container), with the upstream
// prober's rules: `probe http URL [-header "K: V"]... [-timeout D] [-ua UA]
// [-any-status]`,
// `probe tcp HOST:PORT [-timeout D]` or `probe grpc HOST:PORT [-service S]`.
func probeMain(argv []string) int {
	if len(argv) < 3 {
		return fail(argv[0], "usage: probe http URL | probe tcp HOST:PORT")
	}
	kind, target := argv[1], argv[2]
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	timeout := fs.Duration("timeout", time.Second, "probe timeout")
	ua := fs.String("ua", "kube-probe", "User-Agent")
	var headers headerFlags
	fs.Var(&headers, "header", "an HTTP header, \"Name: value\"")
	service := fs.String("service", "", "the gRPC health service name")
	anyStatus := fs.Bool("any-status", false, "any HTTP response succeeds (lifecycle hooks ignore the status code)")
	if err := fs.Parse(argv[3:]); err != nil {
		return 2
	}
	var res ProbeResult
	switch kind {
	case "http":
		res = probeHTTP(target, headers, *ua, *timeout)
		if *anyStatus && res.Result == "failure" && res.responded {
			res = ProbeResult{Result: "success", Output: res.Output}
		}
	case "tcp":
		res = probeTCP(target, *timeout)
	case "grpc":
		res = probeGRPC(target, *service, *ua, *timeout)
	default:
		return fail(argv[0], "unknown probe kind %q", kind)
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// probeHTTP follows upstream's HTTP prober: 200–399 is success; redirects
// to the same host are followed (at most 10); a redirect elsewhere is not
// followed and is a success with a warning; the body (up to 10 KiB) is the
// message.
func probeHTTP(target string, headers []string, ua string, timeout time.Duration) ProbeResult {
	u, err := url.Parse(target)
	if err != nil {
		return ProbeResult{Result: "failure", Output: err.Error()}
	}
	redirectedElsewhere := false
	client := &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Hostname() != u.Hostname() {
				redirectedElsewhere = true
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		},
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return ProbeResult{Result: "failure", Output: err.Error()}
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "*/*")
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		if strings.EqualFold(strings.TrimSpace(k), "host") {
			req.Host = strings.TrimSpace(v)
			continue
		}
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := client.Do(req)
	if err != nil {
		return ProbeResult{Result: "failure", Output: err.Error()}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && redirectedElsewhere:
		return ProbeResult{Result: "warning", Output: fmt.Sprintf("Probe terminated redirects, Response body: %s", body)}
	case resp.StatusCode >= 200 && resp.StatusCode < 400:
		return ProbeResult{Result: "success", Output: string(body)}
	}
	return ProbeResult{Result: "failure", Output: fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode), responded: true}
}

// probeTCP succeeds when a TCP connection opens.
func probeTCP(addr string, timeout time.Duration) ProbeResult {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return ProbeResult{Result: "failure", Output: err.Error()}
	}
	conn.Close()
	return ProbeResult{Result: "success"}
}
