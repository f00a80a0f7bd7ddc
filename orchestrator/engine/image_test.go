package engine

import (
	"context"
	"testing"

	"github.com/docker/docker/api/types/container"
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
