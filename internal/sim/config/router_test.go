package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadRouterReference(t *testing.T) {
	r, err := LoadRouter(reference + "qdrouterd.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("the rendered router file should load without warnings:\n%s", strings.Join(r.Warnings, "\n"))
	}
	if r.Router.ID != "Hono.Example.Router" {
		t.Errorf("router id = %q", r.Router.ID)
	}
	internal := r.SSLProfiles["internal"]
	if internal.UIDFormat != "oun" || internal.KeyFile != "/run/secrets/qdrouter-key.pem" ||
		internal.CertDB != "/run/secrets/trusted-certs.pem" {
		t.Errorf("sslProfile internal = %+v", internal)
	}
	plugin := r.AuthServicePlugins["Hono Auth"]
	if plugin.Host != "hono-service-auth.hono" || plugin.Port != 5671 || plugin.SSLProfile != "internal" {
		t.Errorf("authServicePlugin = %+v", plugin)
	}
	if len(r.Listeners) != 2 {
		t.Fatalf("want 2 listeners, got %+v", r.Listeners)
	}
	ext, in := r.Listeners[0], r.Listeners[1]
	if ext.Port != 5671 || ext.SASLPlugin != "Hono Auth" || !ext.RequireSSL || ext.SSLProfile != "external" {
		t.Errorf("external listener = %+v", ext)
	}
	if in.Port != 5673 || in.SASLMechanisms != "EXTERNAL" || in.SSLProfile != "internal" {
		t.Errorf("internal listener = %+v", in)
	}
	users := List(r.Vhosts["hono-internal"].Groups["Hono"].Users)
	if !slices.Contains(users, "Eclipse IoT;Hono;hono-messaging") || len(users) != 4 {
		t.Errorf("hono-internal users = %q", users)
	}
	if !r.Policy.EnableVhostPolicy || r.Policy.DefaultVhost != "hono" {
		t.Errorf("policy = %+v", r.Policy)
	}
	if len(r.Addresses) != 2 || r.Addresses[0].Prefix != "telemetry/" {
		t.Errorf("addresses = %+v", r.Addresses)
	}
}

func TestLoadRouterWarningsAndErrors(t *testing.T) {
	write := func(text string) string {
		p := filepath.Join(t.TempDir(), "qdrouterd.json")
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	p := write(`[["linkRoute", {"prefix": "event/", "direction": "in"}],
		["listener", {"port": "amqps", "idleTimeoutSeconds": 16}],
		["vhost", {"hostname": "h", "groups": {"g": {"users": "a", "maxTrees": 1}}}]]`)
	r, err := LoadRouter(p)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(r.Warnings, "\n")
	for _, w := range []string{`entity "linkRoute" is not supported`, `listener attribute "idleTimeoutSeconds"`,
		`vhost h group g attribute "maxTrees"`} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
	if r.Listeners[0].Port != 5671 {
		t.Errorf(`port "amqps" = %d, want 5671`, r.Listeners[0].Port)
	}

	tests := []struct{ text, want string }{
		{`{"router": {}}`, "want a JSON array of [type, attributes] pairs"},
		{`[[1, {}]]`, "entity 1: type must be a string"},
		{`[["listener", {"port": "http"}]]`, `entity 1 (listener): port "http": want a number`},
		{`[["listener", []]]`, "attributes must be a JSON object"},
	}
	for _, tt := range tests {
		if _, err := LoadRouter(write(tt.text)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadRouter(%s) err = %v, want %q", tt.text, err, tt.want)
		}
	}
}
