// Package images builds podlab's own container images on the local engine,
// with no registry and no Dockerfile on disk: every image is FROM scratch and
// holds the static podlab binary as /bin/box, a multi-call program (package
// box) linked under each applet's name. It also names which upstream images
// each one stands in for. It imports runtime/images/box only for applet names.
package images

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"

	"github.com/podlab/podlab/internal/version"
	"github.com/podlab/podlab/runtime/images/box"
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

// roles pairs each image with its Dockerfile instructions after the COPY.
var roles = []struct {
	name   string
	field  func(*Set) *string
	config string
}{
	{"pause", func(s *Set) *string { return &s.Pause }, `ENTRYPOINT ["/pause"]`},
	{"box", func(s *Set) *string { return &s.Box }, `CMD ["sh"]`},
	{"web", func(s *Set) *string { return &s.Web }, "EXPOSE 8080\nENTRYPOINT [\"/bin/web\"]"},
	{"nginx", func(s *Set) *string { return &s.Nginx }, "EXPOSE 80\nSTOPSIGNAL SIGQUIT\nCMD [\"nginx\", \"-g\", \"daemon off;\"]"},
	{"liveness", func(s *Set) *string { return &s.Liveness }, "EXPOSE 8080\nENTRYPOINT [\"/bin/web\", \"--port\", \"8080\", \"--fail-after\", \"10s\"]"},
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
			return fmt.Errorf("%s is dynamically linked: podlab must be built with CGO_ENABLED=0 to build its images (CGO_ENABLED=0 go build -o bin/podlab .)", binary)
		}
	}
	return nil
}

// Ensure builds whichever of podlab's images are missing from the engine and
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
	// The binary goes into one base image; each role is a thin image on top
	// of it, so the binary is sent to the engine once.
	base := strings.Replace(set.Box, "podlab/box:", "podlab/base:", 1)
	if _, err := cli.ImageInspect(ctx, base); err != nil {
		buildCtx, err := buildContext(binary)
		if err != nil {
			return Set{}, err
		}
		if err := buildOne(ctx, cli, buildCtx, "base", base); err != nil {
			return Set{}, fmt.Errorf("building %s: %w", base, err)
		}
	}
	for _, i := range missing {
		r := roles[i]
		ref := *r.field(&set)
		df := "FROM " + base + "\n" + r.config + "\n"
		if err := buildOne(ctx, cli, dockerfileContext(df), r.name, ref); err != nil {
			return Set{}, fmt.Errorf("building %s: %w", ref, err)
		}
	}
	return set, nil
}

// dockerfileContext is a build context holding only a Dockerfile.
func dockerfileContext(dockerfile string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: time.Unix(0, 0)})
	tw.Write([]byte(dockerfile))
	tw.Close()
	return buf.Bytes()
}

func buildOne(ctx context.Context, cli *client.Client, tarball []byte, role, ref string) error {
	resp, err := cli.ImageBuild(ctx, bytes.NewReader(tarball), build.ImageBuildOptions{
		Tags:        []string{ref},
		Dockerfile:  "Dockerfile",
		Remove:      true,
		ForceRemove: true,
		Labels:      map[string]string{LabelManaged: "true", LabelRole: role},
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// The build reports failures inside its JSON stream.
	dec := json.NewDecoder(resp.Body)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}

// buildContext builds the in-memory context of the base image: its
// Dockerfile and the rootfs with the binary and a link per applet.
func buildContext(binary string) ([]byte, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Unix(0, 0) // fixed times keep the layer identical across builds
	add := func(hdr *tar.Header, body []byte) error {
		hdr.ModTime = now
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	file := func(name string, mode int64, body string) error {
		return add(&tar.Header{Name: name, Mode: mode, Typeflag: tar.TypeReg}, []byte(body))
	}
	dir := func(name string, mode int64) error {
		return add(&tar.Header{Name: name + "/", Mode: mode, Typeflag: tar.TypeDir}, nil)
	}
	link := func(name, target string) error {
		return add(&tar.Header{Name: name, Linkname: target, Mode: 0o777, Typeflag: tar.TypeSymlink}, nil)
	}
	df := "FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
	if err := file("Dockerfile", 0o644, df); err != nil {
		return nil, err
	}
	steps := []error{
		dir("rootfs", 0o755), dir("rootfs/bin", 0o755), dir("rootfs/sbin", 0o755), dir("rootfs/usr", 0o755),
		dir("rootfs/usr/bin", 0o755), dir("rootfs/usr/sbin", 0o755), dir("rootfs/etc", 0o755),
		dir("rootfs/tmp", 0o1777), dir("rootfs/var", 0o755), dir("rootfs/var/run", 0o755), dir("rootfs/root", 0o700),
		dir("rootfs/srv", 0o755), dir("rootfs/srv/www", 0o755), dir("rootfs/usr/share", 0o755),
		dir("rootfs/usr/share/nginx", 0o755), dir("rootfs/usr/share/nginx/html", 0o755), dir("rootfs/home", 0o755),
		add(&tar.Header{Name: "rootfs/bin/box", Mode: 0o755, Typeflag: tar.TypeReg}, bin),
		file("rootfs/etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"),
		file("rootfs/etc/group", 0o644, "root:x:0:\nnobody:x:65534:\n"),
		file("rootfs/srv/www/index.html", 0o644, "<h1>podlab web</h1>\n<p>Served by podlab's small web server.</p>\n"),
		file("rootfs/usr/share/nginx/html/index.html", 0o644, nginxIndex),
		link("rootfs/pause", "/bin/box"),
		link("rootfs/usr/sbin/nginx", "/bin/box"),
	}
	for _, name := range box.Names() {
		steps = append(steps, link("rootfs/bin/"+name, "box"))
	}
	for _, err := range steps {
		if err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
	case "registry.k8s.io/liveness", "k8s.gcr.io/liveness", "registry.k8s.io/e2e-test-images/liveness":
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
