package tlsconf

import (
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/honoctl/honoctl/internal/sim/config"
)

// ServiceServer is the TLS side of a Hono service's server block (block is
// its prefix, such as hono.auth.amqp), set up as Hono 0.7's
// AbstractServiceBase does: the secure port opens only with key material
// that loads. When it does not load and the insecure port is enabled, the
// service runs on the insecure port alone, which is what Hono does and why
// a key that does not match its certificate shows as a shut TLS port, not
// as a service that fails to start. A nil configuration means: no secure
// port. A secure port's settings are logged as the "TLS server" line.
func ServiceServer(block string, srv *config.ServerConfig, log *slog.Logger) (*tls.Config, error) {
	if !srv.HasKeyMaterial() {
		if !srv.InsecureEnabled() {
			return nil, fmt.Errorf("%s: no ports configured: set keyPath and certPath "+
				"(or keyStorePath), or insecurePortEnabled", block)
		}
		return nil, nil
	}
	conf, sum, err := Server(block, &srv.TLS, ClientAuthAuto)
	switch {
	case err == nil:
		log.Info("TLS server", sum.Attrs()...)
		return conf, nil
	case srv.InsecureEnabled():
		log.Error("secure port not opened: its key material does not load; only the insecure port opens",
			"name", block, "error", err)
		return nil, nil
	}
	return nil, err
}
