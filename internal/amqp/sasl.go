package amqp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
)

// SASL mechanism names (RFC 4422 and its mechanism RFCs).
const (
	MechAnonymous = "ANONYMOUS"
	MechPlain     = "PLAIN"
	MechExternal  = "EXTERNAL"
)

// SASLCode is the code of a sasl-outcome frame (part 5, 5.3.3.6).
type SASLCode uint8

// The outcome codes.
const (
	SASLOK      SASLCode = 0 // authentication succeeded
	SASLAuth    SASLCode = 1 // bad credentials
	SASLSys     SASLCode = 2 // system error
	SASLSysPerm SASLCode = 3 // unrecoverable system error
	SASLSysTemp SASLCode = 4 // transient system error
)

// String is "auth (1)": the spec's name and the number peers log.
func (c SASLCode) String() string {
	names := [...]string{"ok", "auth", "sys", "sys-perm", "sys-temp"}
	if int(c) < len(names) {
		return fmt.Sprintf("%s (%d)", names[c], c)
	}
	return fmt.Sprintf("unknown (%d)", c)
}

// SASL is a client's SASL mechanism with its initial response. The three
// mechanisms Hono uses complete in one step, without challenges.
type SASL struct {
	Mechanism string
	Response  []byte
}

// SASLPlain authenticates with a user name and password (RFC 4616).
func SASLPlain(authcid, password string) *SASL {
	return SASLPlainAs("", authcid, password)
}

// SASLPlainAs is PLAIN with an authorization id: a Hono component
// (authority hono-component) may act on behalf of the user named authzid.
func SASLPlainAs(authzid, authcid, password string) *SASL {
	resp := make([]byte, 0, len(authzid)+len(authcid)+len(password)+2)
	resp = append(resp, authzid...)
	resp = append(resp, 0)
	resp = append(resp, authcid...)
	resp = append(resp, 0)
	resp = append(resp, password...)
	return &SASL{Mechanism: MechPlain, Response: resp}
}

// SASLExternal authenticates with the identity the TLS layer established,
// the client certificate (RFC 4422 appendix A), with an empty authzid.
func SASLExternal() *SASL {
	return &SASL{Mechanism: MechExternal, Response: []byte{}}
}

// SASLAnonymous authenticates as nobody (RFC 4505).
func SASLAnonymous() *SASL {
	return &SASL{Mechanism: MechAnonymous, Response: []byte{}}
}

// SASLRequest is what a server's Authenticate callback decides on.
type SASLRequest struct {
	Mechanism string
	// Response is the client's initial response as sent.
	Response []byte
	// AuthzID, AuthcID and Password are PLAIN's three fields; for EXTERNAL,
	// AuthzID is the response and the others are empty.
	AuthzID  string
	AuthcID  string
	Password string
	// Hostname is the sasl-init hostname field, if the client set it.
	Hostname string

	// PeerCertificates is the client's verified TLS chain, leaf first (nil
	// without TLS or without a client certificate). TLS is the whole state.
	PeerCertificates []*x509.Certificate
	TLS              *tls.ConnectionState
	RemoteAddr       net.Addr
}

// Authenticator decides a SASL exchange. It returns the peer's identity
// (anything; Conn.Identity returns it later) or an error: a *SASLError
// picks the outcome code, any other error gives auth (1).
type Authenticator func(ctx context.Context, req *SASLRequest) (identity any, err error)

// SASLError lets an Authenticator choose the outcome code, e.g. SASLSysTemp
// when the user store is unreachable.
type SASLError struct {
	Code SASLCode
	Err  error
}

func (e *SASLError) Error() string {
	return fmt.Sprintf("SASL outcome %s: %v", e.Code, e.Err)
}

// Unwrap returns the cause.
func (e *SASLError) Unwrap() error { return e.Err }
