package certs

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// hintRenew is the fix for a service certificate that is wrong in a way
// only a new certificate mends.
const hintRenew = "re-issue it from the CA: honoctl certs --dir <stack> (keeps the CA, renews what is invalid)"

// Lint checks the PKI in dir against topology t at time now: every file
// the stack needs is there and readable, every certificate chains to
// trusted-certs.pem, chain files hold the leaf first and are complete, keys
// match, every name a client dials is covered, and validity, usages and key
// strength fit. It works on folders that honoctl did not write, such as
// Hono's own demo-certs, and needs no CA key. Certificate files of services
// the topology does not have are checked too, except for names and usages.
func Lint(dir string, t *topology.Topology, now time.Time) []Finding {
	l := &linter{dir: dir, top: t, now: now, seen: map[string]bool{}}
	l.lintTrust()
	for _, s := range t.Services {
		l.lintService(s)
	}
	l.foreign = true
	for _, name := range l.otherChainFiles() {
		l.lintChainFile(name, strings.TrimSuffix(name, "-cert.pem")+"-key.pem", nil)
	}
	return l.findings()
}

// linter collects findings; a check that ran on a file and found nothing
// passes.
type linter struct {
	dir string
	top *topology.Topology
	now time.Time

	// trusted is trusted-certs.pem; roots are its self-signed certificates.
	trusted, roots []*x509.Certificate

	// foreign is set while files of no topology service are checked:
	// honoctl does not renew those, so hints must not say it would.
	foreign bool

	out  []Finding
	ran  []Finding // a pass for each check and file, unless it found something
	seen map[string]bool
}

func (l *linter) run(id, file string) {
	l.ran = append(l.ran, Finding{Check: id, Status: Pass, File: file, Message: "ok"})
}

func (l *linter) add(st Status, id, file, hint, format string, a ...any) {
	if l.foreign && strings.Contains(hint, "honoctl certs") {
		hint = "no service of the topology uses " + file + ", so honoctl does not renew it: " +
			"issue it again from the CA in " + TrustedCerts + ", or remove it"
	}
	l.seen[id+" "+file] = true
	l.out = append(l.out, Finding{Check: id, Status: st, File: file, Message: fmt.Sprintf(format, a...), Hint: hint})
}

func (l *linter) fail(id, file, hint, format string, a ...any) {
	l.add(Fail, id, file, hint, format, a...)
}

func (l *linter) warn(id, file, hint, format string, a ...any) {
	l.add(Warn, id, file, hint, format, a...)
}

func (l *linter) findings() []Finding {
	out := l.out
	for _, p := range l.ran {
		if !l.seen[p.Check+" "+p.File] {
			out = append(out, p)
			l.seen[p.Check+" "+p.File] = true
		}
	}
	return out
}

// read returns the contents of dir/name; when the file is missing or
// unreadable it reports that and returns false. optional files that are
// missing return false without a finding.
func (l *linter) read(name string, optional bool, hint string) ([]byte, bool) {
	data, err := os.ReadFile(filepath.Join(l.dir, name))
	switch {
	case errors.Is(err, fs.ErrNotExist) && optional:
		return nil, false
	case errors.Is(err, fs.ErrNotExist):
		l.fail(IDMissing, name, hint, "missing in %s", l.dir)
		return nil, false
	case err != nil:
		l.fail(IDMissing, name, "make it readable by the user that runs the stack",
			"unreadable: %v", errors.Unwrap(err))
		return nil, false
	}
	l.run(IDMissing, name)
	return data, true
}

// readCerts reads a PEM certificate file.
func (l *linter) readCerts(name string, optional bool, hint string) []*x509.Certificate {
	data, ok := l.read(name, optional, hint)
	if !ok {
		return nil
	}
	certs, err := ParseCerts(data)
	if err != nil {
		l.fail(IDMissing, name, "write PEM certificates (-----BEGIN CERTIFICATE-----) into it",
			"unreadable as PEM certificates: %v", err)
		return nil
	}
	return certs
}

// readKey reads a PEM private key and checks that only its owner can read
// it.
func (l *linter) readKey(name string) crypto.Signer {
	data, ok := l.read(name, false, "put the service's private key there (unencrypted PKCS#8 PEM), "+
		"or "+hintRenew)
	if !ok {
		return nil
	}
	key, _, err := ParseKey(data)
	if err != nil {
		l.fail(IDMissing, name, "write the key as unencrypted PKCS#8 PEM: "+
			"openssl pkcs8 -topk8 -nocrypt -in KEY -out "+name, "unreadable as a private key: %v", err)
		return nil
	}
	l.run(IDKeyMode, name)
	if fi, err := os.Stat(filepath.Join(l.dir, name)); err == nil && fi.Mode().Perm()&0o077 != 0 {
		l.warn(IDKeyMode, name, "chmod 600 "+filepath.Join(l.dir, name),
			"private key readable by group or others (mode %04o)", fi.Mode().Perm())
	}
	return key
}

// otherChainFiles are the *-cert.pem files of dir that belong to no service
// of the topology and are not the CA's: Hono's demo-certs has artemis and
// amqp-adapter, for instance.
func (l *linter) otherChainFiles() []string {
	known := []string{RootCert, CACert}
	for _, s := range l.top.Services {
		known = append(known, s.CertFile())
	}
	matches, _ := filepath.Glob(filepath.Join(l.dir, "*-cert.pem"))
	var out []string
	for _, m := range matches {
		if name := filepath.Base(m); !slices.Contains(known, name) {
			out = append(out, name)
		}
	}
	return out
}

// verify builds a path from leaf through inters to one of roots. An expired
// certificate is the validity check's business: the path is then tried
// again at the middle of the leaf's life.
func verify(leaf *x509.Certificate, roots, inters []*x509.Certificate, now time.Time) error {
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	for _, c := range roots {
		opts.Roots.AddCert(c)
	}
	for _, c := range inters {
		opts.Intermediates.AddCert(c)
	}
	_, err := leaf.Verify(opts)
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
		opts.CurrentTime = leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
		_, err = leaf.Verify(opts)
	}
	return err
}

// name is how findings refer to a certificate.
func name(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return "CN=" + c.Subject.CommonName
	}
	return c.Subject.String()
}

func isSelfSigned(c *x509.Certificate) bool {
	return string(c.RawSubject) == string(c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
