package hono

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
)

// PeerUID is the user id the Dispatch Router gives a peer authenticated by
// its TLS client certificate, built by the sslProfile's uidFormat: each
// letter picks a field, joined by ";" ("oun" gives
// "Eclipse IoT;Hono;qdrouter"). Letters: c country, s state, l locality,
// o organization, u organizational unit, n common name, and 1, 2, 5 for the
// certificate's SHA-1, SHA-256 and SHA-512 fingerprint in hex. An empty
// format means the subject DN. Missing fields are left out, as qdrouterd
// does.
func PeerUID(cert *x509.Certificate, uidFormat string) (string, error) {
	if uidFormat == "" {
		return cert.Subject.String(), nil
	}
	s := cert.Subject
	var parts []string
	add := func(v []string) {
		if len(v) > 0 && v[0] != "" {
			parts = append(parts, v[0])
		}
	}
	for _, c := range uidFormat {
		switch c {
		case 'c':
			add(s.Country)
		case 's':
			add(s.Province)
		case 'l':
			add(s.Locality)
		case 'o':
			add(s.Organization)
		case 'u':
			add(s.OrganizationalUnit)
		case 'n':
			add([]string{s.CommonName})
		case '1':
			sum := sha1.Sum(cert.Raw)
			parts = append(parts, hex.EncodeToString(sum[:]))
		case '2':
			sum := sha256.Sum256(cert.Raw)
			parts = append(parts, hex.EncodeToString(sum[:]))
		case '5':
			sum := sha512.Sum512(cert.Raw)
			parts = append(parts, hex.EncodeToString(sum[:]))
		default:
			return "", fmt.Errorf("uidFormat %q: unknown field %q (want letters of csloun125)", uidFormat, c)
		}
	}
	return strings.Join(parts, ";"), nil
}
