package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/honoctl/honoctl/internal/atomicfile"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// configFile is a service's rendered Hono YAML, relative to the stack
// folder.
func configFile(s string) string { return filepath.Join("config", s+"-config.yml") }

// routerFile is the Dispatch Router's rendered configuration.
var routerFile = filepath.Join("config", "qdrouterd.json")

// editYAML changes service svc's Hono YAML through a round trip of its
// node tree, which keeps the comments and order of the rendered file.
func (e *env) editYAML(svc string, edit func(root *yaml.Node) error, detail string) error {
	rel := configFile(svc)
	path := filepath.Join(e.dir, rel)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w (render the stack first)", path, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: not a YAML mapping", path)
	}
	if err := edit(doc.Content[0]); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return err
	}
	e.touched(rel, detail)
	return nil
}

// lookup returns the mapping node at the dotted path, creating the
// mappings on the way when create is set.
func lookup(m *yaml.Node, path string, create bool) *yaml.Node {
	for _, k := range strings.Split(path, ".") {
		next := value(m, k)
		if next == nil {
			if !create {
				return nil
			}
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, next)
		}
		m = next
	}
	return m
}

func value(m *yaml.Node, key string) *yaml.Node {
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

// set gives key of the mapping at block the value v: a string, a bool, an
// int or a list of strings.
func set(root *yaml.Node, block, key string, v any) error {
	m := lookup(root, block, true)
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("%s is not a mapping", block)
	}
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return fmt.Errorf("%s.%s: %w", block, key, err)
	}
	if old := value(m, key); old != nil {
		*old = n
		return nil
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, &n)
	return nil
}

// unset removes keys from the mapping at block; it says whether any was
// there.
func unset(root *yaml.Node, block string, keys ...string) bool {
	m := lookup(root, block, false)
	if m == nil {
		return false
	}
	found := false
	for i := 0; i+1 < len(m.Content); {
		k := m.Content[i].Value
		drop := false
		for _, want := range keys {
			drop = drop || k == want
		}
		if drop {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			found = true
			continue
		}
		i += 2
	}
	return found
}

// stringAt is the string at block.key, or "".
func stringAt(root *yaml.Node, block, key string) string {
	if n := value(lookup(root, block, false), key); n != nil {
		return n.Value
	}
	return ""
}

// serverBlock is the prefix of a Hono service's server settings (facts
// sheet, section 3).
func serverBlock(s topology.Service) (string, bool) {
	b, ok := map[topology.Role]string{
		topology.RoleAuth:        "hono.auth.amqp",
		topology.RoleRegistry:    "hono.registry.amqp",
		topology.RoleMessaging:   "hono.messaging",
		topology.RoleHTTPAdapter: "hono.http",
		topology.RoleMQTTAdapter: "hono.mqtt",
		topology.RoleKuraAdapter: "hono.kura",
	}[s.Role]
	return b, ok
}

// clientBlocks are the prefixes under which link l's client keeps its
// connection settings; the router's is in qdrouterd.json, not here.
func (e *env) clientBlocks(l topology.Link) []string {
	client := e.top.MustService(l.Client)
	server := e.top.MustService(l.Server)
	switch {
	case client.Role == topology.RoleRouter:
		return nil
	case server.Role == topology.RoleAuth:
		return []string{"hono.auth"}
	case client.Role == topology.RoleMessaging:
		return []string{"hono.downstream"}
	case server.Role == topology.RoleRegistry:
		return []string{"hono.registration", "hono.credentials", "hono.tenant"}
	}
	return []string{"hono.messaging"}
}

// editRouter changes qdrouterd.json, a list of [type, attributes] pairs.
func (e *env) editRouter(edit func(entries [][2]any) error, detail string) error {
	path := filepath.Join(e.dir, routerFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w (render the stack first)", path, err)
	}
	var raw [][2]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := edit(raw); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	out, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := atomicfile.Write(path, append(out, '\n'), 0o644); err != nil {
		return err
	}
	e.touched(routerFile, detail)
	return nil
}

// routerListener returns the attributes of the router's listener on port.
func routerListener(entries [][2]any, port int) (map[string]any, error) {
	for _, en := range entries {
		attrs, ok := en[1].(map[string]any)
		if en[0] != "listener" || !ok {
			continue
		}
		if p, _ := attrs["port"].(float64); int(p) == port {
			return attrs, nil
		}
	}
	return nil, fmt.Errorf("no listener on port %d", port)
}
