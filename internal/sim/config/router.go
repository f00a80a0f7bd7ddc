package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// Router is the Dispatch Router configuration hono-sim's router role reads
// from qdrouterd.json: a JSON array of [type, attributes] pairs.
type Router struct {
	File string

	Router             RouterEntity
	SSLProfiles        map[string]SSLProfile
	AuthServicePlugins map[string]AuthServicePlugin
	Listeners          []Listener
	Addresses          []Address
	Policy             Policy
	Vhosts             map[string]Vhost

	// Warnings are entities and attributes hono-sim does not act on.
	Warnings []string
}

// RouterEntity is the "router" entity.
type RouterEntity struct {
	ID            string `json:"id"`
	Mode          string `json:"mode"`
	WorkerThreads int    `json:"workerThreads"`
}

// SSLProfile is an "sslProfile": the router's key pair and trust anchors.
type SSLProfile struct {
	Name     string `json:"name"`
	CertDB   string `json:"certDb"`   // trusted CA certificates, PEM
	CertFile string `json:"certFile"` // own certificate chain, PEM
	KeyFile  string `json:"keyFile"`  // own private key, PEM
	// UIDFormat says which certificate fields make a peer's user name;
	// "oun" is O;OU;CN, what Hono's deployment uses.
	UIDFormat string `json:"uidFormat"`
	Protocols string `json:"protocols"`
	Ciphers   string `json:"ciphers"`
}

// AuthServicePlugin is an "authServicePlugin": the Auth Server the router
// hands SASL to.
type AuthServicePlugin struct {
	Name       string `json:"name"`
	Host       string `json:"host"`
	Port       Port   `json:"port"`
	SSLProfile string `json:"sslProfile"`
	Realm      string `json:"realm"`
}

// Listener is a "listener".
type Listener struct {
	Host             string `json:"host"`
	Port             Port   `json:"port"`
	Role             string `json:"role"`
	SSLProfile       string `json:"sslProfile"`
	RequireSSL       bool   `json:"requireSsl"`
	AuthenticatePeer bool   `json:"authenticatePeer"`
	SASLMechanisms   string `json:"saslMechanisms"`
	SASLPlugin       string `json:"saslPlugin"`
}

// Address is an "address": the distribution of messages to a prefix.
type Address struct {
	Prefix       string `json:"prefix"`
	Pattern      string `json:"pattern"`
	Distribution string `json:"distribution"`
}

// Policy is the "policy" entity.
type Policy struct {
	MaxConnections    int    `json:"maxConnections"`
	EnableVhostPolicy bool   `json:"enableVhostPolicy"`
	DefaultVhost      string `json:"defaultVhost"`
}

// Vhost is a "vhost": the policy for connections that open with hostname.
type Vhost struct {
	Hostname              string                `json:"hostname"`
	MaxConnections        int                   `json:"maxConnections"`
	MaxConnectionsPerUser int                   `json:"maxConnectionsPerUser"`
	MaxConnectionsPerHost int                   `json:"maxConnectionsPerHost"`
	AllowUnknownUser      bool                  `json:"allowUnknownUser"`
	Groups                map[string]VhostGroup `json:"groups"`
}

// VhostGroup is one user group of a vhost. Lists are comma-separated
// strings in the file; see List.
type VhostGroup struct {
	Users                string `json:"users"`
	RemoteHosts          string `json:"remoteHosts"`
	MaxSessions          int    `json:"maxSessions"`
	MaxFrameSize         int    `json:"maxFrameSize"`
	MaxSessionWindow     int    `json:"maxSessionWindow"`
	MaxMessageSize       int    `json:"maxMessageSize"`
	AllowUserIDProxy     bool   `json:"allowUserIdProxy"`
	AllowAnonymousSender bool   `json:"allowAnonymousSender"`
	AllowDynamicSource   bool   `json:"allowDynamicSource"`
	Sources              string `json:"sources"`
	Targets              string `json:"targets"`
}

