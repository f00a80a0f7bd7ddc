package hono

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const demoSecret = "g#aWO!BUm7aj*#%X*VGXKFhxkhNrMNj0" // Hono's Swarm shared secret

var t0 = time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)

// rsaKeys returns an RS256 signing key and the matching verify-only key
// read from a certificate chain file, as the Auth Server and its clients
// have them.
func rsaKeys(t *testing.T) (sign, verify *Key) {
	t.Helper()
	p8, err := x509.MarshalPKCS8PrivateKey(testRSAKey)
	if err != nil {
		t.Fatal(err)
	}
	sign, err = LoadSigningKey(writePEM(t, "auth-server-key.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
	if err != nil {
		t.Fatal(err)
	}
	leaf := mustCert(t, testRSAKey, honoSubject("auth-server"))
	ca := mustCert(t, mustECKey(t), honoSubject("ca"))
	verify, err = LoadCertKey(writePEM(t, "auth-server-cert.pem",
		&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}, &pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	if err != nil {
		t.Fatal(err)
	}
	return sign, verify
}

func TestTokenRoundTripRS256(t *testing.T) {
	sign, verify := rsaKeys(t)
	p := mustPermissions(t)
	pr, err := p.AuthenticatePlain("", "consumer@HONO", "verysecret")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := sign.IssueToken(pr, DefaultTokenLifetime, t0)
	if err != nil {
		t.Fatal(err)
	}

	// The wire form is Hono's: header of only alg, iss/sub/exp and claims.
	parts := strings.Split(tok, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if string(hdr) != `{"alg":"RS256"}` {
		t.Errorf("header = %s, want {\"alg\":\"RS256\"}", hdr)
	}
	var claims map[string]any
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(body, &claims); err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != "Hono" || claims["sub"] != "consumer@HONO" ||
		claims["exp"] != float64(t0.Add(600*time.Second).Unix()) || claims["r:telemetry/*"] != "R" {
		t.Errorf("claims = %v", claims)
	}

	got, err := verify.ValidateToken(tok, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "consumer@HONO" || !got.Authorities.Allowed(ParseResource("telemetry/T"), Read) {
		t.Errorf("validated token = %+v", got)
	}
	if !got.Expires.Equal(t0.Add(600 * time.Second)) {
		t.Errorf("expires %v, want %v", got.Expires, t0.Add(600*time.Second))
	}
}

func TestTokenLeeway(t *testing.T) {
	sign, verify := rsaKeys(t)
	tok, err := sign.IssueToken(Principal{Name: "u"}, time.Minute, t0)
	if err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(time.Minute)
	tests := []struct {
		at          time.Time
		valid, gone bool // gone: Token.Expired at that time
	}{
		{exp.Add(-time.Second), true, false},
		{exp.Add(119 * time.Second), true, false},
		{exp.Add(121 * time.Second), false, true},
	}
	for _, tt := range tests {
		got, err := verify.ValidateToken(tok, tt.at)
		if tt.valid != (err == nil) {
			t.Errorf("at exp%+v: err = %v, want valid %v", tt.at.Sub(exp), err, tt.valid)
		}
		if err != nil && !errors.Is(err, jwt.ErrTokenExpired) {
			t.Errorf("at exp%+v: err = %v, want ErrTokenExpired", tt.at.Sub(exp), err)
		}
		if err == nil && got.Expired(tt.at) != tt.gone {
			t.Errorf("at exp%+v: Expired = %v, want %v", tt.at.Sub(exp), got.Expired(tt.at), tt.gone)
		}
	}
}

func TestTokenRejected(t *testing.T) {
	sign, verify := rsaKeys(t)
	other, err := SecretKey(demoSecret)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := sign.IssueToken(Principal{Name: "u"}, time.Minute, t0)
	hs, _ := other.IssueToken(Principal{Name: "u"}, time.Minute, t0)
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherCert, err := CertKey(mustCert(t, otherRSA, honoSubject("auth-server")))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		key   *Key
		token string
		want  error
	}{
		{"HS256 token for an RS256 validator", verify, hs, jwt.ErrTokenSignatureInvalid},
		{"RS256 token for an HS256 validator", other, good, jwt.ErrTokenSignatureInvalid},
		{"another Auth Server's certificate", otherCert, good, jwt.ErrTokenSignatureInvalid},
		{"tampered payload", verify, tamper(good), jwt.ErrTokenSignatureInvalid},
		{"garbage", verify, "not.a.token", jwt.ErrTokenMalformed},
	}
	for _, tt := range tests {
		_, err := tt.key.ValidateToken(tt.token, t0)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := verify.IssueToken(Principal{Name: "u"}, time.Minute, t0); err == nil {
		t.Error("a certificate key signed a token")
	}
}

// tamper swaps the token's payload for another one with the same header.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"Hono","sub":"admin","exp":4102444800}`))
	return strings.Join(parts, ".")
}

func TestKeyErrors(t *testing.T) {
	if _, err := SecretKey("short"); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("short secret: err = %v", err)
	}
	ec := mustECKey(t)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	_, err := LoadSigningKey(writePEM(t, "ec-key.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err == nil || !strings.Contains(err.Error(), "RSA keys only") {
		t.Errorf("EC signing key: err = %v, want RSA-only error", err)
	}
	p1 := x509.MarshalPKCS1PrivateKey(testRSAKey)
	if _, err := LoadSigningKey(writePEM(t, "rsa.pem", &pem.Block{Type: "RSA PRIVATE KEY", Bytes: p1})); err != nil {
		t.Errorf("PKCS#1 key: %v", err)
	}
	_, err = LoadSigningKey(writePEM(t, "cert.pem", &pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}))
	if err == nil || !strings.Contains(err.Error(), `PEM block "CERTIFICATE"`) {
		t.Errorf("certificate as key: err = %v", err)
	}
	ecCert := mustCert(t, ec, honoSubject("auth-server"))
	_, err = LoadCertKey(writePEM(t, "ec-cert.pem", &pem.Block{Type: "CERTIFICATE", Bytes: ecCert.Raw}))
	if err == nil || !strings.Contains(err.Error(), "need RSA") {
		t.Errorf("EC validation cert: err = %v", err)
	}
	_, err = LoadCertKey(writeFile(t, "empty.pem", "nothing here"))
	if err == nil || !strings.Contains(err.Error(), "no CERTIFICATE block") {
		t.Errorf("empty cert file: err = %v", err)
	}
}

func TestAssertion(t *testing.T) {
	key, err := SecretKey(demoSecret)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := key.Assertion("DEFAULT_TENANT", "4711", 600*time.Second, t0)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	var claims map[string]any
	_ = json.Unmarshal(body, &claims)
	if _, iss := claims["iss"]; iss || claims["sub"] != "4711" || claims["ten"] != "DEFAULT_TENANT" {
		t.Errorf("assertion claims = %v, want sub, ten, exp and no iss", claims)
	}
	exp := t0.Add(600 * time.Second)
	wrongKey, _ := SecretKey(strings.Repeat("x", 32))
	tests := []struct {
		name           string
		key            *Key
		tenant, device string
		at             time.Time
		want           string // "" for valid
	}{
		{"valid", key, "DEFAULT_TENANT", "4711", t0, ""},
		{"within skew after exp", key, "DEFAULT_TENANT", "4711", exp.Add(9 * time.Second), ""},
		{"beyond skew", key, "DEFAULT_TENANT", "4711", exp.Add(11 * time.Second), "expired"},
		{"other device", key, "DEFAULT_TENANT", "4712", t0, "sub"},
		{"other tenant", key, "HTTP_TENANT", "4711", t0, `tenant "DEFAULT_TENANT", want "HTTP_TENANT"`},
		{"other secret", wrongKey, "DEFAULT_TENANT", "4711", t0, "signature is invalid"},
	}
	for _, tt := range tests {
		err := tt.key.CheckAssertion(tok, tt.tenant, tt.device, tt.at)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}
