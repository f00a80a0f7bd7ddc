package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// Cause is why a TLS handshake failed, in the words logs and readiness use.
type Cause string

// The causes Classify tells apart.
const (
	CauseUnknownAuthority Cause = "unknown authority"
	CauseHostname         Cause = "host name mismatch"
	CauseExpired          Cause = "certificate expired or not yet valid"
	CauseNoClientCert     Cause = "no client certificate"
	CauseBadCertificate   Cause = "certificate rejected by peer"
	CauseRefused          Cause = "handshake refused by peer"
	CauseProtocolVersion  Cause = "protocol version"
	CauseNotTLS           Cause = "peer does not speak TLS"
	CauseOther            Cause = "handshake failed"
)

// TLS alerts (RFC 8446 section 6) a peer sends to say why it gave up.
const (
	alertBadCertificate      = 42
	alertCertificateExpired  = 45
	alertUnknownCA           = 48
	alertProtocolVersion     = 70
	alertCertificateRequired = 116
)

// Classify says why err, from a handshake on either side, happened. It
// returns "" for nil.
func Classify(err error) Cause {
	if err == nil {
		return ""
	}
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &unknown):
		return CauseUnknownAuthority
	case errors.As(err, &host):
		return CauseHostname
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return CauseExpired
	case errors.As(err, &record):
		return CauseNotTLS
	case errors.As(err, &alert):
		return alertCause(alert)
	}

	// Alerts received over TCP and the server's side of a missing
	// certificate or a version mismatch have no exported error types, only
	// crypto/tls's messages.
	msg := err.Error()
	if _, alert, ok := strings.Cut(msg, "remote error: tls: "); ok {
		return remoteAlertCause(alert)
	}
	switch {
	case strings.Contains(msg, "client didn't provide a certificate"):
		return CauseNoClientCert
	case strings.Contains(msg, "unsupported versions"),
		strings.Contains(msg, "unsupported protocol version"),
		strings.Contains(msg, "protocol version not supported"):
		return CauseProtocolVersion
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return CauseNotTLS
	}
	return CauseOther
}

func alertCause(a tls.AlertError) Cause {
	switch a {
	case alertUnknownCA:
		return CauseUnknownAuthority
	case alertCertificateExpired:
		return CauseExpired
	case alertProtocolVersion:
		return CauseProtocolVersion
	case alertCertificateRequired:
		return CauseNoClientCert
	case alertBadCertificate:
		// TLS 1.2 has no certificate_required alert: a server that
		// requires a certificate and gets none sends bad_certificate.
		return CauseBadCertificate
	}
	return CauseOther
}

// remoteAlertCause maps the text crypto/tls gives a received alert.
func remoteAlertCause(alert string) Cause {
	switch {
	case strings.HasPrefix(alert, "unknown certificate authority"):
		return CauseUnknownAuthority
	case strings.HasPrefix(alert, "certificate expired"):
		return CauseExpired
	case strings.HasPrefix(alert, "protocol version not supported"):
		return CauseProtocolVersion
	case strings.HasPrefix(alert, "certificate required"):
		return CauseNoClientCert
	case strings.HasPrefix(alert, "bad certificate"):
		return CauseBadCertificate
	case strings.HasPrefix(alert, "handshake failure"):
		// What a TLS 1.2 server that wanted a client certificate and got
		// none sends, among other refusals: the peer's log says which.
		return CauseRefused
	}
	return CauseOther
}

// Explain is the cause followed by the error, for logs and readiness:
// "unknown authority: tls: failed to verify certificate: x509: ...".
func Explain(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf("%s: %v", Classify(err), err)
}

// State is what readiness shows of an established TLS connection.
type State struct {
	Version string `json:"tls_version"`
	Cipher  string `json:"cipher"`
	Peer    string `json:"peer_subject,omitempty"`
}

// Describe returns the negotiated version and cipher and the subject of
// the peer's certificate, if it sent one.
func Describe(cs tls.ConnectionState) State {
	s := State{Version: VersionName(cs.Version), Cipher: tls.CipherSuiteName(cs.CipherSuite)}
	if len(cs.PeerCertificates) > 0 {
		s.Peer = cs.PeerCertificates[0].Subject.String()
	}
	return s
}

// VersionName names a TLS version the way Hono's secureProtocols does
// ("TLSv1.2"), so that logs and configuration read alike.
func VersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return tls.VersionName(v)
}
