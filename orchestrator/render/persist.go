package render

import (
	"fmt"
	"path/filepath"

	"github.com/honoctl/honoctl/internal/atomicfile"
)

// OptionsFile records, beside topology.json, the options a stack folder
// was rendered with, so that a stack restored after --break is rendered
// as before and not with the defaults of whatever command restores it.
const OptionsFile = "render.json"

// recorded is what OptionsFile holds: the choices of the render flags.
// The project name follows the folder unless Render chose another (a
// swarm stack's shorter name); the shared secret is never written down.
type recorded struct {
	Target        Target     `json:"target"`
	Extensions    Extensions `json:"extensions"`
	ExtensionsDir string     `json:"extensionsDir"`
	User          string     `json:"user,omitempty"`
	Project       string     `json:"project,omitempty"`
}

// Save writes the options' target, extensions, user and a project name
// other than the folder's to dir/render.json, atomically.
func (o Options) Save(dir string) error {
	r := recorded{Target: o.Target, Extensions: o.Extensions, ExtensionsDir: o.ExtensionsDir, User: o.User}
	if o.ProjectName != ProjectName(dir) {
		r.Project = o.ProjectName
	}
	if err := atomicfile.WriteJSON(filepath.Join(dir, OptionsFile), r, 0o644); err != nil {
		return fmt.Errorf("save render options: %w", err)
	}
	return nil
}

// LoadOptions reads the options recorded in dir, with the project name
// recorded or else the folder's; a folder rendered before they were
// recorded gets the defaults, which is what it was rendered with unless
// flags said otherwise.
func LoadOptions(dir string) (Options, error) {
	o := Options{ProjectName: ProjectName(dir)}
	path := filepath.Join(dir, OptionsFile)
	var r recorded
	found, err := atomicfile.ReadJSON(path, &r)
	if err != nil {
		return o, fmt.Errorf("load render options: %w (re-render with honoctl render)", err)
	}
	if !found {
		return o, nil
	}
	o.Target, o.Extensions, o.ExtensionsDir, o.User = r.Target, r.Extensions, r.ExtensionsDir, r.User
	if r.Project != "" {
		o.ProjectName = r.Project
	}
	if _, err := o.withDefaults(); err != nil {
		return o, fmt.Errorf("load render options %s: %w (re-render with honoctl render)", path, err)
	}
	return o, nil
}
