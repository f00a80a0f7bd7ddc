package topology

import (
	"fmt"
	"strconv"
	"strings"
)

// Short names of the channels, for command lines: "--tls-off messaging-auth".
var channelKeys = map[Channel]string{
	ChannelAppRouter:        "app-router",
	ChannelMessagingRouter:  "messaging-router",
	ChannelMessagingAuth:    "messaging-auth",
	ChannelRegistryAuth:     "registry-auth",
	ChannelAdapterRegistry:  "adapter-registry",
	ChannelAdapterMessaging: "adapter-messaging",
	ChannelDeviceAdapter:    "device-adapter",
}

// Key is the channel's short name on the command line, "messaging-auth".
func (c Channel) Key() string { return channelKeys[c] }

// ParseChannel reads a channel from its number ("3") or its short name
// ("messaging-auth").
func ParseChannel(s string) (Channel, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if n, err := strconv.Atoi(s); err == nil {
		if n < int(ChannelAppRouter) || n > int(ChannelDeviceAdapter) {
			return 0, fmt.Errorf("channel %d: want a channel from 1 to 7", n)
		}
		return Channel(n), nil
	}
	for _, c := range Channels {
		if channelKeys[c] == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("channel %q: want 1 to 7 or one of %s", s, strings.Join(ChannelKeys(), ", "))
}

// ChannelKeys lists the short names of the seven channels in order.
func ChannelKeys() []string {
	keys := make([]string, len(Channels))
	for i, c := range Channels {
		keys[i] = channelKeys[c]
	}
	return keys
}

// ParseAdapter reads an adapter role from "http", "http-adapter" or its
// service name "hono-adapter-http-vertx".
func ParseAdapter(s string) (Role, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	for _, sp := range specs {
		if !sp.role.IsAdapter() {
			continue
		}
		short := strings.TrimSuffix(string(sp.role), "-adapter")
		if s == short || s == string(sp.role) || s == sp.name {
			return sp.role, nil
		}
	}
	return "", fmt.Errorf("adapter %q: want http, mqtt or kura", s)
}

// ParseAdapters reads a comma-separated list of adapters, "http,mqtt".
// Duplicates are dropped; the topology keeps Hono's order whatever the order
// given.
func ParseAdapters(list string) ([]Role, error) {
	var out []Role
	for _, f := range strings.Split(list, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		r, err := ParseAdapter(f)
		if err != nil {
			return nil, err
		}
		if !containsRole(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("adapters %q: name at least one of http, mqtt, kura", list)
	}
	return out, nil
}

func containsRole(rs []Role, r Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// ParseEngine reads "SERVICE=ENGINE", where SERVICE is a service name, a
// role or an adapter's short name ("hono-service-auth=openssl",
// "auth=openssl", "http=openssl") and ENGINE is jdk or openssl. The router is not a Java service and has no engine to choose.
func ParseEngine(s string) (service string, e Engine, err error) {
	name, engine, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok {
		return "", "", fmt.Errorf("engine %q: want SERVICE=jdk or SERVICE=openssl", s)
	}
	e = Engine(strings.ToLower(engine))
	if e != EngineJDK && e != EngineOpenSSL {
		return "", "", fmt.Errorf("engine %q for %s: want %s or %s", engine, name, EngineJDK, EngineOpenSSL)
	}
	for _, sp := range specs {
		short := strings.TrimSuffix(string(sp.role), "-adapter")
		if name != sp.name && name != string(sp.role) && name != short {
			continue
		}
		if sp.role == RoleRouter {
			return "", "", fmt.Errorf("engine for %s: the Dispatch Router is not a Java service; "+
				"it always uses OpenSSL", sp.name)
		}
		return sp.name, e, nil
	}
	return "", "", fmt.Errorf("engine %q: no service %q; want one of %s", s, name, strings.Join(javaServiceNames(), ", "))
}

func javaServiceNames() []string {
	var out []string
	for _, sp := range specs {
		if sp.role != RoleRouter {
			out = append(out, sp.name)
		}
	}
	return out
}

// IsJava reports whether the service runs on the JVM in the upstream flavor:
// every Hono service, not the Dispatch Router.
func (s Service) IsJava() bool { return s.Role != RoleRouter }
