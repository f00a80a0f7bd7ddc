package render

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// header opens every rendered compose file.
const header = `# Rendered by "honoctl render" from the topology; re-render instead of editing.
#
# With plain Docker Compose, from this folder:
#   honoctl certs --dir .          # the PKI in ./certs, if not there yet
#   docker compose -p hono up -d   # or: docker-compose -p hono up -d
#   docker compose -p hono ps      # all services healthy in seconds (sim)
#   docker compose -p hono down
# The sim flavor runs the local image honoctl/hono-sim:latest ("honoctl up"
# builds it). Every path is relative to this file; keys are mounted read-only
# one file each, and a container reads its key only as the key's owner:
# render with --user UID:GID (or run as that user) when they differ.
`

const swarmHeader = `# Rendered by "honoctl render --target swarm"; re-render instead of editing.
#
# For a swarm, as Hono 0.7's swarm_deploy.sh ran it (from this folder):
#   docker swarm init              # once, on a single node
#   docker stack deploy --resolve-image never -c compose.yaml hono
#   docker stack rm hono
# Files become swarm secrets under /run/secrets; secrets cannot change while
# a stack uses them: remove the stack before deploying changed files.
# --resolve-image never runs the images the node has (hono-sim is built
# locally, no registry knows it).
# Services resolve by DNS (endpoint_mode: dnsrr) and publish their ports on
# the node (mode: host), on every interface: neither needs the kernel's IPVS.
`

// marshal writes the project as a compose file that both compose-go and
// Debian's docker-compose 1.29 accept. A swarm file keeps the version key,
// because docker stack deploy still reads the v3 format by it.
func marshal(p *types.Project, target Target) ([]byte, error) {
	body, err := p.MarshalYAML()
	if err != nil {
		return nil, fmt.Errorf("compose file: %w", err)
	}
	if body, err = compat(body); err != nil {
		return nil, fmt.Errorf("compose file: %w", err)
	}
	var b bytes.Buffer
	if target == TargetSwarm {
		b.WriteString(swarmHeader)
		b.WriteString("version: \"3.8\"\n")
	} else {
		b.WriteString(header)
	}
	b.Write(body)
	return b.Bytes(), nil
}

// compat rewrites what compose-go writes and older readers reject, without
// changing its meaning: depends_on's "required: true" (the default) goes;
// ports bound to a host address take the short form
// "127.0.0.1:8443:8443/tcp", since docker-compose 1.29's long form has no
// host_ip; and a published port is written as a number, as docker stack
// deploy's v3 schema wants.
func compat(body []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	services := child(doc.Content[0], "services")
	for i := 1; services != nil && i < len(services.Content); i += 2 {
		dropRequired(child(services.Content[i], "depends_on"))
		shortPorts(child(services.Content[i], "ports"))
		numericModes(child(services.Content[i], "secrets"))
		svc := services.Content[i]
		mebibytes(child(svc, "mem_limit"))
		mebibytes(child(child(child(child(svc, "deploy"), "resources"), "limits"), "memory"))
	}
	var b bytes.Buffer
	enc := newEncoder(&b)
	if err := enc.Dump(&doc); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

func dropRequired(deps *yaml.Node) {
	for j := 1; deps != nil && j < len(deps.Content); j += 2 {
		dep := deps.Content[j]
		for k := 0; k+1 < len(dep.Content); k += 2 {
			if dep.Content[k].Value == "required" && dep.Content[k+1].Value == "true" {
				dep.Content = append(dep.Content[:k], dep.Content[k+2:]...)
				break
			}
		}
	}
}

func shortPorts(ports *yaml.Node) {
	for i := 0; ports != nil && i < len(ports.Content); i++ {
		p := ports.Content[i]
		ip := child(p, "host_ip")
		if ip == nil {
			// docker stack deploy's v3 schema wants the number a number.
			if pub := child(p, "published"); pub != nil {
				pub.Tag, pub.Style = "!!int", 0
			}
			continue
		}
		host := ip.Value
		if strings.Contains(host, ":") {
			host = "[" + host + "]" // an IPv6 address
		}
		short := fmt.Sprintf("%s:%s:%s/%s", host, child(p, "published").Value,
			child(p, "target").Value, child(p, "protocol").Value)
		ports.Content[i] = &yaml.Node{Kind: yaml.ScalarNode, Value: short, Style: yaml.DoubleQuotedStyle}
	}
}

// numericModes writes a secret's mode as a number: compose-go quotes it
// ("0400"), which docker stack deploy's schema rejects. Decimal reads the
// same in YAML 1.1 and 1.2; the octal form goes into a comment.
func numericModes(secrets *yaml.Node) {
	for i := 0; secrets != nil && i < len(secrets.Content); i++ {
		m := child(secrets.Content[i], "mode")
		if m == nil {
			continue
		}
		n, err := strconv.ParseUint(m.Value, 8, 32)
		if err != nil {
			continue
		}
		m.Value, m.Tag, m.Style = strconv.FormatUint(n, 10), "!!int", 0
		m.LineComment = "# " + fmt.Sprintf("%#o", n)
	}
}

// mebibytes writes a memory size in whole MiB as "196m", the way Hono's
// swarm script gave it, instead of compose-go's byte count.
func mebibytes(n *yaml.Node) {
	if n == nil {
		return
	}
	b, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil || b%(1<<20) != 0 {
		return
	}
	n.Value, n.Style = strconv.FormatInt(b>>20, 10)+"m", 0
}

// child is the value of key in mapping node m, or nil.
func child(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// validate loads the rendered file with compose-go, the loader docker
// compose itself uses, so that a file it would reject is never written.
func validate(data []byte, project string) error {
	// compose-go warns through a global logger that "version" is obsolete;
	// it is there for docker stack deploy, so it is left out of the check.
	data = bytes.Replace(data, []byte("\nversion: \"3.8\"\n"), []byte("\n"), 1)
	details := types.ConfigDetails{
		WorkingDir:  "/nonexistent/hono-stack",
		ConfigFiles: []types.ConfigFile{{Filename: ComposeFile, Content: data}},
		Environment: types.Mapping{},
	}
	_, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName(project, true)
		o.SkipResolveEnvironment = true
	})
	if err != nil {
		return fmt.Errorf("rendered %s rejected by compose-go: %w", ComposeFile, err)
	}
	return nil
}

// newEncoder writes YAML as people write it: two-space indents and long
// strings (a health check's shell line) on one line, never folded.
func newEncoder(w io.Writer) *yaml.Dumper {
	// NOTE: the options are constants; NewDumper fails only on bad ones.
	d, err := yaml.NewDumper(w, yaml.WithV3Defaults(), yaml.WithIndent(2), yaml.WithLineWidth(-1))
	if err != nil {
		panic("render: yaml options: " + err.Error())
	}
	return d
}
