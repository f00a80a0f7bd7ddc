// Package engine runs a rendered stack through the Docker Engine API: it
// builds the local images, creates the network, volumes and containers of
// the stack's compose.yaml with Compose's own labels, starts them in
// dependency order, waits for their health and takes them down again.
//
// It never decides what runs: render does, and engine reads what render
// wrote. It never prints: progress goes to a Progress the caller gives.
package engine

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/docker/docker/client"
)

// Engine is a connection to a Docker Engine that answered a ping.
type Engine struct {
	cli *client.Client
}

// NoEngineError says that no Docker Engine answered, and where honoctl
// looked for one.
type NoEngineError struct {
	// Host is the address tried: DOCKER_HOST or the default socket.
	Host string
	// FromEnv is true when Host came from DOCKER_HOST.
	FromEnv bool
	Err     error
}

func (e *NoEngineError) Error() string {
	where := e.Host + " (the default socket; set DOCKER_HOST to use another engine)"
	if e.FromEnv {
		where = e.Host + " (from DOCKER_HOST)"
	}
	return fmt.Sprintf("no Docker engine at %s: %v; start Docker (sudo systemctl start docker, "+
		"or dockerd &) or point DOCKER_HOST at a running engine", where, e.Err)
}

func (e *NoEngineError) Unwrap() error { return e.Err }

// Connect reaches the Docker Engine of the environment (DOCKER_HOST,
// DOCKER_API_VERSION, DOCKER_CERT_PATH) and pings it. The API version is
// negotiated: Docker 20.10 speaks 1.41, older than this client's default.
func Connect(ctx context.Context) (*Engine, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, &NoEngineError{Host: os.Getenv(client.EnvOverrideHost),
			FromEnv: os.Getenv(client.EnvOverrideHost) != "", Err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx); err != nil {
		cli.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &NoEngineError{Host: cli.DaemonHost(),
			FromEnv: os.Getenv(client.EnvOverrideHost) != "", Err: err}
	}
	// NOTE: the ping negotiated the version; later calls use it.
	return &Engine{cli: cli}, nil
}

// Client is the Docker API client, for what this package does not wrap.
func (e *Engine) Client() *client.Client { return e.cli }

// Close releases the connection.
func (e *Engine) Close() error { return e.cli.Close() }
