package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
)

func TestBuildImage(t *testing.T) {
	e := mustEngine(t)
	first := mustPingerImage(t, e)
	again := mustPingerImage(t, e)
	if again.Built || again.ID != first.ID || again.Ref != first.Ref {
		t.Errorf("second build of the same binary: %+v, first %+v; want the same image, not built", again, first)
	}
	ins, err := e.cli.ImageInspect(context.Background(), testRepo+":latest")
	if err != nil {
		t.Fatal(err)
	}
	if ins.ID != first.ID || ins.Config.User != ImageUser || ins.Config.Labels[LabelManaged] != "true" {
		t.Errorf("image: id %s, user %q, labels %v", ins.ID, ins.Config.User, ins.Config.Labels)
	}
	if len(ins.RootFS.Layers) != 1 {
		t.Errorf("image has %d layers; want the binary's alone", len(ins.RootFS.Layers))
	}
	// No shell: a command that needs one cannot start.
	ctx := context.Background()
	c, err := e.cli.ContainerCreate(ctx, &container.Config{Image: first.Ref, Entrypoint: []string{"/bin/sh", "-c", "true"}},
		nil, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}) })
	if err := e.cli.ContainerStart(ctx, c.ID, container.StartOptions{}); err == nil {
		t.Errorf("/bin/sh started in the image; want no shell")
	}
}

// TestBuildImagePrunesSuperseded: a build of changed content removes the
// image the previous build made, unless a container still has it.
func TestBuildImagePrunesSuperseded(t *testing.T) {
	e := mustEngine(t)
	ctx := context.Background()
	const repo = "honoctl-test/prune"
	bin, err := os.ReadFile(mustPingerBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	// Bytes after an ELF's sections change the content, not the program.
	build := func(n int) *Image {
		t.Helper()
		path := filepath.Join(t.TempDir(), "pinger")
		if err := os.WriteFile(path, append(slices.Clone(bin), make([]byte, n)...), 0o755); err != nil {
			t.Fatal(err)
		}
		img, err := BuildImage(ctx, e.Client(), path, repo)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.cli.ImageRemove(ctx, img.ID, image.RemoveOptions{Force: true}) })
		return img
	}
	exists := func(ref string) bool {
		_, err := e.cli.ImageInspect(ctx, ref)
		return err == nil
	}

	first := build(1)
	// A stopped container keeps its image.
	c, err := e.cli.ContainerCreate(ctx, &container.Config{Image: first.Ref}, nil, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	second := build(2)
	if !exists(first.Ref) {
		t.Errorf("%s was removed while a container has it", first.Ref)
	}
	if err := e.cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	third := build(3)
	if exists(first.Ref) || exists(second.Ref) {
		t.Errorf("after a third build: %s there %v, %s there %v; want both removed",
			first.Ref, exists(first.Ref), second.Ref, exists(second.Ref))
	}
	if ins, err := e.cli.ImageInspect(ctx, repo+":latest"); err != nil || ins.ID != third.ID {
		t.Errorf("%s:latest is not the third build: %v", repo, err)
	}
}
