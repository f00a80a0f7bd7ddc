package render

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// entity is one [type, attributes] pair of a qdrouterd JSON configuration.
type entity [2]any

// attrs keeps a router entity's attributes; encoding/json writes map keys
// sorted, so the file is stable.
type attrs map[string]any

// routerConfig renders qdrouterd.json: the router of Hono 0.7's Swarm
// deployment (config/qpid/qdrouterd-with-broker.json) without its broker.
//
// Our stack has no Artemis broker, so event/ is routed like telemetry/: a
// balanced address straight to a consumer, instead of link routes to a
// broker. Events then keep at-least-once delivery between adapter and
// consumer (the router passes dispositions through) but are not stored: with
// no consumer attached, the adapter gets no credit and answers 503, as it
// does for telemetry. That is enough to check every TLS channel, which is
// what the stack is for.
func (r *renderer) routerConfig(router topology.Service) ([]byte, error) {
	key, cert := secret(router.KeyFile()), secret(router.CertFile())
	profile := func(name string) attrs {
		return attrs{"name": name, "certDb": secret(TrustedCerts), "certFile": cert, "keyFile": key}
	}
	internalProfile := profile("internal")
	// uidFormat "oun": a client certificate's O;OU;CN becomes the user,
	// "Eclipse IoT;Hono;hono-messaging", which the hono-internal vhost lists.
	internalProfile["uidFormat"] = "oun"

	cfg := []entity{
		{"router", attrs{"id": "Hono.Example.Router", "mode": "standalone", "workerThreads": 3}},
		{"sslProfile", profile("external")},
		{"sslProfile", internalProfile},
	}
	plugin, err := r.authPlugin(router)
	if err != nil {
		return nil, err
	}
	cfg = append(cfg, plugin)
	cfg = append(cfg, r.listeners(router)...)
	cfg = append(cfg,
		entity{"address", attrs{"prefix": "telemetry/", "distribution": "balanced"}},
		entity{"address", attrs{"prefix": "event/", "distribution": "balanced"}},
		entity{"policy", attrs{"maxConnections": 1000, "enableVhostPolicy": true, "defaultVhost": "hono"}},
	)
	cfg = append(cfg, r.vhosts()...)
	cfg = append(cfg, entity{"log", attrs{"module": "DEFAULT", "enable": "info+"}})

	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", RouterConfigFile, err)
	}
	return append(out, '\n'), nil
}

// authPlugin is the router's link to the Auth Server, which checks the PLAIN
// credentials of applications (channel 1). Over TLS it presents the router's
// certificate through the internal profile.
func (r *renderer) authPlugin(router topology.Service) (entity, error) {
	l, err := r.link(topology.ChannelAppRouter, router.Name)
	if err != nil {
		return entity{}, err
	}
	a := attrs{"name": "Hono Auth", "host": l.Hostname, "port": l.Port.Container}
	if l.TLS {
		a["sslProfile"] = "internal"
	}
	return entity{"authServicePlugin", a}, nil
}

// listeners: 5671 for applications (PLAIN through the Auth Server), 5673 for
// Hono's own services (mutual TLS, SASL EXTERNAL), 5672 only when the
// topology opens plain ports.
func (r *renderer) listeners(router topology.Service) []entity {
	var out []entity
	for _, p := range router.Ports {
		l := attrs{"host": "0.0.0.0", "port": p.Container, "authenticatePeer": true}
		switch {
		case p.Name == "internal" && p.TLS:
			l["sslProfile"], l["requireSsl"], l["saslMechanisms"] = "internal", true, "EXTERNAL"
		case p.Name == "internal":
			// TLS off on the internal channel: there is no certificate to
			// take an identity from, so clients log in with PLAIN.
			l["saslMechanisms"], l["saslPlugin"] = "PLAIN", "Hono Auth"
		case p.Name == "amqps":
			l["sslProfile"], l["requireSsl"] = "external", true
			l["saslMechanisms"], l["saslPlugin"] = "PLAIN", "Hono Auth"
		case p.Name == "amqp":
			l["saslMechanisms"], l["saslPlugin"] = "PLAIN", "Hono Auth"
		default:
			continue // the health port is served by hono-sim, not a listener
		}
		out = append(out, entity{"listener", l})
	}
	return out
}

// vhosts are the policy of Hono 0.7's router: applications on "hono",
// Hono Messaging and the adapters on "hono-internal", each adapter's command
// connection on its own vhost.
func (r *renderer) vhosts() []entity {
	// Over TLS the router names a peer by its certificate (uidFormat oun);
	// without TLS on the internal listener, by its PLAIN user name.
	user := func(s topology.Service) string { return "Eclipse IoT;Hono;" + s.CertName }
	if p, ok := r.top.ByRole(topology.RoleRouter)[0].Port("internal"); ok && !p.TLS {
		user = AdapterUser
	}
	internalUsers := []string{}
	for _, s := range r.top.ByRole(topology.RoleMessaging) {
		internalUsers = append(internalUsers, user(s))
	}
	var commands []entity
	for _, s := range r.top.Services {
		if !s.Role.IsAdapter() {
			continue
		}
		internalUsers = append(internalUsers, user(s))
		commands = append(commands, entity{"vhost", attrs{
			"hostname": "hono-" + adapterPrefix[s.Role][0] + "-internal", "maxConnections": 30,
			"groups": attrs{"Hono": attrs{
				"users": user(s), "remoteHosts": "*", "maxSessions": 2,
				"sources": "control/*", "targets": "control/*",
			}},
		}})
	}
	out := []entity{
		{"vhost", attrs{
			"hostname": "hono", "maxConnections": 500, "maxConnectionsPerUser": 20,
			"maxConnectionsPerHost": 10, "allowUnknownUser": true,
			"groups": attrs{"$default": attrs{
				"remoteHosts": "*", "maxSessions": 10,
				"sources": "telemetry/*, event/*, control/*", "targets": "control/*",
				"allowDynamicSource": true, "allowAnonymousSender": true,
			}},
		}},
		{"vhost", attrs{
			"hostname": "hono-internal", "maxConnections": 9,
			"groups": attrs{"Hono": attrs{
				"users": strings.Join(internalUsers, ", "), "remoteHosts": "*",
				"maxSessions": 2, "maxFrameSize": 16384, "maxSessionWindow": 6553600,
				"maxMessageSize": 131072, "allowUserIdProxy": true,
				"targets": "telemetry/*, event/*",
			}},
		}},
	}
	return append(out, commands...)
}
