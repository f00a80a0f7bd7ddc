// Package tlsconf turns Hono TLS settings into crypto/tls configurations for
// hono-sim's servers and clients, the way Hono 0.7 applies them: the
// secureProtocols list, client certificates requested (not required) when a
// server has a trust store, host names verified unless a client turns
// hostnameVerificationRequired off. Each configuration comes with a Summary,
// the one line a role logs about it.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/honoctl/honoctl/internal/sim/config"
)

// Engine is what hono-sim says about its TLS implementation, where Hono
// logs "using JDK's default SSL engine" or "using OpenSSL ...".
const Engine = "Go crypto/tls (hono-sim stand-in)"

// Summary describes one TLS setup for the log: which files, protocols and
// client authentication mode. It never holds a password.
type Summary struct {
	Name       string   // block or profile, "hono.http", "sslProfile internal"
	Side       string   // "server" or "client"
	Key        string   // key file or key store; "none"
	Cert       string   // certificate file; "" with a key store
	Trust      string   // trust store; "none"
	Protocols  []string // as configured
	ClientAuth string   // server: none, request, require; client: cert sent or not
	Verify     string   // client: what is verified about the server
}

// Attrs returns the summary as log/slog attributes, for one log line.
func (s Summary) Attrs() []any {
	attrs := []any{"name", s.Name, "key", s.Key}
	if s.Cert != "" {
		attrs = append(attrs, "cert", s.Cert)
	}
	attrs = append(attrs, "trust", s.Trust, "protocols", strings.Join(s.Protocols, ","))
	if s.Side == "server" {
		attrs = append(attrs, "client_auth", s.ClientAuth)
	} else {
		attrs = append(attrs, "client_cert", s.ClientAuth, "verify", s.Verify)
	}
	return append(attrs, "engine", Engine)
}

// ClientAuth says how a server treats client certificates.
type ClientAuth int

const (
	// ClientAuthAuto requests a certificate when a trust store is
	// configured and asks for none otherwise: Hono's ClientAuth.REQUEST.
	ClientAuthAuto ClientAuth = iota
	// ClientAuthRequire refuses clients without a valid certificate, as
	// the Dispatch Router's internal listener does.
	ClientAuthRequire
)

// Server returns the configuration of a TLS listener for the settings t.
func Server(name string, t *config.TLS, auth ClientAuth) (*tls.Config, Summary, error) {
	sum := Summary{Name: name, Side: "server", Protocols: t.SecureProtocols, ClientAuth: "none"}
	sum.Key, sum.Cert = keySource(t)
	sum.Trust = orNone(t.TrustStorePath)

	min, max, err := Versions(t.SecureProtocols)
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %w", name, err)
	}
	pair, err := t.KeyPair()
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %w", name, err)
	}
	if pair == nil {
		return nil, sum, fmt.Errorf("%s: no key material: set keyPath and certPath, or keyStorePath", name)
	}
	cfg := &tls.Config{MinVersion: min, MaxVersion: max, Certificates: []tls.Certificate{*pair}}

	anchors, err := t.TrustAnchors()
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %w", name, err)
	}
	switch {
	case auth == ClientAuthRequire && anchors == nil:
		return nil, sum, fmt.Errorf("%s: client certificates are required but no trust store is configured", name)
	case auth == ClientAuthRequire:
		cfg.ClientAuth, cfg.ClientCAs, sum.ClientAuth = tls.RequireAndVerifyClientCert, pool(anchors), "require"
	case anchors != nil:
		// Hono's ClientAuth.REQUEST: ask, verify what is sent, accept none.
		cfg.ClientAuth, cfg.ClientCAs, sum.ClientAuth = tls.VerifyClientCertIfGiven, pool(anchors), "request"
	}
	return cfg, sum, nil
}

// Client returns the configuration of a TLS connection to c.Host. Like
// Hono's ConnectionFactoryImpl, it sends a client certificate only when the
// client has no user name and password (it then logs in with SASL EXTERNAL).
func Client(name string, c *config.ClientConfig) (*tls.Config, Summary, error) {
	sum := Summary{Name: name, Side: "client", Protocols: c.SecureProtocols, Trust: orNone(c.TrustStorePath)}
	sum.Key, sum.Cert = keySource(&c.TLS)

	min, max, err := Versions(c.SecureProtocols)
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %w", name, err)
	}
	cfg := &tls.Config{MinVersion: min, MaxVersion: max, ServerName: c.Host}
	anchors, err := c.TrustAnchors()
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %w", name, err)
	}
	if anchors != nil {
		cfg.RootCAs = pool(anchors)
	}
	if c.HostnameVerificationRequired {
		sum.Verify = "chain and host name " + c.Host
	} else {
		sum.Verify = "chain only (hostnameVerificationRequired: false)"
		verifyChainOnly(cfg)
	}

	_, _, plain, err := c.Credentials()
	if err != nil {
		return nil, sum, fmt.Errorf("%s: %w", name, err)
	}
	sum.ClientAuth = "none"
	if !plain {
		pair, err := c.KeyPair()
		if err != nil {
			return nil, sum, fmt.Errorf("%s: %w", name, err)
		}
		if pair != nil {
			cfg.Certificates, sum.ClientAuth = []tls.Certificate{*pair}, "sent"
		}
	}
	return cfg, sum, nil
}

// verifyChainOnly checks the server's chain against cfg.RootCAs (or the
// system's) but not its name, which crypto/tls cannot do by itself.
func verifyChainOnly(cfg *tls.Config) {
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // NOTE: the chain is still verified below.
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("tls: server sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
		return nil
	}
}

// Versions maps Hono's secureProtocols names to a crypto/tls version range.
// Go enables a range, so a list with a gap (TLSv1, TLSv1.2) enables the
// versions in between too; an empty list is an error, where Hono turns TLS
// off altogether.
func Versions(protocols []string) (min, max uint16, err error) {
	if len(protocols) == 0 {
		return 0, 0, errors.New("secureProtocols is empty, which disables TLS in Hono; " +
			"give at least one of TLSv1.2, TLSv1.3")
	}
	names := map[string]uint16{
		"TLSv1": tls.VersionTLS10, "TLSv1.1": tls.VersionTLS11,
		"TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13,
	}
	var vs []uint16
	for _, p := range protocols {
		v, ok := names[p]
		if !ok {
			return 0, 0, fmt.Errorf("secureProtocols: %q is not supported; want TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3", p)
		}
		vs = append(vs, v)
	}
	return slices.Min(vs), slices.Max(vs), nil
}

// ProfileTLS maps a Dispatch Router sslProfile to Hono-style settings: the
// key pair, certDb as trust store, and its protocols (TLSv1.2 when unset).
func ProfileTLS(p config.SSLProfile) *config.TLS {
	t := &config.TLS{KeyPath: p.KeyFile, CertPath: p.CertFile, TrustStorePath: p.CertDB,
		SecureProtocols: []string{"TLSv1.2"}}
	if p.Protocols != "" {
		t.SecureProtocols = strings.Fields(strings.ReplaceAll(p.Protocols, ",", " "))
	}
	return t
}

func keySource(t *config.TLS) (key, cert string) {
	switch {
	case t.KeyPath != "" && t.CertPath != "":
		return t.KeyPath, t.CertPath
	case t.KeyStorePath != "":
		return t.KeyStorePath, ""
	}
	return "none", ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
