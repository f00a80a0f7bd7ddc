package hono

import (
	"fmt"
	"strings"

	"github.com/honoctl/honoctl/internal/sim/config"
)

// NewPolicy builds the vhost policy of a router configuration (its
// "policy" and "vhost" entities).
func NewPolicy(r *config.Router) *Policy {
	p := &Policy{
		MaxConnections:    r.Policy.MaxConnections,
		EnableVhostPolicy: r.Policy.EnableVhostPolicy,
		DefaultVhost:      r.Policy.DefaultVhost,
		Vhosts:            map[string]*Vhost{},
	}
	for name, v := range r.Vhosts {
		vh := &Vhost{
			Hostname:              name,
			MaxConnections:        v.MaxConnections,
			MaxConnectionsPerUser: v.MaxConnectionsPerUser,
			MaxConnectionsPerHost: v.MaxConnectionsPerHost,
			AllowUnknownUser:      v.AllowUnknownUser,
			Groups:                map[string]*VhostGroup{},
		}
		for gname, g := range v.Groups {
			vh.Groups[gname] = &VhostGroup{
				Name:                 gname,
				Users:                SplitList(g.Users),
				Sources:              SplitList(g.Sources),
				Targets:              SplitList(g.Targets),
				MaxSessions:          g.MaxSessions,
				MaxFrameSize:         g.MaxFrameSize,
				MaxMessageSize:       g.MaxMessageSize,
				MaxSessionWindow:     g.MaxSessionWindow,
				AllowAnonymousSender: g.AllowAnonymousSender,
				AllowDynamicSource:   g.AllowDynamicSource,
				AllowUserIDProxy:     g.AllowUserIDProxy,
			}
		}
		p.Vhosts[name] = vh
	}
	return p
}

// NewRoutes builds the address table from a router configuration's
// "address" entities.
func NewRoutes(addresses []config.Address) (*Routes, error) {
	r := &Routes{}
	for i, a := range addresses {
		prefix := a.Prefix
		if prefix == "" {
			// A qdrouterd pattern "telemetry/#" is the same prefix.
			prefix = strings.TrimSuffix(a.Pattern, "#")
		}
		if prefix == "" {
			return nil, fmt.Errorf("address %d: neither prefix nor pattern", i+1)
		}
		d := Distribution(a.Distribution)
		switch d {
		case "":
			d = Balanced
		case Balanced, Closest, Multicast:
		default:
			return nil, fmt.Errorf("address %s: distribution %q (want balanced, closest or multicast)", prefix, d)
		}
		r.add(prefix, d)
	}
	return r, nil
}
