package check

import (
	"path/filepath"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// fixFor names where the fixes of a link go: the server's certificate and
// configuration, the client's configuration and its setting prefix. The
// names are those of the rendered stack folder.
func fixFor(top *topology.Topology, l topology.Link) Fix {
	srv := top.MustService(l.Server)
	return Fix{
		ServerCert:   filepath.Join("certs", srv.CertFile()),
		ServerConfig: configFile(srv),
		ClientConfig: clientConfigFile(top, l.Client),
		ClientPrefix: clientPrefix(top, l),
		ClientTrust:  filepath.Join("certs", "trusted-certs.pem"),
	}
}

func configFile(s topology.Service) string {
	if s.Role == topology.RoleRouter {
		return filepath.Join("config", "qdrouterd.json")
	}
	return filepath.Join("config", s.Name+"-config.yml")
}

func clientConfigFile(top *topology.Topology, client string) string {
	switch client {
	case topology.ClientApplication:
		return "the application's client settings"
	case topology.ClientDevice:
		return "the device's settings"
	}
	return configFile(top.MustService(client))
}

// clientPrefix is the Hono configuration prefix under which the client of a
// link keeps its connection settings (facts sheet, section 2).
func clientPrefix(top *topology.Topology, l topology.Link) string {
	if l.Client == topology.ClientApplication {
		return "hono.client"
	}
	if l.Client == topology.ClientDevice {
		return "device"
	}
	client := top.MustService(l.Client)
	server := top.MustService(l.Server)
	switch {
	case client.Role == topology.RoleRouter:
		return `authServicePlugin "Hono Auth"`
	case server.Role == topology.RoleAuth:
		return "hono.auth"
	case client.Role == topology.RoleMessaging:
		return "hono.downstream"
	case server.Role == topology.RoleRegistry:
		return "hono.registration"
	}
	return "hono.messaging"
}
