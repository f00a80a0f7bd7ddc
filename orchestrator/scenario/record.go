package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	data, err := json.MarshalIndent(have, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", FileName, err)
	}
	return writeFile(filepath.Join(dir, FileName), append(data, '\n'), 0o644)
}

// Load reads the breakages recorded in dir; none when there is no
// breaks.json.
func Load(dir string) ([]Applied, error) {
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var out []Applied
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: %w (delete it; honoctl up restores the stack)", path, err)
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
