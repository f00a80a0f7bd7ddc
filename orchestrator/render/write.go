package render

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/honoctl/honoctl/internal/atomicfile"
)

// modeOf is the permission of a rendered file: 0600 for anything holding a
// password or a signing secret, 0644 for the rest.
func modeOf(f File) fs.FileMode {
	switch {
	case f.Seed, strings.HasSuffix(f.Path, ".credentials"),
		strings.HasSuffix(f.Path, PermissionsFile),
		// They hold the registration assertion's signing secret.
		strings.HasSuffix(f.Path, "hono-service-device-registry-config.yml"),
		strings.HasSuffix(f.Path, "hono-service-messaging-config.yml"):
		return 0o600
	}
	return 0o644
}

// Write puts the stack's files into dir. Every file is staged next to its
// destination first and renamed into place only when all are staged, so a
// failure leaves the previous render whole. Seed files that exist are kept:
// the Device Registry owns them once it runs.
func (s *Stack) Write(dir string) (err error) {
	type staged struct{ tmp, dst string }
	var done []staged
	defer func() {
		if err != nil {
			for _, st := range done {
				os.Remove(st.tmp)
			}
		}
	}()

	for _, f := range s.Files {
		dst := filepath.Join(dir, filepath.FromSlash(f.Path))
		if f.Seed {
			if _, err := os.Stat(dst); err == nil {
				continue
			}
		}
		if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
			return fmt.Errorf("write %s: a folder is in the way of the file", dst)
		}
		dirMode := fs.FileMode(0o755)
		if f.Seed {
			dirMode = 0o700
		}
		if err := os.MkdirAll(filepath.Dir(dst), dirMode); err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
		tmp, err := stage(dst, f.Data, modeOf(f))
		if err != nil {
			return err
		}
		done = append(done, staged{tmp, dst})
	}
	if ext := s.extensionsDir; ext != "" {
		// An empty extensions folder means the JDK engine; it must exist
		// for the bind mount.
		if !filepath.IsAbs(ext) {
			ext = filepath.Join(dir, filepath.FromSlash(ext))
		}
		if err := os.MkdirAll(ext, 0o755); err != nil {
			return fmt.Errorf("write %s: %w", ext, err)
		}
	}
	for i, st := range done {
		if err := os.Rename(st.tmp, st.dst); err != nil {
			for _, rest := range done[i:] {
				os.Remove(rest.tmp)
			}
			done = nil
			return fmt.Errorf("write %s: %w", st.dst, err)
		}
	}
	return nil
}

// stage writes data to a temporary file beside dst and syncs it.
func stage(dst string, data []byte, mode fs.FileMode) (string, error) {
	return atomicfile.Stage(dst, data, mode)
}
