package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// ImageUser is the user the local images run as: the "nonroot" user of
// distroless images. A rendered "user:" overrides it per container.
const ImageUser = "65532:65532"

// Labels honoctl puts on what it builds and creates.
const (
	LabelManaged = "org.honoctl.managed"
	LabelContent = "org.honoctl.content"
)

// Image is a local image built from one binary.
type Image struct {
	// Ref is repo:<content hash>; repo:latest names the same image.
	Ref string
	ID  string
	// Built is false when an image of the same content was already there.
	Built bool
}

// BuildImage makes a FROM scratch image of the static binary at
// binaryPath, at /<binary name>, as its entrypoint, run as ImageUser. It
// is tagged repo:<content hash> and repo:latest; when the hash tag exists
// nothing is built, so rebuilding unchanged code is a no-op. FROM scratch
// needs no pull: this works without any registry.
func BuildImage(ctx context.Context, cli client.APIClient, binaryPath, repo string) (*Image, error) {
	bin, err := os.ReadFile(binaryPath)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", repo, err)
	}
	if err := checkStatic(binaryPath, bin); err != nil {
		return nil, fmt.Errorf("image %s: %w", repo, err)
	}
	name := filepath.Base(binaryPath)
	dockerfile := fmt.Sprintf("FROM scratch\nCOPY %s /%s\nUSER %s\nENTRYPOINT [\"/%s\"]\n",
		name, name, ImageUser, name)

	sum := sha256.New()
	sum.Write([]byte(dockerfile))
	sum.Write(bin)
	hash := hex.EncodeToString(sum.Sum(nil))[:16]
	img := &Image{Ref: repo + ":" + hash}

	if ins, err := cli.ImageInspect(ctx, img.Ref); err == nil {
		img.ID = ins.ID
		return img, tagLatest(ctx, cli, img, repo)
	} else if !cerrdefs.IsNotFound(err) {
		return nil, fmt.Errorf("image %s: %w", img.Ref, err)
	}

	tarball, err := buildContext(dockerfile, name, bin)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", img.Ref, err)
	}
	resp, err := cli.ImageBuild(ctx, tarball, build.ImageBuildOptions{
		Tags:        []string{img.Ref, repo + ":latest"},
		Labels:      map[string]string{LabelManaged: "true", LabelContent: hash},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return nil, fmt.Errorf("build image %s: %w", img.Ref, err)
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return nil, fmt.Errorf("build image %s: %w", img.Ref, err)
	}
	ins, err := cli.ImageInspect(ctx, img.Ref)
	if err != nil {
		return nil, fmt.Errorf("image %s after build: %w", img.Ref, err)
	}
	img.ID, img.Built = ins.ID, true
	pruneSuperseded(ctx, cli, repo, img.ID)
	return img, nil
}

// pruneSuperseded removes the images of repo that an earlier build made
// and no container uses: each build of changed code is a new image, and
// without this every rebuild would leave its predecessor behind. Removing
// by ID without force leaves an image that a container, even a stopped
// one, still has, or that carries a tag of someone else's; such failures
// only leave an image there, so they are not errors.
func pruneSuperseded(ctx context.Context, cli client.APIClient, repo, keep string) {
	imgs, err := cli.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(
		filters.Arg("reference", repo), filters.Arg("label", LabelManaged+"=true"))})
	if err != nil {
		return
	}
	for _, im := range imgs {
		if im.ID != keep {
			_, _ = cli.ImageRemove(ctx, im.ID, image.RemoveOptions{PruneChildren: true})
		}
	}
}

// tagLatest points repo:latest at img when it points elsewhere.
func tagLatest(ctx context.Context, cli client.APIClient, img *Image, repo string) error {
	latest := repo + ":latest"
	if ins, err := cli.ImageInspect(ctx, latest); err == nil && ins.ID == img.ID {
		return nil
	}
	if err := cli.ImageTag(ctx, img.Ref, latest); err != nil {
		return fmt.Errorf("tag %s as %s: %w", img.Ref, latest, err)
	}
	return nil
}

// checkStatic refuses a binary that needs a dynamic loader: there is none
// in a FROM scratch image, and the container would die with "no such file".
func checkStatic(path string, bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is linked dynamically and cannot run FROM scratch; "+
				"build it with CGO_ENABLED=0 (make build)", path)
		}
	}
	return nil
}

// buildContext is the tar the engine builds from: the Dockerfile and the
// binary, nothing else.
func buildContext(dockerfile, name string, bin []byte) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(dockerfile)},
		{name, 0o755, bin},
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}

// MissingImageError says that a service's image is not on the engine and
// honoctl can neither build nor pull it.
type MissingImageError struct {
	Service, Image string
	// PullErr is why a pull failed; nil when none was tried.
	PullErr error
}

func (e *MissingImageError) Error() string {
	msg := fmt.Sprintf("image %s of service %s is not on the Docker engine", e.Image, e.Service)
	switch {
	case isLocal(e.Image):
		return msg + "; honoctl builds it from its binary (make build)"
	case e.PullErr != nil:
		msg += fmt.Sprintf(" and pulling it failed (%v)", e.PullErr)
	default:
		msg += " and was not pulled"
	}
	return msg + ": without registry access, docker save it on a machine that has it and docker load it " +
		"here, or render the local stand-ins with --images sim"
}

func (e *MissingImageError) Unwrap() error { return e.PullErr }

// isLocal tells the images honoctl builds, which no registry has.
func isLocal(image string) bool { return strings.HasPrefix(image, "honoctl/") }

// pull fetches image from its registry.
func (e *Engine) pull(ctx context.Context, ref string, pr Progress) error {
	name := "image " + ref
	pr.Event(Event{Name: name, Step: StepBuilding, Detail: "pulling"})
	rc, err := e.cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(rc, io.Discard, 0, false, nil); err != nil {
		return err
	}
	pr.Event(Event{Name: name, Step: StepBuilt, Detail: "pulled"})
	return nil
}

// isMissing tells whether err says that an image is not there.
func isMissing(err error) bool {
	return cerrdefs.IsNotFound(err) || errors.Is(err, os.ErrNotExist)
}
