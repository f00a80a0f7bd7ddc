package check

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
	"github.com/honoctl/honoctl/internal/sim/router"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// simStack is a rendered default stack folder whose PKI is the one the
// in-process Auth Server and router run with.
type simStack struct {
	*Stack
	sim *simtest.Stack
	// auth is the Auth Server; external and internal the router's 5671
	// and 5673.
	auth, external, internal string
}

func newSimStack(t *testing.T) *simStack {
	t.Helper()
	sim := simtest.NewStack(t)
	dir := t.TempDir()
	top := topology.Default()
	rs, err := render.Render(top, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Write(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, render.CertsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	pems, _ := filepath.Glob(filepath.Join(sim.Secrets, "*.pem"))
	for _, p := range pems {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, render.CertsDir, filepath.Base(p)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pki, err := LoadPKI(filepath.Join(dir, render.CertsDir))
	if err != nil {
		t.Fatal(err)
	}
	return &simStack{Stack: &Stack{Dir: dir, Top: top, PKI: pki}, sim: sim}
}

// runAuthAndRouter starts the Auth Server and the router in process.
func (s *simStack) runAuthAndRouter(t *testing.T) {
	t.Helper()
	as, err := auth.New(s.sim.Config(t, topology.RoleAuth, "hono-service-auth"), health.NewStatus(),
		simtest.NewLogger(t).Logger)
	if err != nil {
		t.Fatal(err)
	}
	aln := simtest.Listen(t)
	simtest.Run(t, func(ctx context.Context) error { return as.Serve(ctx, auth.Ports{Secure: aln}) })
	s.auth = aln.Addr().String()

	cfg := s.sim.Router(t)
	_, port := splitPort(t, s.auth)
	for name, p := range cfg.AuthServicePlugins {
		p.Host, p.Port = "localhost", config.Port(port)
		cfg.AuthServicePlugins[name] = p
	}
	r, err := router.New(cfg, health.NewStatus(), simtest.NewLogger(t).Logger)
	if err != nil {
		t.Fatal(err)
	}
	var lns []net.Listener
	for _, l := range cfg.Listeners {
		ln := simtest.Listen(t)
		lns = append(lns, ln)
		if l.Port == 5673 {
			s.internal = ln.Addr().String()
		} else {
			s.external = ln.Addr().String()
		}
	}
	simtest.Run(t, func(ctx context.Context) error { return r.Serve(ctx, lns) })
}

func splitPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, c := range p {
		n = n*10 + int(c-'0')
	}
	return h, n
}

// target is the AMQP target of the link from client on channel c, dialled
// at addr instead of its network alias.
func (s *simStack) target(t *testing.T, c topology.Channel, client, addr string) AMQPTarget {
	t.Helper()
	v := InNetwork
	if client == topology.ClientApplication {
		v = Host
	}
	ts, err := AMQPTargets(s.Stack, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range ts {
		if tg.Link.Channel == c && tg.Link.Client == client {
			tg.Addr = addr
			return tg
		}
	}
	t.Fatalf("no AMQP target for %s on channel %d", client, c)
	return AMQPTarget{}
}

func probeCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// findingsByCheck indexes findings by check id and fails on a duplicate.
func findingsByCheck(t *testing.T, fs []Finding) map[string]Finding {
	t.Helper()
	m := map[string]Finding{}
	for _, f := range fs {
		if _, dup := m[f.Check]; dup {
			t.Errorf("two %s findings", f.Check)
		}
		m[f.Check] = f
	}
	return m
}

func wantStatus(t *testing.T, m map[string]Finding, want map[string]Status) {
	t.Helper()
	for id, st := range want {
		f, ok := m[id]
		if !ok {
			t.Errorf("no %s finding", id)
			continue
		}
		if f.Status != st {
			t.Errorf("%s: %s (%s), want %s", id, f.Status, f.Message, st)
		}
		if f.Status == Fail && f.Hint == "" {
			t.Errorf("%s fails without a hint", id)
		}
	}
	if len(m) != len(want) {
		t.Errorf("findings %v, want exactly %v", keys(m), want)
	}
}

func keys(m map[string]Finding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// noSecrets fails when a finding carries one of the stack's passwords.
func noSecrets(t *testing.T, fs []Finding, secrets ...string) {
	t.Helper()
	for _, f := range fs {
		text := f.Message + f.Hint
		for _, e := range f.Evidence {
			text += e.Key + e.Value
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s finding shows a password: %+v", f.Check, f)
			}
		}
	}
}
