package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/honoctl/honoctl/internal/atomicfile"
)

// FileName is the file in a stack folder that lists the breakages the
// stack runs with, so that status and check can say so.
const FileName = "breaks.json"

// Record adds applied breakages to dir/breaks.json; a breakage applied
// again to the same target replaces its entry.
func Record(dir string, applied ...Applied) error {
	have, err := Load(dir)
	if err != nil {
		return err
	}
	for _, a := range applied {
		kept := have[:0]
		for _, h := range have {
			if h.Spec() != a.Spec() {
				kept = append(kept, h)
			}
		}
		have = append(kept, a)
	}
	return atomicfile.WriteJSON(filepath.Join(dir, FileName), have, 0o644)
}

// Load reads the breakages recorded in dir; none when there is no
// breaks.json.
func Load(dir string) ([]Applied, error) {
	var out []Applied
	if _, err := atomicfile.ReadJSON(filepath.Join(dir, FileName), &out); err != nil {
		return nil, fmt.Errorf("%w (delete it; honoctl up restores the stack)", err)
	}
	return out, nil
}

// Clear removes dir/breaks.json, once the healthy files are back.
func Clear(dir string) error {
	err := os.Remove(filepath.Join(dir, FileName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", FileName, err)
	}
	return nil
}

// Forget drops from dir/breaks.json the breakages of stage, whose files
// honoctl certs (or render) has just written afresh.
func Forget(dir string, stage Stage) error {
	have, err := Load(dir)
	if err != nil || len(have) == 0 {
		return err
	}
	var kept []Applied
	for _, a := range have {
		if s, ok := Lookup(a.Scenario); ok && s.Stage != stage {
			kept = append(kept, a)
		}
	}
	if err := Clear(dir); err != nil || len(kept) == 0 {
		return err
	}
	return Record(dir, kept...)
}
