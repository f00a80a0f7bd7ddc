// Compose's own engine (docker/compose v5 through testcontainers-go's
// modules/compose) is a peer we did not write: it must bring up the
// rendered compose.yaml alone, healthy. go.mod pins docker/compose/v5 at
// v5.6.0, the first that compiles against compose-go v2.16.2.
package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go/modules/compose"

	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
)

// TestComposeRunsRenderedSimStack brings the rendered sim stack up with
// Compose's own engine (testcontainers-go's modules/compose), from
// compose.yaml alone, and waits for every service to be healthy: the file
// is right for Compose, not only for honoctl up.
func TestComposeRunsRenderedSimStack(t *testing.T) {
	e := needDocker(t)
	for _, kind := range []string{imageHonoSim} {
		t.Run(kind, func(t *testing.T) { composeUp(t, e, kind) })
	}
}

func composeUp(t *testing.T, e *engine.Engine, kind string) {
	s := newStack(t, e)
	s.renderSim(freeOffset(t, simPorts()))
	s.useImage(kind)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := compose.NewDockerComposeWith(
		compose.WithStackFiles(filepath.Join(s.dir, render.ComposeFile)),
		compose.StackIdentifier(s.project))
	if err != nil {
		t.Fatalf("compose: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Down(context.Background(), compose.RemoveOrphans(true), compose.RemoveVolumes(true)); err != nil {
			t.Errorf("compose down: %v", err)
		}
	})
	if err := c.Up(ctx, compose.Wait(true)); err != nil {
		t.Fatalf("compose up: %v", err)
	}

	st, err := e.Status(ctx, s.project)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Services) != len(c.Services()) {
		t.Errorf("%d containers for %d services", len(st.Services), len(c.Services()))
	}
	for _, svc := range st.Services {
		if !svc.Ready() {
			t.Errorf("%s under Compose: %s %s", svc.Service, svc.State, svc.Health)
		}
	}
}
