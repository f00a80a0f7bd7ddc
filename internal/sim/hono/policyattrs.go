package hono

import (
	"fmt"
	"strings"
)

// NewPolicy builds a Policy from the attributes of qdrouterd.json's
// "policy" entity (nil when there is none) and of its "vhost" entities,
// as a JSON decoder gives them.
func NewPolicy(policy map[string]any, vhosts []map[string]any) (*Policy, error) {
	p := &Policy{Vhosts: map[string]*Vhost{}}
	var err error
	if policy != nil {
		if p.MaxConnections, err = intAttr(policy, "maxConnections"); err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		if p.EnableVhostPolicy, err = boolField(policy, "enableVhostPolicy", false); err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		p.DefaultVhost = stringField(policy, "defaultVhost")
	}
	for i, attrs := range vhosts {
		v, err := newVhost(attrs)
		if err != nil {
			return nil, fmt.Errorf("vhost %d: %w", i, err)
		}
		if _, dup := p.Vhosts[v.Hostname]; dup {
			return nil, fmt.Errorf("vhost %s: defined twice", v.Hostname)
		}
		p.Vhosts[v.Hostname] = v
	}
	return p, nil
}

func newVhost(attrs map[string]any) (*Vhost, error) {
	// qdrouterd 1.x names a vhost by "hostname" (older: "id").
	v := &Vhost{Hostname: stringField(attrs, "hostname"), Groups: map[string]*VhostGroup{}}
	if v.Hostname == "" {
		v.Hostname = stringField(attrs, "id")
	}
	if v.Hostname == "" {
		return nil, fmt.Errorf("no hostname")
	}
	var err error
	for key, dst := range map[string]*int{
		"maxConnections":        &v.MaxConnections,
		"maxConnectionsPerUser": &v.MaxConnectionsPerUser,
		"maxConnectionsPerHost": &v.MaxConnectionsPerHost,
	} {
		if *dst, err = intAttr(attrs, key); err != nil {
			return nil, fmt.Errorf("%s: %w", v.Hostname, err)
		}
	}
	if v.AllowUnknownUser, err = boolField(attrs, "allowUnknownUser", false); err != nil {
		return nil, fmt.Errorf("%s: %w", v.Hostname, err)
	}
	groups, _ := attrs["groups"].(map[string]any)
	for name, ga := range groups {
		m, ok := ga.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: group %s is not an object", v.Hostname, name)
		}
		g, err := newGroup(name, m)
		if err != nil {
			return nil, fmt.Errorf("%s: group %s: %w", v.Hostname, name, err)
		}
		v.Groups[name] = g
	}
	return v, nil
}

func newGroup(name string, m map[string]any) (*VhostGroup, error) {
	g := &VhostGroup{
		Name:    name,
		Users:   SplitList(stringField(m, "users")),
		Sources: SplitList(stringField(m, "sources")),
		Targets: SplitList(stringField(m, "targets")),
	}
	var err error
	for key, dst := range map[string]*int{
		"maxSessions":      &g.MaxSessions,
		"maxFrameSize":     &g.MaxFrameSize,
		"maxMessageSize":   &g.MaxMessageSize,
		"maxSessionWindow": &g.MaxSessionWindow,
	} {
		if *dst, err = intAttr(m, key); err != nil {
			return nil, err
		}
	}
	for key, dst := range map[string]*bool{
		"allowAnonymousSender": &g.AllowAnonymousSender,
		"allowDynamicSource":   &g.AllowDynamicSource,
		"allowUserIdProxy":     &g.AllowUserIDProxy,
	} {
		if *dst, err = boolField(m, key, false); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// intAttr reads an optional integer attribute; JSON numbers arrive as
// float64, and qdrouterd also accepts them as strings.
func intAttr(m map[string]any, key string) (int, error) {
	switch v := m[key].(type) {
	case nil:
		return 0, nil
	case float64:
		if v != float64(int(v)) {
			return 0, fmt.Errorf("%q is %v, want a whole number", key, v)
		}
		return int(v), nil
	case int:
		return v, nil
	case string:
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(v), &n); err != nil {
			return 0, fmt.Errorf("%q is %q, want a number", key, v)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("%q is %v, want a number", key, v)
	}
}
