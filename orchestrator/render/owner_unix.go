//go:build unix

package render

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// SimUser is the user hono-sim's image runs as.
const SimUser = 65532

// KeyUser returns the "uid:gid" a container must run as to read the
// stack's private keys, or "" when the image's own user (SimUser) can: keys
// are 0600 and a bind mount keeps their host owner. It looks at the files'
// owner and mode only.
func KeyUser(dir string, t *topology.Topology) (string, error) {
	for _, s := range t.Services {
		p := filepath.Join(dir, CertsDir, s.KeyFile())
		fi, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("certificate file %s: %w", p, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok || st.Uid == SimUser || fi.Mode().Perm()&0o004 != 0 {
			continue
		}
		return fmt.Sprintf("%d:%d", st.Uid, st.Gid), nil
	}
	return "", nil
}
