package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/engine"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// probeFiles lists the files of the stack folder the in-network probe reads,
// relative to it: the topology, the trust bundle and the key pairs of the
// services whose links present a client certificate, and what the AMQP
// probes read (configuration, credentials files, the Auth Server's
// certificate). NOTE: never a CA key; the probe container gets these files
// one by one, read-only.
func probeFiles(st *check.Stack) ([]string, error) {
	top := st.Top
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
	amqpFiles, err := check.AMQPFiles(st, check.InNetwork)
	if err != nil {
		return nil, err
	}
	for _, f := range amqpFiles {
		if !slices.Contains(files, f) {
			files = append(files, f)
		}
	}
	return files, nil
}

// probeInNetwork runs the in-network probes in a container of the honoctl
// image on the stack network and returns their findings. The container
// gets the probe's files one by one, read-only, and runs as the services
// do, so it can read the keys the way they can.
func probeInNetwork(ctx context.Context, e *engine.Engine, st *check.Stack, project string) ([]check.Finding, error) {
	dir, top := st.Dir, st.Top
	probe, err := probeFiles(st)
	if err != nil {
		return nil, err
	}
	p, err := engine.LoadFile(ctx, dir, project)
	if err != nil {
		return nil, err
	}
	image, err := ensureProbeImage(ctx, e)
	if err != nil {
		return nil, err
	}
	net, ok := p.Networks[render.NetworkName]
	if !ok {
		return nil, fmt.Errorf("%s has no network %q to probe from", filepath.Join(dir, render.ComposeFile), render.NetworkName)
	}
	files := map[string]string{}
	for _, f := range probe {
		files[filepath.Join(dir, f)] = path.Join(probeDir, filepath.ToSlash(f))
	}
	user := ""
	if s, ok := p.Services[top.Services[0].Name]; ok {
		user = s.User
	}
	res, err := e.RunOneOff(ctx, p.Name, engine.OneOff{
		Image: image, Network: net.Name, User: user, Files: files,
		Cmd: []string{"probe", "--dir", probeDir}, Labels: map[string]string{engine.LabelService: "honoctl-probe"},
	})
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("the probe container ended with code %d: %s", res.ExitCode, engine.Tail(res.Stderr, 5))
	}
	var out struct {
		Findings []check.Finding `json:"findings"`
	}
	if err := json.Unmarshal(res.Stdout, &out); err != nil {
		return nil, fmt.Errorf("read the probe's findings: %w", err)
	}
	return out.Findings, nil
}

// probeDir is where the probe container finds its files.
const probeDir = "/stack"

// ensureProbeImage returns the image of this very binary, built when the
// engine lacks it. NOTE: the probe runs the binary's content-hash tag, not
// :latest, which another honoctl build on the same engine may have moved.
func ensureProbeImage(ctx context.Context, e *engine.Engine) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find honoctl's own binary: %w", err)
	}
	if filepath.Base(exe) != "honoctl" {
		// A test binary: the image up built from bin/honoctl.
		if _, err := e.Client().ImageInspect(ctx, selfRepo+":latest"); err != nil {
			return "", fmt.Errorf("no %s:latest image on the engine; run honoctl up first", selfRepo)
		}
		return selfRepo + ":latest", nil
	}
	img, err := engine.BuildImage(ctx, e.Client(), exe, selfRepo)
	if err != nil {
		return "", err
	}
	return img.Ref, nil
}

// runningServices returns the services of the stack whose container runs,
// and an error naming honoctl up when the engine keeps none going: there
// is nothing to check. A stack whose every service crashes and restarts
// is up, and checked: the probes say what answers, which is nothing.
func runningServices(ctx context.Context, e *engine.Engine, dir, project string) ([]string, error) {
	stack, err := e.Status(ctx, project)
	if err != nil {
		return nil, err
	}
	var running []string
	kept := false
	for _, s := range stack.Services {
		if s.State == "running" {
			running = append(running, s.Service)
		}
		kept = kept || s.Kept()
	}
	if !kept {
		return nil, fmt.Errorf("stack %s is not up: no container of project %s runs or restarts; start it with %s",
			dir, project, startCommand(dir, project))
	}
	return running, nil
}

// logFindings reads the log of every running service of the topology and
// judges it (check.LogFindings), leaving out what honoctl's probe runs
// caused.
func logFindings(ctx context.Context, e *engine.Engine, project string, top *topology.Topology, running []string,
	runs check.ProbeRuns) ([]check.Finding, error) {
	logs := map[string]string{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, s := range top.Services {
		if !slices.Contains(running, s.Name) {
			continue
		}
		g.Go(func() error {
			var buf bytes.Buffer
			if err := e.Logs(gctx, project, []string{s.Name}, &buf, engine.LogsOptions{Timestamps: true}); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			logs[s.Name] = buf.String()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return check.LogFindings(top, logs, runs), nil
}
