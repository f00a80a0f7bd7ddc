package certs

import (
	"testing"
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
