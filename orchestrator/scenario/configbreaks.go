package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/honoctl/honoctl/internal/atomicfile"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// missingTrustStore is where a mistyped trustStorePath points: a file that
// is not mounted, as when the secret or the bind mount is named otherwise.
const missingTrustStore = "/run/secrets/truststore.pem"

// clientEdit changes, for every client the target names and each of its
// links that pass keep, the client's settings blocks of that link.
func (e *env) clientEdit(keep func(topology.Link) bool, what string,
	edit func(root *yaml.Node, block string) (string, error)) error {
	links := filterLinks(e.clientLinks, keep)
	if len(links) == 0 {
		// A service target names the links to it too: their clients.
		links = filterLinks(e.serverLinks, keep)
	}
	byClient := map[string][]topology.Link{}
	var order []string
	for _, l := range links {
		if isOutside(l.Client) {
			continue
		}
		if _, ok := byClient[l.Client]; !ok {
			order = append(order, l.Client)
		}
		byClient[l.Client] = append(byClient[l.Client], l)
	}
	if len(order) == 0 {
		return fmt.Errorf("target %s has no link of a stack service %s", e.applied.Target, what)
	}
	for _, client := range order {
		if e.top.MustService(client).Role == topology.RoleRouter {
			return fmt.Errorf("the router's client settings are in qdrouterd.json and shared with its "+
				"listeners; target one of the Hono services instead (%s)", what)
		}
		var details []string
		err := e.editYAML(client, func(root *yaml.Node) error {
			for _, l := range byClient[client] {
				for _, b := range e.clientBlocks(l) {
					d, err := edit(root, b)
					if err != nil {
						return err
					}
					details = append(details, d)
				}
				e.clientAffected(client, l)
			}
			return nil
		}, "")
		if err != nil {
			return err
		}
		e.touched(configFile(client), client+": "+strings.Join(details, ", "))
	}
	return nil
}

func filterLinks(ls []topology.Link, keep func(topology.Link) bool) []topology.Link {
	var out []topology.Link
	for _, l := range ls {
		if keep(l) {
			out = append(out, l)
		}
	}
	return out
}

func tlsLinks(l topology.Link) bool { return l.TLS }

// serverEdit changes the server block of every Hono server the target
// names; router says what to do with the router's listener instead.
func (e *env) serverEdit(edit func(root *yaml.Node, block string, s topology.Service) (string, error),
	router func(listener map[string]any) (string, error)) error {
	servers := e.servers()
	if len(servers) == 0 {
		return fmt.Errorf("target %s: no TLS server", e.applied.Target)
	}
	for _, s := range servers {
		if s.Role == topology.RoleRouter {
			if router == nil {
				return fmt.Errorf("target %s: honoctl does not render this setting for the router", s.Name)
			}
			var details []string
			err := e.editRouter(func(entries [][2]any) error {
				for _, l := range e.serverLinks {
					if l.Server != s.Name || !l.TLS {
						continue
					}
					attrs, err := routerListener(entries, l.Port.Container)
					if err != nil {
						return err
					}
					d, err := router(attrs)
					if err != nil {
						return err
					}
					details = append(details, d)
				}
				return nil
			}, "")
			if err != nil {
				return err
			}
			e.touched(routerFile, strings.Join(details, "; "))
			e.serverAffected(s)
			continue
		}
		block, _ := serverBlock(s)
		var detail string
		err := e.editYAML(s.Name, func(root *yaml.Node) error {
			var err error
			detail, err = edit(root, block, s)
			return err
		}, "")
		if err != nil {
			return err
		}
		e.touched(configFile(s.Name), s.Name+": "+detail)
		e.serverAffected(s)
	}
	return nil
}

// applyClientCertMissing drops the key and certificate from the client's
// settings of links whose server requires a client certificate.
func applyClientCertMissing(e *env) error {
	mutual := func(l topology.Link) bool { return l.TLS && l.MutualTLS }
	return e.clientEdit(mutual, "to a server that requires a client certificate (mutual TLS)",
		func(root *yaml.Node, b string) (string, error) {
			if !unset(root, b, "keyPath", "certPath", "keyStorePath", "keyStorePassword") {
				return "", fmt.Errorf("%s has no keyPath or certPath to remove", b)
			}
			return "no " + b + ".keyPath and certPath", nil
		})
}

// applyTrustStoreMissing points the client's trustStorePath at a file
// that is not there.
func applyTrustStoreMissing(e *env) error {
	return e.clientEdit(tlsLinks, "over TLS", func(root *yaml.Node, b string) (string, error) {
		if err := set(root, b, "trustStorePath", missingTrustStore); err != nil {
			return "", err
		}
		return b + ".trustStorePath: " + missingTrustStore, nil
	})
}

