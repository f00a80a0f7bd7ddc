package check

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// weakSuites are the TLS 1.2 cipher suites a server should not accept: the
// ones Go calls insecure (RC4, 3DES, static RSA with CBC-SHA256) and every
// other CBC suite (Lucky 13; testssl.sh flags them as obsolete).
func weakSuites() []uint16 {
	var out []uint16
	for _, s := range tls.InsecureCipherSuites() {
		if slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			out = append(out, s.ID)
		}
	}
	for _, s := range tls.CipherSuites() {
		if strings.Contains(s.Name, "_CBC_") {
			out = append(out, s.ID)
		}
	}
	return out
}

// ciphers offers the weak TLS 1.2 suites until the server refuses them all,
// and lists those it picked.
func (r *run) ciphers(ctx context.Context) {
	if !slices.Contains(r.acceptedVersions, tls.VersionTLS12) {
		r.skip("the server does not speak TLS 1.2, where cipher suites are negotiable", IDCiphers)
		return
	}
	offer := weakSuites()
	var picked []string
	insecure := false
	for len(offer) > 0 {
		sh, _ := r.p.handshake(ctx, r.t, r.t.Peer.Cert,
			versionRange{lo: tls.VersionTLS12, hi: tls.VersionTLS12, suites: offer})
		if !sh.agreed() {
			break
		}
		id := sh.negotiated.CipherSuite
		picked = append(picked, tls.CipherSuiteName(id))
		insecure = insecure || slices.ContainsFunc(tls.InsecureCipherSuites(),
			func(s *tls.CipherSuite) bool { return s.ID == id })
		offer = slices.DeleteFunc(offer, func(s uint16) bool { return s == id })
	}
	hint := fmt.Sprintf("Limit the server to AEAD suites (ECDHE with AES-GCM or ChaCha20): the JDK's "+
		"jdk.tls.disabledAlgorithms, or the cipher list of the service behind %s.", r.t.Fix.ServerConfig)
	switch {
	case insecure:
		r.add(Finding{Check: IDCiphers, Status: Fail, Hint: hint,
			Evidence: []Evidence{{"weak suites accepted", strings.Join(picked, ", ")}},
			Message:  "the server accepts insecure cipher suites: " + strings.Join(picked, ", ")})
	case len(picked) > 0:
		r.add(Finding{Check: IDCiphers, Status: Warn, Hint: hint,
			Evidence: []Evidence{{"weak suites accepted", strings.Join(picked, ", ")}},
			Message:  "the server accepts obsolete CBC cipher suites: " + strings.Join(picked, ", ")})
	default:
		r.add(Finding{Check: IDCiphers, Status: Pass, Message: "no weak TLS 1.2 cipher suite accepted"})
	}
}

// clientAuth checks a listener that must require client certificates: a
// client without one and a client with one from another CA are refused, the
// stack's own client is accepted.
func (r *run) clientAuth(ctx context.Context, ownErr error) {
	t := r.t
	stranger, err := r.p.strangerCert()
	if err != nil {
		r.add(Finding{Check: IDClientAuth, Status: Skip, Message: "no stranger certificate: " + err.Error()})
		return
	}
	v := clientVersions(t.Peer)
	_, noneErr := r.p.handshake(ctx, t, nil, v)
	_, strangerErr := r.p.handshake(ctx, t, stranger, v)
	var de *dialError
	if errors.As(noneErr, &de) {
		r.skip("the server could not be reached", IDClientAuth)
		return
	}

	ev := []Evidence{
		{"without a certificate", outcome(noneErr)},
		{"with a certificate from another CA", outcome(strangerErr)},
	}
	if t.Peer.Cert != nil {
		ev = append(ev, Evidence{"with the client's own certificate", outcome(ownErr)})
	}
	trust := "the listener's trust (certDb of the router's sslProfile, or trustStorePath in " + t.Fix.ServerConfig + ")"
	switch {
	case noneErr == nil:
		r.add(Finding{Check: IDClientAuth, Status: Fail, Evidence: ev,
			Message: "the server accepts a client without a certificate where mutual TLS is required",
			Hint: fmt.Sprintf("Require client certificates on this listener: authenticatePeer and an "+
				"sslProfile with certDb in qdrouterd.json, or a trust store in %s.", t.Fix.ServerConfig)})
	case strangerErr == nil:
		r.add(Finding{Check: IDClientAuth, Status: Fail, Evidence: ev,
			Message: "the server accepts a client certificate from another CA",
			Hint:    "Trust only this stack's CA: " + trust + " must hold trusted-certs.pem and nothing else."})
	case t.Peer.Cert != nil && refusedClient(ownErr):
		r.add(Finding{Check: IDClientAuth, Status: Fail, Evidence: ev,
			Message: "the server refuses the client's own certificate",
			Hint:    "The client's certificate must come from the CA in " + trust + "; regenerate it with honoctl certs."})
	default:
		r.add(Finding{Check: IDClientAuth, Status: Pass, Evidence: ev,
			Message: "refuses clients without a certificate or from another CA, accepts the stack's client"})
	}
}

func outcome(err error) string {
	if err == nil {
		return "accepted"
	}
	return "refused (" + err.Error() + ")"
}

// strangerCert is a client certificate with the subject of a Hono component
// from a CA nobody trusts: what an intruder or a mixed-up PKI presents.
func (p *TLSProber) strangerCert() (*tls.Certificate, error) {
	p.strangerOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			p.strangerErr = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(time.Now().UnixNano()),
			Subject: pkix.Name{Organization: []string{"Eclipse IoT"}, OrganizationalUnit: []string{"Hono"},
				CommonName: "hono-messaging"},
			NotBefore:   time.Now().Add(-time.Hour),
			NotAfter:    time.Now().Add(24 * time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			p.strangerErr = err
			return
		}
		p.stranger = &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return p.stranger, p.strangerErr
}

// plaintext looks at the plain port next to the TLS one.
func (r *run) plaintext(ctx context.Context) {
	t := r.t
	if t.PlainAddr == "" {
		r.add(Finding{Check: IDPlaintext, Status: Pass, Message: "the server has no plain counterpart of this port"})
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.p.timeout())
	defer cancel()
	conn, err := r.p.dial(ctx, t.PlainAddr)
	ev := []Evidence{{"plain address", t.PlainAddr}}
	switch {
	case err != nil:
		r.add(Finding{Check: IDPlaintext, Status: Pass, Evidence: ev,
			Message: fmt.Sprintf("plain port %s is closed", t.PlainAddr)})
	case t.PlainExpected:
		conn.Close()
		r.add(Finding{Check: IDPlaintext, Status: Warn, Evidence: ev,
			Message: fmt.Sprintf("plain port %s is open, as the stack was rendered (--plaintext)", t.PlainAddr),
			Hint:    "Render without --plaintext to close it; anything sent there crosses the network in clear."})
	default:
		conn.Close()
		r.add(Finding{Check: IDPlaintext, Status: Fail, Evidence: ev,
			Message: fmt.Sprintf("plain port %s accepts connections although the stack wants TLS only", t.PlainAddr),
			Hint: fmt.Sprintf("Set insecurePortEnabled to false in %s (or remove the plain listener from "+
				"qdrouterd.json for the router).", t.Fix.ServerConfig)})
	}
}