// List splits one of a vhost group's comma-separated attributes.
func List(attr string) []string { return splitList(attr) }

// Port is a router port: a number, or a string holding one (or the names
// amqp and amqps), as qdrouterd accepts.
type Port int

// UnmarshalJSON accepts 5671, "5671" and "amqps".
func (p *Port) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*p = Port(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("port: want a number or a string, got %s", b)
	}
	switch s {
	case "amqp":
		*p = 5672
	case "amqps":
		*p = 5671
	default:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("port %q: want a number, amqp or amqps", s)
		}
		*p = Port(n)
	}
	return nil
}

// LoadRouter reads a qdrouterd.json file.
func LoadRouter(path string) (*Router, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read router configuration: %w", err)
	}
	var entities [][2]json.RawMessage
	if err := json.Unmarshal(data, &entities); err != nil {
		return nil, fmt.Errorf("%s: want a JSON array of [type, attributes] pairs: %w", path, err)
	}
	r := &Router{
		File:               path,
		SSLProfiles:        map[string]SSLProfile{},
		AuthServicePlugins: map[string]AuthServicePlugin{},
		Vhosts:             map[string]Vhost{},
	}
	for i, e := range entities {
		var typ string
		if err := json.Unmarshal(e[0], &typ); err != nil {
			return nil, fmt.Errorf("%s: entity %d: type must be a string", path, i+1)
		}
		if err := r.add(typ, e[1]); err != nil {
			return nil, fmt.Errorf("%s: entity %d (%s): %w", path, i+1, typ, err)
		}
	}
	return r, nil
}

func (r *Router) add(typ string, raw json.RawMessage) error {
	switch typ {
	case "router":
		return r.decode(typ, raw, &r.Router)
	case "sslProfile":
		var p SSLProfile
		if err := r.decode(typ, raw, &p); err != nil {
			return err
		}
		r.SSLProfiles[p.Name] = p
	case "authServicePlugin":
		var p AuthServicePlugin
		if err := r.decode(typ, raw, &p); err != nil {
			return err
		}
		r.AuthServicePlugins[p.Name] = p
	case "listener":
		var l Listener
		if err := r.decode(typ, raw, &l); err != nil {
			return err
		}
		r.Listeners = append(r.Listeners, l)
	case "address":
		var a Address
		if err := r.decode(typ, raw, &a); err != nil {
			return err
		}
		r.Addresses = append(r.Addresses, a)
	case "policy":
		return r.decode(typ, raw, &r.Policy)
	case "vhost":
		var v Vhost
		if err := r.decode(typ, raw, &v); err != nil {
			return err
		}
		var groups struct {
			Groups map[string]json.RawMessage `json:"groups"`
		}
		_ = json.Unmarshal(raw, &groups) // decoded above already
		for _, name := range sortedKeys(groups.Groups) {
			var g VhostGroup
			if err := r.decode("vhost "+v.Hostname+" group "+name, groups.Groups[name], &g); err != nil {
				return err
			}
		}
		r.Vhosts[v.Hostname] = v
	case "log":
		// Logging is hono-sim's own; the entity is read and dropped.
	default:
		// linkRoute, connector, ...: Hono's broker wiring, which the
		// stand-in does not have.
		r.Warnings = append(r.Warnings, fmt.Sprintf(
			"%s: entity %q is not supported by hono-sim; ignored", r.File, typ))
	}
	return nil
}

// decode reads attributes into v and warns about those v has no field for.
func (r *Router) decode(typ string, raw json.RawMessage, v any) error {
	var attrs map[string]json.RawMessage
	if err := json.Unmarshal(raw, &attrs); err != nil {
		return fmt.Errorf("attributes must be a JSON object: %w", err)
	}
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	for _, k := range sortedKeys(attrs) {
		if !known[k] {
			r.Warnings = append(r.Warnings, fmt.Sprintf(
				"%s: %s attribute %q is not supported by hono-sim; ignored", r.File, typ, k))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	return dec.Decode(v)
}