// applyTLSOffServer turns TLS off on the server side only: the server
// speaks plain AMQP (or HTTP, MQTT) on the port its clients dial with TLS.
func applyTLSOffServer(e *env) error {
	return e.serverEdit(func(root *yaml.Node, b string, s topology.Service) (string, error) {
		unset(root, b, "keyPath", "certPath", "keyStorePath", "keyStorePassword")
		port := 0
		for _, l := range e.serverLinks {
			if l.Server == s.Name && l.TLS {
				port = l.Port.Container
			}
		}
		for k, v := range map[string]any{"insecurePortEnabled": true, "insecurePort": port,
			"insecurePortBindAddress": "0.0.0.0"} {
			if err := set(root, b, k, v); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("%s without keyPath and certPath, insecurePort %d", b, port), nil
	}, func(l map[string]any) (string, error) {
		delete(l, "sslProfile")
		l["requireSsl"] = false
		return fmt.Sprintf("router listener %v without sslProfile, requireSsl false", l["port"]), nil
	})
}

// applyTLS13Only limits the server to TLS 1.3; Hono 0.7's Java clients
// speak TLS 1.2 only (ClientConfigProperties' default).
func applyTLS13Only(e *env) error {
	return e.serverEdit(func(root *yaml.Node, b string, _ topology.Service) (string, error) {
		if err := set(root, b, "secureProtocols", []string{"TLSv1.3"}); err != nil {
			return "", err
		}
		return b + ".secureProtocols: [TLSv1.3]", nil
	}, nil)
}

// applyNativeTLS requires OpenSSL on the server; the upstream images ship
// no tcnative, so unless extensions/ has it the server cannot start TLS.
func applyNativeTLS(e *env) error {
	return e.serverEdit(func(root *yaml.Node, b string, _ topology.Service) (string, error) {
		if err := set(root, b, "nativeTlsRequired", true); err != nil {
			return "", err
		}
		return b + ".nativeTlsRequired: true", nil
	}, nil)
}

// wrongPassword is the password the breakage sets.
const wrongPassword = "not-the-password"

// applyWrongPassword gives the client a password the Auth Server does not
// know: in its credentials file for a service target, inline in the
// settings blocks of a channel's links for a channel target.
func applyWrongPassword(e *env) error {
	plain := func(l topology.Link) bool { return l.SASL == topology.SASLPlain }
	if s, ok := e.top.Service(e.applied.Target); ok && s.Role.IsAdapter() {
		return e.wrongCredentialsFile(s, filterLinks(e.clientLinks, plain))
	}
	return e.clientEdit(plain, "that logs in with SASL PLAIN", func(root *yaml.Node, b string) (string, error) {
		user := stringAt(root, b, "username")
		if user == "" {
			path := stringAt(root, b, "credentialsPath")
			if path == "" {
				return "", fmt.Errorf("%s has no credentials: its client logs in on behalf of others", b)
			}
			u, err := credentialsUser(filepath.Join(e.dir, "config", filepath.Base(path)))
			if err != nil {
				return "", err
			}
			user = u
		}
		e.applied.Marks = append(e.applied.Marks, user)
		for k, v := range map[string]string{"username": user, "password": wrongPassword} {
			if err := set(root, b, k, v); err != nil {
				return "", err
			}
		}
		return b + ".password set inline to a wrong one", nil
	})
}

// wrongCredentialsFile rewrites an adapter's <name>.credentials file,
// which all its AMQP connections read.
func (e *env) wrongCredentialsFile(s topology.Service, links []topology.Link) error {
	rel := filepath.Join("config", s.CertName+".credentials")
	path := filepath.Join(e.dir, rel)
	user, err := credentialsUser(path)
	if err != nil {
		return err
	}
	data := fmt.Sprintf("username=%s\npassword=%s\n", user, wrongPassword)
	if err := atomicfile.Write(path, []byte(data), 0o600); err != nil {
		return err
	}
	e.touched(rel, rel+": password changed to one the Auth Server does not know")
	e.applied.Marks = append(e.applied.Marks, user)
	for _, l := range links {
		e.clientAffected(s.Name, l)
	}
	return nil
}

// credentialsUser reads the username of a Java properties credentials file.
func credentialsUser(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && strings.TrimSpace(k) == "username" {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("%s: no username", path)
}

// applyTokenCert makes a token-validating service check the Auth Server's
// tokens with its own certificate instead of the Auth Server's.
func applyTokenCert(e *env) error {
	toAuth := func(l topology.Link) bool {
		return e.top.MustService(l.Server).Role == topology.RoleAuth && !isOutside(l.Client) &&
			e.top.MustService(l.Client).Role != topology.RoleRouter
	}
	links := filterLinks(e.clientLinks, toAuth)
	if len(links) == 0 {
		links = filterLinks(e.serverLinks, toAuth)
	}
	if len(links) == 0 {
		return fmt.Errorf("target %s: no service of it validates the Auth Server's tokens "+
			"(hono-service-messaging and hono-service-device-registry do)", e.applied.Target)
	}
	for _, l := range links {
		s := e.top.MustService(l.Client)
		path := "/run/secrets/" + s.CertFile()
		err := e.editYAML(s.Name, func(root *yaml.Node) error {
			return set(root, "hono.auth.validation", "certPath", path)
		}, fmt.Sprintf("%s: hono.auth.validation.certPath: %s (its own certificate, not auth-server-cert.pem)",
			s.Name, path))
		if err != nil {
			return err
		}
		e.clientAffected(s.Name, l)
		// Its clients log in through it: their links show the failure.
		for _, in := range e.top.Links {
			if in.Server == s.Name {
				e.applied.Channels = append(e.applied.Channels, in.Channel)
			}
		}
	}
	return nil
}
