// Package images makes podlab's own container images on the local engine,
// with no registry, no build and no Dockerfile: every image holds just the
// static podlab binary as /bin/box, a multi-call program (package box)
// linked under each applet's name, and all of them are loaded as one image
// archive. It also names the upstream images each one stands in for.
// It imports runtime/images/box only for applet names.
package images

import (
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"

	"github.com/podlab/podlab/internal/version"
)

// Labels every podlab image carries.
const (
	LabelManaged = "podlab.dev/managed"
	LabelRole    = "podlab.dev/image"
)

// Set names podlab's images.
type Set struct {
	Pause    string // the pod sandbox's process
	Box      string // sh and core utilities (stands in for busybox)
	Web      string // a small web server on :8080 (stands in for agnhost)
	Nginx    string // a web server on :80 that speaks nginx's -s signals
	Liveness string // a web server whose /healthz fails after 10 s (the upstream liveness demo)
}

// imageConfig is the part of an OCI/Docker image config podlab sets.
type imageConfig struct {
	Entrypoint   []string            `json:"Entrypoint,omitempty"`
	Cmd          []string            `json:"Cmd,omitempty"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts,omitempty"`
	StopSignal   string              `json:"StopSignal,omitempty"`
}

// roles are podlab's images: one rootfs, different entrypoints.
var roles = []struct {
	name   string
	field  func(*Set) *string
	config imageConfig
}{
	{"pause", func(s *Set) *string { return &s.Pause }, imageConfig{Entrypoint: []string{"/pause"}}},
	{"box", func(s *Set) *string { return &s.Box }, imageConfig{Cmd: []string{"sh"}}},
	{"web", func(s *Set) *string { return &s.Web }, imageConfig{Entrypoint: []string{"/bin/web"}, ExposedPorts: map[string]struct{}{"8080/tcp": {}}}},
	// As the upstream nginx image: SIGQUIT is its graceful stop signal.
	{"nginx", func(s *Set) *string { return &s.Nginx }, imageConfig{Cmd: []string{"nginx", "-g", "daemon off;"}, ExposedPorts: map[string]struct{}{"80/tcp": {}}, StopSignal: "SIGQUIT"}},
	{"liveness", func(s *Set) *string { return &s.Liveness }, imageConfig{Entrypoint: []string{"/bin/web", "--port", "8080", "--fail-after", "10s"}, ExposedPorts: map[string]struct{}{"8080/tcp": {}}}},
}

// Refs computes the image references for binary: the tag carries podlab's
// version and the binary's content hash, so a new build gets new images and
// the same build never rebuilds.
func Refs(binary string) (Set, error) {
	f, err := os.Open(binary)
	if err != nil {
		return Set{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return Set{}, err
	}
	tag := version.Version + "-" + hex.EncodeToString(h.Sum(nil))[:12]
	var s Set
	for _, r := range roles {
		*r.field(&s) = "podlab/" + r.name + ":" + tag
	}
	return s, nil
}

// CheckStatic refuses a binary that cannot run in a FROM scratch image.
func CheckStatic(binary string) error {
	f, err := elf.Open(binary)
	if err != nil {
		return fmt.Errorf("podlab's images are built from its own Linux binary, and %s is not one (%v); build podlab for Linux with CGO_ENABLED=0", binary, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked: podlab must be built with CGO_ENABLED=0 to build its images (CGO_ENABLED=0 go build -o bin/ . ./runtime/images/box/podlab-box)", binary)
		}
	}
	return nil
}

// Ensure loads podlab's images into the engine when any is missing, and
// returns their references.
func Ensure(ctx context.Context, cli *client.Client, binary string) (Set, error) {
	set, err := Refs(binary)
	if err != nil {
		return Set{}, err
	}
	var missing []int
	for i, r := range roles {
		if _, err := cli.ImageInspect(ctx, *r.field(&set)); err != nil {
			if !errdefs.IsNotFound(err) {
				return Set{}, fmt.Errorf("inspecting image %s: %w", *r.field(&set), err)
			}
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return set, nil
	}
	if err := CheckStatic(binary); err != nil {
		return Set{}, err
	}
	archive, err := imageArchive(binary, set)
	if err != nil {
		return Set{}, err
	}
	if err := load(ctx, cli, archive); err != nil {
		return Set{}, fmt.Errorf("loading podlab's images into the engine: %w", err)
	}
	return set, nil
}

const nginxIndex = `<!DOCTYPE html>
<html>
<head><title>Welcome to nginx!</title></head>
<body>
<h1>Welcome to nginx!</h1>
<p>This is podlab's offline stand-in for the nginx image: it serves this
directory on port 80 and understands "nginx -s quit".</p>
</body>
</html>
`

// StandIn maps a well-known upstream image to podlab's image that stands in
// for it when the real one is not on the machine and no registry answers.
func StandIn(set Set, ref string) (string, bool) {
	name := repository(ref)
	switch name {
	case "busybox":
		return set.Box, true
	case "nginx":
		return set.Nginx, true
	case "registry.k8s.io/pause", "k8s.gcr.io/pause":
		return set.Pause, true
	case "registry.k8s.io/e2e-test-images/agnhost", "k8s.gcr.io/e2e-test-images/agnhost":
		return set.Web, true
	// cnych/liveness is the Docker Hub mirror of the liveness demo that
	// Chinese tutorials (and podlab's source notes) use.
	case "registry.k8s.io/liveness", "k8s.gcr.io/liveness", "registry.k8s.io/e2e-test-images/liveness", "cnych/liveness":
		return set.Liveness, true
	}
	return "", false
}

// repository strips the tag, digest and Docker Hub's implicit prefixes:
// "docker.io/library/busybox:1.36" → "busybox".
func repository(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	for _, p := range []string{"docker.io/library/", "index.docker.io/library/", "docker.io/", "library/"} {
		ref = strings.TrimPrefix(ref, p)
	}
	return ref
}

// Remove removes podlab's images that no container uses; it returns how many went.
func Remove(ctx context.Context, cli *client.Client) (int, error) {
	list, err := cli.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("label", LabelManaged+"=true"))})
	if err != nil {
		return 0, err
	}
	n := 0
	// Two passes: a base image goes only after the role images built on it.
	for pass := 0; pass < 2; pass++ {
		for _, img := range list {
			for _, tag := range img.RepoTags {
				if _, err := cli.ImageRemove(ctx, tag, image.RemoveOptions{PruneChildren: true}); err == nil {
					n++
				}
			}
		}
	}
	return n, nil
}
