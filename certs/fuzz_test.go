package certs

import (
	"encoding/asn1"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The lint reads files that anyone may have written. These fuzz targets
// hold its parsers to one rule: bad input is an error, never a panic, and
// success returns something usable. Seeds are in testdata/fuzz.

func FuzzParseCerts(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseCerts(data)
		if err == nil && (len(certs) == 0 || certs[0] == nil) {
			t.Fatal("no error and no certificate")
		}
	})
}

func FuzzParseKey(f *testing.F) {
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, _, err := ParseKey(data)
		if err == nil && key == nil {
			t.Fatal("no error and no key")
		}
		if err == nil {
			_ = key.Public()
		}
	})
}

func FuzzDecodeKeyStore(f *testing.F) {
	f.Add([]byte{0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03}, "httpkeys")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		key, leaf, _, err := DecodeKeyStore(data, password)
		if err == nil && (key == nil || leaf == nil) {
			t.Fatal("no error and no key or certificate")
		}
	})
}

func FuzzDecodeTrustStore(f *testing.F) {
	f.Add([]byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1}, TrustStorePassword)
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		entries, err := DecodeTrustStore(data, password)
		if err == nil && len(entries) == 0 {
			t.Fatal("no error and no entries")
		}
	})
}

// TestKeyStoreIterationBound: a key store that asks for a billion key
// derivation iterations is refused at once instead of keeping the lint
// busy for hours.
func TestKeyStoreIterationBound(t *testing.T) {
	dir := mustBasePKI(t)
	data := mustRead(t, filepath.Join(dir, "httpKeyStore.p12"))
	patched := withMacIterations(t, data, 1_000_000_000)
	start := time.Now()
	_, _, _, err := DecodeKeyStore(patched, "httpkeys")
	if err == nil || !strings.Contains(err.Error(), "too many iterations") {
		t.Errorf("error %v, want too many iterations", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	if _, _, _, err := DecodeKeyStore(data, "httpkeys"); err != nil {
		t.Errorf("the unpatched store: %v", err)
	}
}

// withMacIterations re-encodes a PKCS#12 file with another MAC iteration
// count (RFC 7292 PFX and MacData).
func withMacIterations(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			MacSalt    []byte
			Iterations int `asn1:"optional,default:1"`
		} `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(data, &pfx); err != nil {
		t.Fatal(err)
	}
	pfx.MacData.Iterations = n
	out, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
