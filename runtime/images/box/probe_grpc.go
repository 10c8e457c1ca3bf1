package box

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// probeGRPC asks the gRPC health service (grpc.health.v1.Health/Check), as
// upstream's gRPC prober does: SERVING is success, anything else a failure.
func probeGRPC(addr, service, ua string, timeout time.Duration) ProbeResult {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithUserAgent(ua))
	if err != nil {
		return ProbeResult{Result: "failure", Output: fmt.Sprintf("failed to connect service %q: %v", addr, err)}
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		if ctx.Err() != nil {
			return ProbeResult{Result: "failure", Output: fmt.Sprintf("timeout: health rpc did not complete within %v", timeout)}
		}
		return ProbeResult{Result: "failure", Output: fmt.Sprintf("error: health rpc probe failed: %v", err)}
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return ProbeResult{Result: "failure", Output: fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String())}
	}
	return ProbeResult{Result: "success", Output: "service healthy"}
}
