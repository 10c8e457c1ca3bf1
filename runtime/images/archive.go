package images

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	goruntime "runtime"
	"time"

	"github.com/docker/docker/client"

	"github.com/podlab/podlab/runtime/images/box"
)

// imageArchive builds, in memory, an image archive in the format `docker
// save` writes and `docker load` reads: one layer (the rootfs) shared by an
// image config per role. Loading it is one engine call, with no build.
func imageArchive(binary string, set Set) ([]byte, error) {
	layer, err := rootfsLayer(binary)
	if err != nil {
		return nil, err
	}
	layerSum := sha256.Sum256(layer)
	layerID := hex.EncodeToString(layerSum[:])
	epoch := time.Unix(0, 0).UTC()

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	write := func(name string, body []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	if err := write(layerID+"/layer.tar", layer); err != nil {
		return nil, err
	}
	type manifestEntry struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var manifest []manifestEntry
	for _, r := range roles {
		cfg := r.config
		config := map[string]any{
			"architecture": goruntime.GOARCH,
			"os":           "linux",
			"created":      epoch,
			"config": map[string]any{
				"Env":          []string{"PATH=" + defaultPath},
				"Entrypoint":   cfg.Entrypoint,
				"Cmd":          cfg.Cmd,
				"ExposedPorts": cfg.ExposedPorts,
				"StopSignal":   cfg.StopSignal,
				"Labels":       map[string]string{LabelManaged: "true", LabelRole: r.name},
			},
			"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + layerID}},
			"history": []map[string]any{{"created": epoch, "created_by": "podlab (its own binary as /bin/box)"}},
		}
		body, err := json.Marshal(config)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		name := hex.EncodeToString(sum[:]) + ".json"
		if err := write(name, body); err != nil {
			return nil, err
		}
		manifest = append(manifest, manifestEntry{Config: name, RepoTags: []string{*r.field(&set)}, Layers: []string{layerID + "/layer.tar"}})
	}
	body, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	if err := write("manifest.json", body); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// load hands the archive to the engine and reports an error the load stream carries.
func load(ctx context.Context, cli *client.Client, archive []byte) error {
	resp, err := cli.ImageLoad(ctx, bytes.NewReader(archive), client.ImageLoadWithQuiet(true))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return StreamError(resp.Body)
}

// StreamError reads one of the engine's JSON progress streams (pull, load)
// to its end and returns the error it reports inside, if any: the engine
// answers 200 and puts failures in the stream.
func StreamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
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

// rootfsLayer is the images' filesystem as a layer tar: the binary as
// /bin/box, a symlink per applet, and the few files a container expects.
func rootfsLayer(binary string) ([]byte, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0) // fixed times keep the layer identical across builds
	add := func(hdr *tar.Header, body []byte) error {
		hdr.ModTime = epoch
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
	steps := []error{
		dir("bin", 0o755), dir("sbin", 0o755), dir("usr", 0o755), dir("usr/bin", 0o755), dir("usr/sbin", 0o755),
		dir("etc", 0o755), dir("tmp", 0o1777), dir("var", 0o755), dir("var/run", 0o755), dir("root", 0o700),
		dir("srv", 0o755), dir("srv/www", 0o755), dir("usr/share", 0o755), dir("usr/share/nginx", 0o755),
		dir("usr/share/nginx/html", 0o755), dir("home", 0o755), dir("proc", 0o555), dir("sys", 0o555), dir("dev", 0o755),
		add(&tar.Header{Name: "bin/box", Mode: 0o755, Typeflag: tar.TypeReg}, bin),
		file("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"),
		file("etc/group", 0o644, "root:x:0:\nnobody:x:65534:\n"),
		file("srv/www/index.html", 0o644, "<h1>podlab web</h1>\n<p>Served by podlab's small web server.</p>\n"),
		file("usr/share/nginx/html/index.html", 0o644, nginxIndex),
		link("pause", "/bin/box"),
		link("usr/sbin/nginx", "/bin/box"),
	}
	for _, name := range box.Names() {
		steps = append(steps, link("bin/"+name, "box"))
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
