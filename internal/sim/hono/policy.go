package hono

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Conditions and descriptions the Dispatch Router signals when its policy
// denies something (qpid-dispatch policy.c).
const (
	PolicyDeniedCondition     = "amqp:resource-limit-exceeded"
	PolicyDeniedConnection    = "connection disallowed by local policy"
	PolicyDeniedLinkCondition = "amqp:unauthorized-access"
	PolicyDeniedLink          = "link disallowed by local policy"
)

// defaultGroup is the vhost group for users no other group lists.
const defaultGroup = "$default"

// ErrPolicyDenied is returned when the vhost policy refuses a connection,
// a session or a link.
var ErrPolicyDenied = errors.New("disallowed by local policy")

// Policy is the Dispatch Router's vhost policy: the "policy" entity and
// every "vhost" entity of qdrouterd.json. It also counts open connections
// against the limits; its methods are safe for concurrent use.
type Policy struct {
	MaxConnections    int    // 0: no limit
	EnableVhostPolicy bool   // false: every connection is admitted
	DefaultVhost      string // used when a connection's hostname names no vhost
	Vhosts            map[string]*Vhost

	mu    sync.Mutex
	total int
	open  map[string]*vhostCount
}

// Vhost is one "vhost" entity.
type Vhost struct {
	Hostname              string
	MaxConnections        int
	MaxConnectionsPerUser int
	MaxConnectionsPerHost int
	AllowUnknownUser      bool
	Groups                map[string]*VhostGroup
}

// VhostGroup is one group of a vhost: its users and what they may do.
type VhostGroup struct {
	Name                 string
	Users                []string
	Sources              []string // patterns a receiver's source may match
	Targets              []string // patterns a sender's target may match
	MaxSessions          int
	MaxFrameSize         int
	MaxMessageSize       int
	MaxSessionWindow     int
	AllowAnonymousSender bool
	AllowDynamicSource   bool
	AllowUserIDProxy     bool
}

type vhostCount struct {
	total          int
	byUser, byHost map[string]int
}

// Admission is an admitted connection: its vhost and group. Release it when
// the connection ends.
type Admission struct {
	Vhost *Vhost
	Group *VhostGroup
	user  string
	host  string
	p     *Policy
	once  sync.Once
}

// Admit decides whether a connection may open: the Open frame's hostname
// selects the vhost (else the default vhost), the authenticated user
// selects the group (else "$default" when unknown users are allowed), and
// the connection limits must leave room. A nil Admission with a nil error
// means the policy is off.
func (p *Policy) Admit(hostname, user, remoteHost string) (*Admission, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.MaxConnections > 0 && p.total >= p.MaxConnections {
		return nil, fmt.Errorf("%w: router has %d connections, its maximum", ErrPolicyDenied, p.total)
	}
	if !p.EnableVhostPolicy {
		p.total++
		return &Admission{p: p}, nil
	}
	v, ok := p.Vhosts[hostname]
	if !ok {
		v, ok = p.Vhosts[p.DefaultVhost]
	}
	if !ok {
		return nil, fmt.Errorf("%w: no vhost %q and no default vhost", ErrPolicyDenied, hostname)
	}
	g := v.group(user)
	if g == nil {
		return nil, fmt.Errorf("%w: user %q is in no group of vhost %s", ErrPolicyDenied, user, v.Hostname)
	}
	c := p.count(v.Hostname)
	switch {
	case v.MaxConnections > 0 && c.total >= v.MaxConnections:
		return nil, fmt.Errorf("%w: vhost %s has %d connections, its maximum", ErrPolicyDenied, v.Hostname, c.total)
	case v.MaxConnectionsPerUser > 0 && c.byUser[user] >= v.MaxConnectionsPerUser:
		return nil, fmt.Errorf("%w: user %q has %d connections to vhost %s, its maximum", ErrPolicyDenied, user, c.byUser[user], v.Hostname)
	case v.MaxConnectionsPerHost > 0 && c.byHost[remoteHost] >= v.MaxConnectionsPerHost:
		return nil, fmt.Errorf("%w: host %s has %d connections to vhost %s, its maximum", ErrPolicyDenied, remoteHost, c.byHost[remoteHost], v.Hostname)
	}
	p.total++
	c.total++
	c.byUser[user]++
	c.byHost[remoteHost]++
	return &Admission{Vhost: v, Group: g, user: user, host: remoteHost, p: p}, nil
}

func (p *Policy) count(vhost string) *vhostCount {
	if p.open == nil {
		p.open = map[string]*vhostCount{}
	}
	c := p.open[vhost]
	if c == nil {
		c = &vhostCount{byUser: map[string]int{}, byHost: map[string]int{}}
		p.open[vhost] = c
	}
	return c
}

// Release gives the connection's place back; calling it twice is harmless.
func (a *Admission) Release() {
	if a == nil {
		return
	}
	a.once.Do(func() {
		p := a.p
		p.mu.Lock()
		defer p.mu.Unlock()
		p.total--
		if a.Vhost == nil {
			return
		}
		c := p.count(a.Vhost.Hostname)
		c.total--
		c.byUser[a.user]--
		c.byHost[a.host]--
	})
}

// AllowSource reports whether a receiving link may attach with this source
// address. Without a vhost policy everything is allowed.
func (a *Admission) AllowSource(address string) bool {
	if a == nil || a.Group == nil {
		return true
	}
	return matchAny(a.Group.Sources, address)
}

// AllowTarget reports whether a sending link may attach with this target
// address; an anonymous (empty) target needs allowAnonymousSender.
func (a *Admission) AllowTarget(address string) bool {
	if a == nil || a.Group == nil {
		return true
	}
	if address == "" {
		return a.Group.AllowAnonymousSender
	}
	return matchAny(a.Group.Targets, address)
}

func (v *Vhost) group(user string) *VhostGroup {
	for _, g := range v.Groups {
		for _, u := range g.Users {
			if u == user {
				return g
			}
		}
	}
	if v.AllowUnknownUser {
		return v.Groups[defaultGroup]
	}
	return nil
}

// matchAny matches qdrouterd 1.x address patterns: "*" matches anything, a
// trailing "*" matches by prefix, anything else must be equal.
func matchAny(patterns []string, address string) bool {
	for _, p := range patterns {
		if p == "*" || p == address {
			return true
		}
		if pre, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(address, pre) {
			return true
		}
	}
	return false
}

// SplitList splits a qdrouterd comma-separated list ("a, b, c").
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
