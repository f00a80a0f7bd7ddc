//go:build !unix

package render

import "github.com/honoctl/honoctl/orchestrator/topology"

// SimUser is the user hono-sim's image runs as.
const SimUser = 65532

// KeyUser returns "": Docker Desktop's file sharing does not keep Unix
// owners, so the image's own user reads the keys.
func KeyUser(dir string, t *topology.Topology) (string, error) { return "", nil }
