// Command fwdclient is the client side of bench's Service forwarding
// benchmark: run inside a pod's network namespace, it measures HTTP to each
// target it is given (a Service's cluster IP, a pod's IP) and prints one
// JSON line of figures per target. It imports nothing from podlab.
//
//	fwdclient -n 500 -for 3s -conc 8 vip=10.96.0.20:80 pod=172.31.0.7:8080
//
// Per target: the latency of requests on a new connection each (connect,
// GET /hostname, read the answer; p50 and p99 over n), the requests per
// second so made by conc clients for the given time, and the MB/s of
// GET /big read over one kept-alive connection for the given time.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Figures are one target's results.
type Figures struct {
	Target      string  `json:"target"`
	Addr        string  `json:"addr"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	ReqPerSec   float64 `json:"req_per_s"`
	MBPerSec    float64 `json:"mb_per_s"`
	Failed      int64   `json:"failed"`
	LatencyReqs int     `json:"latency_requests"`
}

func main() {
	n := flag.Int("n", 500, "requests for the latency figures")
	dur := flag.Duration("for", 3*time.Second, "how long each rate and throughput run lasts")
	conc := flag.Int("conc", 8, "concurrent clients for the request rate")
	flag.Parse()
	var out []Figures
	for _, arg := range flag.Args() {
		name, addr, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "fwdclient: want NAME=HOST:PORT, got %q\n", arg)
			os.Exit(2)
		}
		if err := waitAnswer(addr, 30*time.Second); err != nil {
			fmt.Fprintf(os.Stderr, "fwdclient: %s: %v\n", arg, err)
			os.Exit(1)
		}
		out = append(out, Figures{Target: name, Addr: addr})
	}
	// Phases interleave the targets, so that the machine's other load
	// falls on all of them alike.
	for i := range out {
		lat, failed := latency(out[i].Addr, *n)
		out[i].P50Ms, out[i].P99Ms = pct(lat, 50), pct(lat, 99)
		out[i].LatencyReqs, out[i].Failed = len(lat), failed
	}
	for i := range out {
		rate, failed := requestRate(out[i].Addr, *conc, *dur)
		out[i].ReqPerSec, out[i].Failed = rate, out[i].Failed+failed
	}
	for i := range out {
		mbs, err := throughput(out[i].Addr, *dur)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fwdclient: throughput to %s: %v\n", out[i].Addr, err)
			os.Exit(1)
		}
		out[i].MBPerSec = mbs
	}
	enc := json.NewEncoder(os.Stdout)
	for _, f := range out {
		enc.Encode(f)
	}
}

// fresh is a client that opens a new connection for every request.
func fresh() *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

func get(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// waitAnswer waits until addr answers (the proxy's table may lag the pod).
func waitAnswer(addr string, timeout time.Duration) error {
	c := fresh()
	deadline := time.Now().Add(timeout)
	for {
		err := get(c, "http://"+addr+"/hostname")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func latency(addr string, n int) ([]time.Duration, int64) {
	c := fresh()
	url := "http://" + addr + "/hostname"
	var out []time.Duration
	var failed int64
	for range n {
		start := time.Now()
		if err := get(c, url); err != nil {
			failed++
			continue
		}
		out = append(out, time.Since(start))
	}
	return out, failed
}

func pct(d []time.Duration, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return float64(s[i].Microseconds()) / 1000
}

func requestRate(addr string, conc int, dur time.Duration) (float64, int64) {
	url := "http://" + addr + "/hostname"
	var ok, failed atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			c := fresh()
			for ctx.Err() == nil {
				if err := get(c, url); err != nil {
					failed.Add(1)
				} else {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), failed.Load()
}

// throughput reads GET /big again and again over one connection.
func throughput(addr string, dur time.Duration) (float64, error) {
	var conns atomic.Int32
	tr := &http.Transport{
		MaxConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			conns.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, a)
		},
	}
	c := &http.Client{Transport: tr}
	var total int64
	start := time.Now()
	for time.Since(start) < dur {
		resp, err := c.Get("http://" + addr + "/big")
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, errors.New(resp.Status)
		}
		total += n
	}
	if conns.Load() != 1 {
		return 0, fmt.Errorf("%d connections, want one", conns.Load())
	}
	return float64(total) / 1e6 / time.Since(start).Seconds(), nil
}
