// Package atomicfile writes files so that a reader sees the old content or
// the new, never half of it: a service reading its key, docker compose
// reading compose.yaml, a script reading a report.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Stage writes data with mode to a hidden temporary file beside path,
// synced to disk, and returns its name; renaming it over path commits it.
// On error nothing is left behind.
func Stage(path string, data []byte, mode fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	// NOTE: the mode is set before any byte is written, so a key is never
	// readable by others, not even for a moment.
	merr := f.Chmod(mode)
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(merr, werr, serr, cerr); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return f.Name(), nil
}

// Write puts data at path with mode, through Stage and a rename.
func Write(path string, data []byte, mode fs.FileMode) error {
	tmp, err := Stage(path, data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
