package render

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// PKIFiles lists the files of dir/certs the stack mounts: every service's
// key and certificate, and the trust bundle. The CA keys are not among them.
func PKIFiles(t *topology.Topology) []string {
	files := []string{TrustedCerts}
	for _, s := range t.Services {
		files = append(files, s.KeyFile(), s.CertFile())
	}
	return files
}

// MissingPKIError names the certificate files a stack needs and lacks.
type MissingPKIError struct {
	Dir     string
	Missing []string
	// All is true when none of the files is there: no PKI at all.
	All bool
}

func (e *MissingPKIError) Error() string {
	certs := filepath.Join(e.Dir, CertsDir)
	if e.All {
		return fmt.Sprintf("no certificates in %s (want %s and each service's key and certificate); "+
			"create them with: honoctl certs --dir %s", certs, TrustedCerts, e.Dir)
	}
	return fmt.Sprintf("certificate files missing in %s: %s; create them with: honoctl certs --dir %s",
		certs, strings.Join(e.Missing, ", "), e.Dir)
}

// CheckPKI makes sure every certificate file the stack mounts exists under
// dir/certs. It only looks at the names: a private key is never opened.
func CheckPKI(dir string, t *topology.Topology) error {
	var missing []string
	for _, f := range PKIFiles(t) {
		p := filepath.Join(dir, CertsDir, f)
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, f)
		case err != nil:
			return fmt.Errorf("certificate file %s: %w", p, err)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("certificate file %s: not a regular file", p)
		}
	}
	if len(missing) > 0 {
		return &MissingPKIError{Dir: dir, Missing: missing, All: len(missing) == len(PKIFiles(t))}
	}
	return nil
}

// ProjectName is the Compose project name of the stack in dir: its folder's
// name, normalized as docker compose does ("hono-stack").
func ProjectName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	name := loader.NormalizeProjectName(filepath.Base(abs))
	if name == "" {
		return DefaultProjectName
	}
	return name
}

// DefaultProjectName names a stack whose folder gives no name, or too long
// a one for a swarm.
const DefaultProjectName = "hono"
