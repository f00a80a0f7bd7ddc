// Package lab runs Hono's TLS engine choice for real: a JVM with Netty and,
// when tcnative sits in /opt/hono/extensions, OpenSSL, in images made
// without a registry from Debian's own packages. The sim flavor's Go
// stand-ins cannot show which engine a Java service picks; the lab's
// endpoints do, and log it in Hono's words because they earn them.
//
// Like engine, the package never prints: narration goes to the io.Writer
// a caller gives (nil for none).
package lab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/pkg/jsonmessage"
	archive "github.com/moby/go-archive"

	"github.com/honoctl/honoctl/orchestrator/engine"
)

// BaseRepo is the repository of the JVM base image; its tag is the hash of
// what went into it, so it is built once per machine and package list.
const BaseRepo = "honoctl/jvm-base"

// Packages are what the base image holds besides Debian's minimal base:
// a JDK (javac builds the endpoint inside the image), Netty 4.1 and Debian's
// tcnative, built against the system's OpenSSL 3, the "dynamically linked
// variant" of Hono's documentation.
var Packages = []string{
	"openjdk-17-jre-headless",
	"openjdk-17-jdk-headless",
	"libnetty-java",
	"libnetty-tcnative-java",
	"libnetty-tcnative-jni",
}

// Base is the JVM base image and, when this call built it, what that took.
type Base struct {
	Ref  string
	ID   string
	Size int64
	// Built is true when this call ran debootstrap; BuildTime covers
	// debootstrap and the import.
	Built     bool
	BuildTime time.Duration
	Source    Source
}

// baseTag is the content hash of the base image: the package list, the
// suite and the architecture.
func baseTag(src Source) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", strings.Join(Packages, ","), src.Suite, runtime.GOARCH)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// EnsureBase returns the JVM base image, building it when the engine lacks
// it: debootstrap --variant=minbase from the machine's apt sources, then an
// import of the root file system through the Docker API. That needs root
// and the debootstrap package; a cached image needs neither.
func EnsureBase(ctx context.Context, e *engine.Engine, log io.Writer) (*Base, error) {
	if log == nil {
		log = io.Discard
	}
	src, err := FindSource("/")
	if err != nil {
		return nil, err
	}
	b := &Base{Ref: BaseRepo + ":" + baseTag(src), Source: src}
	if err := b.inspect(ctx, e); err == nil {
		return b, nil
	} else if !cerrdefs.IsNotFound(err) {
		return nil, fmt.Errorf("image %s: %w", b.Ref, err)
	}

	if _, err := exec.LookPath("debootstrap"); err != nil {
		return nil, fmt.Errorf("build %s: debootstrap is not installed (apt-get install -y debootstrap)", b.Ref)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("build %s: debootstrap needs root; run once as root, the image is then cached", b.Ref)
	}
	start := time.Now()
	tmp, err := os.MkdirTemp("", "honoctl-jvm-base-")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", b.Ref, err)
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, "rootfs")

	fmt.Fprintf(log, "building %s: debootstrap %s from %s (%s), once per machine\n", b.Ref, src.Suite, src.URI, src.File)
	if err := debootstrap(ctx, root, src); err != nil {
		return nil, fmt.Errorf("build %s: %w", b.Ref, err)
	}
	trim(root)
	fmt.Fprintf(log, "importing %s\n", b.Ref)
	if err := importRoot(ctx, e, root, b.Ref, baseTag(src)); err != nil {
		return nil, fmt.Errorf("build %s: %w", b.Ref, err)
	}
	b.Built, b.BuildTime = true, time.Since(start)
	if err := b.inspect(ctx, e); err != nil {
		return nil, fmt.Errorf("image %s after import: %w", b.Ref, err)
	}
	return b, nil
}

func (b *Base) inspect(ctx context.Context, e *engine.Engine) error {
	ins, err := e.Client().ImageInspect(ctx, b.Ref)
	if err != nil {
		return err
	}
	b.ID, b.Size = ins.ID, ins.Size
	return nil
}

// debootstrap makes a minimal Debian root file system with Packages in it.
func debootstrap(ctx context.Context, root string, src Source) error {
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant=minbase",
		"--include="+strings.Join(Packages, ","), src.Suite, root, src.URI)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debootstrap %s from %s: %w\n%s", src.Suite, src.URI, err, engine.Tail(out.Bytes(), 15))
	}
	return nil
}

// trim drops what a container never reads: downloaded packages, package
// lists, documentation. Errors do not matter; the image is only larger.
func trim(root string) {
	for _, glob := range []string{"var/cache/apt/archives/*.deb", "var/lib/apt/lists/*",
		"usr/share/doc/*", "usr/share/man/*", "usr/share/locale/*"} {
		matches, _ := filepath.Glob(filepath.Join(root, glob))
		for _, m := range matches {
			os.RemoveAll(m)
		}
	}
}

// importRoot sends root as a tar stream to the engine's image import.
func importRoot(ctx context.Context, e *engine.Engine, root, ref, hash string) error {
	// /dev, /proc and /sys are the runtime's; their nodes do not belong
	// in an image.
	tarball, err := archive.TarWithOptions(root, &archive.TarOptions{
		ExcludePatterns: []string{"dev/*", "proc/*", "sys/*", "run/*", "tmp/*"},
	})
	if err != nil {
		return fmt.Errorf("tar %s: %w", root, err)
	}
	defer tarball.Close()
	resp, err := e.Client().ImageImport(ctx, image.ImportSource{Source: tarball, SourceName: "-"}, ref,
		image.ImportOptions{Changes: []string{
			"LABEL " + engine.LabelManaged + "=true",
			"LABEL " + engine.LabelContent + "=" + hash,
			"ENV LANG=C.UTF-8",
			"CMD [\"/bin/sh\"]",
		}})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer resp.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}
