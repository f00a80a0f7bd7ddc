package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// ComposeFile is the file of the stack folder that engine runs.
const ComposeFile = "compose.yaml"

// Compose's labels, which docker compose (v2) and docker-compose (1.29) use
// to find a project's containers, networks and volumes.
const (
	LabelProject     = "com.docker.compose.project"
	LabelService     = "com.docker.compose.service"
	LabelNumber      = "com.docker.compose.container-number"
	LabelOneoff      = "com.docker.compose.oneoff"
	LabelConfigHash  = "com.docker.compose.config-hash"
	LabelWorkingDir  = "com.docker.compose.project.working_dir"
	LabelConfigFiles = "com.docker.compose.project.config_files"
	LabelDependsOn   = "com.docker.compose.depends_on"
	LabelImage       = "com.docker.compose.image"
	LabelVersion     = "com.docker.compose.version"
	LabelNetwork     = "com.docker.compose.network"
	LabelVolume      = "com.docker.compose.volume"
)

// composeVersion goes into the version label; docker compose only shows it.
const composeVersion = "2.20.0"

// Load reads dir/compose.yaml with compose-go's loader, as docker compose
// would with -p name: relative paths resolved against dir, variables from
// the environment. A file rendered for a swarm is refused: Up cannot run
// it.
func Load(ctx context.Context, dir, name string) (*types.Project, error) {
	p, err := LoadFile(ctx, dir, name)
	if err != nil {
		return nil, err
	}
	// A swarm's file hands files over as secrets and configs, which only a
	// swarm provides; honoctl up would run the services without them.
	if IsSwarm(p) {
		return nil, fmt.Errorf("%s is rendered for a swarm (docker stack deploy); "+
			"render it with --target compose to run it with honoctl up", p.ComposeFiles[0])
	}
	return p, nil
}

// IsSwarm tells whether the project hands its files over as swarm secrets
// or configs: it is for docker stack deploy.
func IsSwarm(p *types.Project) bool {
	for _, s := range p.Services {
		if len(s.Secrets)+len(s.Configs) > 0 {
			return true
		}
	}
	return false
}

// LoadFile is Load for a file of either target: what a stack looks like,
// for the commands that look at a running one (status, check).
func LoadFile(ctx context.Context, dir, name string) (*types.Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(abs, ComposeFile)
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no %s in %s: render the stack first (honoctl render --dir %s)",
			ComposeFile, dir, dir)
	}
	if err != nil {
		return nil, err
	}
	details := types.ConfigDetails{
		WorkingDir:  abs,
		ConfigFiles: []types.ConfigFile{{Filename: file, Content: data}},
		Environment: environment(),
	}
	p, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName(name, true)
	})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	// NOTE: loading from ConfigDetails leaves ComposeFiles empty; docker
	// compose ls shows them from the label they go into.
	p.ComposeFiles = []string{file}
	return p, nil
}

func environment() types.Mapping {
	env := types.Mapping{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// ContainerName is the name Compose gives the first container of a service.
func ContainerName(p *types.Project, service string) string {
	if s, ok := p.Services[service]; ok && s.ContainerName != "" {
		return s.ContainerName
	}
	return p.Name + "-" + service + "-1"
}
