package main

import (
	"fmt"

	"context"
	"github.com/honoctl/honoctl/orchestrator/check"
	"path/filepath"
	"slices"

	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// probeFiles lists the files of the stack folder the in-network probe reads,
// relative to it: the topology, the trust bundle and the key pairs of the
// services whose links present a client certificate. NOTE: never a CA key;
// the probe container gets these files one by one, read-only.
func probeFiles(top *topology.Topology) []string {
	files := []string{topology.FileName, filepath.Join(render.CertsDir, render.TrustedCerts)}
	for _, l := range top.Links {
		if !l.TLS || !l.ClientCert {
			continue
		}
		s, ok := top.Service(l.Client)
		if !ok {
			continue
		}
		for _, f := range []string{s.KeyFile(), s.CertFile()} {
			p := filepath.Join(render.CertsDir, f)
			if !slices.Contains(files, p) {
				files = append(files, p)
			}
		}
	}
	return files
}

// probeInNetwork runs the in-network probes in a container of the honoctl
// image on the stack network and returns their findings.
func probeInNetwork(ctx context.Context, dir, project string, top *topology.Topology) ([]check.Finding, error) {
	return nil, fmt.Errorf("the honoctl probe image is not available yet; use --from host")
}
