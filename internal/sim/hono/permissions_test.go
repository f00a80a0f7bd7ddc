package hono

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"
)

func TestAuthenticatePlain(t *testing.T) {
	p := mustPermissions(t)
	tests := []struct {
		name                      string
		authzid, authcid, passwrd string
		wantName                  string // "" means ErrUnauthorized
		wantRead                  string // an address the principal may read
	}{
		{"consumer", "", "consumer@HONO", "verysecret", "consumer@HONO", "telemetry/DEFAULT_TENANT"},
		{"wrong password", "", "consumer@HONO", "verysecret!", "", ""},
		{"empty password", "", "consumer@HONO", "", "", ""},
		{"unknown user", "", "nobody@HONO", "x", "", ""},
		{"EXTERNAL user over PLAIN", "", "hono-messaging", "x", "", ""},
		{"component impersonates", "consumer@HONO", "http-adapter@HONO", "http-secret", "consumer@HONO", "telemetry/DEFAULT_TENANT"},
		{"component with unknown authzid stays itself", "ghost@HONO", "http-adapter@HONO", "http-secret", "http-adapter@HONO", "registration/T/r"},
		{"non-component cannot impersonate", "http-adapter@HONO", "consumer@HONO", "verysecret", "consumer@HONO", "telemetry/DEFAULT_TENANT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, err := p.AuthenticatePlain(tt.authzid, tt.authcid, tt.passwrd)
			if tt.wantName == "" {
				if !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("err = %v, want ErrUnauthorized", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pr.Name != tt.wantName {
				t.Errorf("name = %q, want %q", pr.Name, tt.wantName)
			}
			if !pr.Authorities.Allowed(ParseResource(tt.wantRead), Read) {
				t.Errorf("%s may not read %s: %v", pr.Name, tt.wantRead, pr.Authorities)
			}
		})
	}
}

func TestAuthenticateExternal(t *testing.T) {
	p := mustPermissions(t)
	cert := mustCert(t, mustECKey(t), honoSubject("hono-messaging"))
	pr, err := p.AuthenticateExternal("", cert.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Name != "hono-messaging" || len(pr.Authorities) != 0 {
		t.Errorf("principal = %+v, want hono-messaging without authorities", pr)
	}

	// A PLAIN user's CN is not an EXTERNAL user.
	cert = mustCert(t, mustECKey(t), honoSubject("consumer@HONO"))
	if _, err := p.AuthenticateExternal("", cert.Subject); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("consumer@HONO over EXTERNAL: err = %v, want ErrUnauthorized", err)
	}
	cert = mustCert(t, mustECKey(t), pkix.Name{Organization: []string{"Eclipse IoT"}})
	if _, err := p.AuthenticateExternal("", cert.Subject); !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "no common name") {
		t.Errorf("no CN: err = %v, want ErrUnauthorized naming the missing common name", err)
	}
}

// TestCommonNameJavaOrder follows Hono's rule that the DN, printed last
// attribute first, must start with CN=.
func TestCommonNameJavaOrder(t *testing.T) {
	cnFirst := pkix.Name{Names: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "qdrouter"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Eclipse IoT"},
	}}
	if got := CommonName(cnFirst); got != "" {
		t.Errorf("CN as first attribute: CommonName = %q, want none (Java prints O=... first)", got)
	}
	if got := CommonName(honoSubject("qdrouter")); got != "qdrouter" {
		t.Errorf("Hono subject: CommonName = %q, want qdrouter", got)
	}
	cert := mustCert(t, mustECKey(t), honoSubject("auth-server"))
	if got := CommonName(cert.Subject); got != "auth-server" {
		t.Errorf("parsed certificate: CommonName = %q, want auth-server", got)
	}
}

func TestParsePermissionsErrors(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"not JSON", `{`, "unexpected end"},
		{"bad activity", `{"roles":{"r":[{"resource":"x","activities":["FLY"]}]}}`, `role r, authority 0: unknown activity "FLY"`},
		{"empty authority", `{"roles":{"r":[{"activities":["READ"]}]}}`, "neither resource nor operation"},
	}
	for _, tt := range tests {
		_, err := ParsePermissions([]byte(tt.json))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
	_, err := LoadPermissions("file:///nonexistent/permissions.json")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/permissions.json") {
		t.Errorf("missing file: err = %v, want the path named", err)
	}
}

func TestOperationWithoutNameIsSkipped(t *testing.T) {
	p, err := ParsePermissions([]byte(`{"roles":{"r":[{"operation":"registration/*","activities":["EXECUTE"]}]},
		"users":{"u":{"mechanism":"PLAIN","password":"p","authorities":["r"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.AuthenticatePlain("", "u", "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.Authorities) != 0 {
		t.Errorf("authorities = %v, want none (Hono ignores an operation without a name)", pr.Authorities)
	}
	if got := p.Users(); len(got) != 1 || got[0] != "u" {
		t.Errorf("Users() = %v", got)
	}
}
