package render

import (
	"path"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// mount is one file a service reads: its source in the stack folder and its
// name under /run/secrets.
type mount struct {
	dir, file string
}

func (m mount) source() string { return "./" + path.Join(m.dir, m.file) }

// mountsOf lists exactly the files service s reads, as Hono's Swarm
// deployment gave them: its own key and certificate, the trust bundle, the
// Auth Server's certificate where tokens are validated, its configuration,
// and the data files of its role. NOTE: never root-key.pem or ca-key.pem:
// no container gets a CA's private key.
func (r *renderer) mountsOf(s topology.Service) []mount {
	certs := func(f string) mount { return mount{CertsDir, f} }
	config := func(f string) mount { return mount{ConfigDir, f} }

	out := []mount{certs(s.KeyFile()), certs(s.CertFile()), certs(TrustedCerts)}
	switch s.Role {
	case topology.RoleRouter:
		return append(out, config(RouterConfigFile))
	case topology.RoleAuth:
		out = append(out, config(PermissionsFile))
	case topology.RoleMessaging, topology.RoleRegistry:
		// They validate the Auth Server's tokens (RS256) with its
		// certificate: hono.auth.validation.certPath.
		auth := r.top.ByRole(topology.RoleAuth)[0]
		out = append(out, certs(auth.CertFile()))
	}
	if r.needsCredentials(s) {
		out = append(out, config(CredentialsFile(s)))
	}
	return append(out, config(ConfigFile(s)))
}
