package hono

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"
)

// BenchmarkValidateToken is what Hono Messaging and the registry pay per
// delegated login: an RS256 token checked with the Auth Server's
// certificate, claims decoded into authorities.
func BenchmarkValidateToken(b *testing.B) {
	sign := RSAKey(testRSAKey)
	verify := &Key{method: sign.method, verify: &testRSAKey.PublicKey}
	p := Principal{Name: "consumer@HONO", Authorities: Authorities{"r:telemetry/*": "R", "r:event/*": "R", "r:control/*": "RW"}}
	tok, err := sign.IssueToken(p, time.Minute, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := verify.ValidateToken(tok, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAVerifyReference is the reference for BenchmarkValidateToken:
// the bare RSA PKCS#1 v1.5 signature check inside it.
func BenchmarkRSAVerifyReference(b *testing.B) {
	digest := sha256.Sum256([]byte("header.payload"))
	sig, err := rsa.SignPKCS1v15(nil, testRSAKey, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := rsa.VerifyPKCS1v15(&testRSAKey.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllowed is one link attach's authorization check with the
// demo consumer's authorities (a miss falls through all five levels).
func BenchmarkAllowed(b *testing.B) {
	a := Authorities{"r:telemetry/*": "R", "r:event/*": "R", "r:control/*": "RW"}
	hit, miss := ParseResource("telemetry/DEFAULT_TENANT"), ParseResource("registration/DEFAULT_TENANT/x")
	b.ResetTimer()
	for range b.N {
		if !a.Allowed(hit, Read) || a.Allowed(miss, Read) {
			b.Fatal("wrong answer")
		}
	}
}
