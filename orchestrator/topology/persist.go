package topology

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/honoctl/honoctl/internal/atomicfile"
)

// FileName is the file in a stack folder that records the options the stack
// was rendered with, so that up, check and the rest act on the same
// topology without re-reading flags.
const FileName = "topology.json"

// Save writes the options to dir/topology.json, atomically.
func (o Options) Save(dir string) error {
	if err := atomicfile.WriteJSON(filepath.Join(dir, FileName), o, 0o644); err != nil {
		return fmt.Errorf("save topology: %w", err)
	}
	return nil
}

// ErrNotRendered says a stack folder has no topology.json yet.
var ErrNotRendered = errors.New("no topology recorded: run honoctl render (or honoctl up) first")

// Load reads the options recorded in dir and builds the topology from them.
func Load(dir string) (*Topology, error) {
	path := filepath.Join(dir, FileName)
	var o Options
	found, err := atomicfile.ReadJSON(path, &o)
	if err != nil {
		return nil, fmt.Errorf("load topology: %w (re-render with honoctl render)", err)
	}
	if !found {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRendered)
	}
	t, err := New(o)
	if err != nil {
		return nil, fmt.Errorf("load topology %s: %w", path, err)
	}
	return t, nil
}
