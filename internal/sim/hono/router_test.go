package hono

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/config"
)

func mustRouterConfig(t *testing.T) *config.Router {
	t.Helper()
	r, err := config.LoadRouter(refFile("qdrouterd.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustPolicy(t *testing.T) *Policy {
	t.Helper()
	return NewPolicy(mustRouterConfig(t))
}

func TestPolicyAdmit(t *testing.T) {
	tests := []struct {
		name, hostname, user string
		wantVhost, wantGroup string // "" means denied
	}{
		{"messaging on hono-internal", "hono-internal", "Eclipse IoT;Hono;hono-messaging", "hono-internal", "Hono"},
		{"http adapter on hono-internal", "hono-internal", "Eclipse IoT;Hono;http-adapter", "hono-internal", "Hono"},
		{"unknown cert on hono-internal", "hono-internal", "Eclipse IoT;Hono;intruder", "", ""},
		{"router's own cert on hono-internal", "hono-internal", "Eclipse IoT;Hono;qdrouter", "", ""},
		{"http adapter command vhost", "hono-http-internal", "Eclipse IoT;Hono;http-adapter", "hono-http-internal", "Hono"},
		{"mqtt adapter on http's command vhost", "hono-http-internal", "Eclipse IoT;Hono;mqtt-adapter", "", ""},
		{"consumer on hono", "hono", "consumer@HONO", "hono", "$default"},
		{"consumer with its host's name", "hono-dispatch-router.hono", "consumer@HONO", "hono", "$default"},
		{"consumer without a hostname", "", "consumer@HONO", "hono", "$default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustPolicy(t)
			a, err := p.Admit(tt.hostname, tt.user, "10.0.0.1")
			if tt.wantVhost == "" {
				if !errors.Is(err, ErrPolicyDenied) {
					t.Fatalf("err = %v, want ErrPolicyDenied", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Vhost.Hostname != tt.wantVhost || a.Group.Name != tt.wantGroup {
				t.Errorf("admitted to %s/%s, want %s/%s", a.Vhost.Hostname, a.Group.Name, tt.wantVhost, tt.wantGroup)
			}
		})
	}
}

func TestPolicyLinks(t *testing.T) {
	p := mustPolicy(t)
	internal, err := p.Admit("hono-internal", "Eclipse IoT;Hono;hono-messaging", "h")
	if err != nil {
		t.Fatal(err)
	}
	app, err := p.Admit("hono", "consumer@HONO", "h")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		a       *Admission
		sender  bool // a link on which the peer sends: check the target
		address string
		want    bool
	}{
		{"messaging sends telemetry", internal, true, "telemetry/DEFAULT_TENANT", true},
		{"messaging sends events", internal, true, "event/DEFAULT_TENANT", true},
		{"messaging may not receive telemetry", internal, false, "telemetry/DEFAULT_TENANT", false},
		{"messaging may not send control", internal, true, "control/DEFAULT_TENANT", false},
		{"consumer receives telemetry", app, false, "telemetry/DEFAULT_TENANT", true},
		{"consumer may not send telemetry", app, true, "telemetry/DEFAULT_TENANT", false},
		{"consumer sends control", app, true, "control/DEFAULT_TENANT/4711", true},
		{"consumer sends anonymously", app, true, "", true},
		{"messaging may not send anonymously", internal, true, "", false},
	}
	for _, tt := range tests {
		var got bool
		if tt.sender {
			got = tt.a.AllowTarget(tt.address)
		} else {
			got = tt.a.AllowSource(tt.address)
		}
		if got != tt.want {
			t.Errorf("%s: allowed = %v, want %v", tt.name, got, tt.want)
		}
	}
	if g := internal.Group; g.MaxSessions != 2 || g.MaxFrameSize != 16384 || g.MaxMessageSize != 131072 || !g.AllowUserIDProxy {
		t.Errorf("hono-internal group limits = %+v", g)
	}
}

func TestPolicyConnectionLimits(t *testing.T) {
	p := mustPolicy(t)
	// hono-internal allows 9 connections.
	var held []*Admission
	for i := range 9 {
		a, err := p.Admit("hono-internal", "Eclipse IoT;Hono;hono-messaging", "h")
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		held = append(held, a)
	}
	_, err := p.Admit("hono-internal", "Eclipse IoT;Hono;http-adapter", "h")
	if !errors.Is(err, ErrPolicyDenied) || !strings.Contains(err.Error(), "vhost hono-internal has 9 connections") {
		t.Fatalf("10th connection: err = %v", err)
	}
	held[0].Release()
	held[0].Release() // twice is harmless
	if _, err := p.Admit("hono-internal", "Eclipse IoT;Hono;http-adapter", "h"); err != nil {
		t.Errorf("after a release: %v", err)
	}
	if _, err := p.Admit("hono-internal", "Eclipse IoT;Hono;http-adapter", "h"); err == nil {
		t.Error("a second place appeared from one release")
	}

	// vhost hono: 10 per host, 20 per user.
	for i := range 10 {
		if _, err := p.Admit("hono", "consumer@HONO", "10.0.0.1"); err != nil {
			t.Fatalf("consumer connection %d: %v", i+1, err)
		}
	}
	if _, err := p.Admit("hono", "consumer@HONO", "10.0.0.1"); err == nil || !strings.Contains(err.Error(), "host 10.0.0.1") {
		t.Errorf("11th from one host: err = %v", err)
	}
	for i := range 10 {
		if _, err := p.Admit("hono", "consumer@HONO", "10.0.0.2"); err != nil {
			t.Fatalf("consumer connection %d from host 2: %v", i+1, err)
		}
	}
	if _, err := p.Admit("hono", "consumer@HONO", "10.0.0.3"); err == nil || !strings.Contains(err.Error(), `user "consumer@HONO"`) {
		t.Errorf("21st of one user: err = %v", err)
	}
}

func TestPolicyConcurrentAdmit(t *testing.T) {
	p := mustPolicy(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	admitted := 0
	for range 50 {
		wg.Go(func() {
			if a, err := p.Admit("hono-internal", "Eclipse IoT;Hono;hono-messaging", "h"); err == nil {
				mu.Lock()
				admitted++
				mu.Unlock()
				_ = a
			}
		})
	}
	wg.Wait()
	if admitted != 9 {
		t.Errorf("%d admitted concurrently, want the limit of 9", admitted)
	}
}

func TestPolicyOff(t *testing.T) {
	p := NewPolicy(&config.Router{})
	a, err := p.Admit("anything", "anyone", "h")
	if err != nil {
		t.Fatal(err)
	}
	if !a.AllowSource("x") || !a.AllowTarget("") {
		t.Error("without a vhost policy a link was refused")
	}
}

func TestPeerUID(t *testing.T) {
	cert := mustCert(t, mustECKey(t), honoSubject("hono-messaging"))
	tests := []struct{ format, want string }{
		{"oun", "Eclipse IoT;Hono;hono-messaging"},
		{"n", "hono-messaging"},
		{"clou", "CA;Ottawa;Eclipse IoT;Hono"},
		{"so", "Eclipse IoT"}, // no state: left out
	}
	for _, tt := range tests {
		got, err := PeerUID(cert, tt.format)
		if err != nil || got != tt.want {
			t.Errorf("PeerUID(%q) = %q, %v; want %q", tt.format, got, err, tt.want)
		}
	}
	if got, _ := PeerUID(cert, "2"); len(got) != 64 {
		t.Errorf("sha-256 fingerprint %q, want 64 hex digits", got)
	}
	if _, err := PeerUID(cert, "oux"); err == nil || !strings.Contains(err.Error(), `unknown field 'x'`) {
		t.Errorf("bad format: err = %v", err)
	}
}
