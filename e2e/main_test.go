package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/honoctl/honoctl/orchestrator/engine"
)

// TestMain refuses to run without a Docker engine: an end-to-end suite
// that skips silently is a suite that passes without testing anything.
func TestMain(m *testing.M) {
	flag.Parse()
	// Its reaper image cannot be pulled here; our tests clean up themselves.
	os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	if !testing.Short() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		e, err := engine.Connect(ctx)
		cancel()
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: these tests need a running Docker engine: %v\n"+
				"e2e: honoctl tried DOCKER_HOST (%q) or else /var/run/docker.sock; "+
				"start Docker (sudo systemctl start docker) or run go test -short to skip them\n",
				err, os.Getenv("DOCKER_HOST"))
			os.Exit(1)
		}
		e.Close()
	}
	code := m.Run()
	removeBinaries()
	os.Exit(code)
}
