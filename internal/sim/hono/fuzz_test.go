package hono

import (
	"os"
	"strings"
	"testing"
)

// FuzzParsePermissions: any bytes either parse or give an error; a parsed
// file never grants what it does not name.
func FuzzParsePermissions(f *testing.F) {
	if b, err := os.ReadFile(refFile("permissions.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"roles":{"r":[{"operation":"x"}]},"users":{"u":{"mechanism":"PLAIN","password":"p","authorities":["r","r"]}}}`))
	f.Add([]byte(`{"users":{"":{}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePermissions(b)
		if err != nil {
			return
		}
		for _, name := range p.Users() {
			u, _ := p.User(name)
			pr := p.principal(u, "")
			for k := range pr.Authorities {
				if !strings.HasPrefix(k, "r:") && !strings.HasPrefix(k, "o:") {
					t.Fatalf("authority key %q without r: or o:", k)
				}
			}
		}
		_, _ = p.AuthenticatePlain("", "", "")
	})
}

// FuzzParseResource: a parsed address joins back to a prefix of itself.
func FuzzParseResource(f *testing.F) {
	for _, s := range []string{"telemetry/DEFAULT_TENANT/4711", "tenant", "", "/", "a//b", "x/y/z/w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseResource(s)
		if !strings.HasPrefix(s, r.String()) {
			t.Fatalf("ParseResource(%q).String() = %q, not a prefix", s, r.String())
		}
		a := Authorities{}
		a.AddResource(r.String(), Read)
		if r.Endpoint() != "" && !a.Allowed(r, Read) {
			t.Fatalf("a grant on %q does not allow reading it", r.String())
		}
	})
}
