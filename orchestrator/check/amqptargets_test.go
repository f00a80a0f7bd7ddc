package check

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestAMQPTargetsEveryTopology: every topology honoctl renders gives an
// AMQP target for each AMQP link, with the credentials its client reads
// and, for EXTERNAL, the client's certificate.
func TestAMQPTargetsEveryTopology(t *testing.T) {
	certsDir := filepath.Join(t.TempDir(), render.CertsDir)
	if _, err := certs.Generate(certsDir, topology.Default(), certs.Options{}); err != nil {
		t.Fatal(err)
	}
	variants := map[string]func(*topology.Options){
		"default":            func(*topology.Options) {},
		"adapters to router": func(o *topology.Options) { o.AdaptersToRouter = true },
		"plaintext":          func(o *topology.Options) { o.Plaintext = true },
		"upstream":           func(o *topology.Options) { o.Flavor = topology.FlavorUpstream },
	}
	for _, c := range topology.Channels {
		variants["TLS off on "+c.String()] = func(o *topology.Options) { o.TLSOff = []topology.Channel{c} }
	}
	for name, edit := range variants {
		t.Run(name, func(t *testing.T) {
			o := topology.DefaultOptions()
			edit(&o)
			top, err := topology.New(o)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			rs, err := render.Render(top, render.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := rs.Write(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(certsDir, filepath.Join(dir, render.CertsDir)); err != nil {
				t.Fatal(err)
			}
			pki, err := LoadPKI(filepath.Join(dir, render.CertsDir))
			if err != nil {
				t.Fatal(err)
			}
			s := &Stack{Dir: dir, Top: top, PKI: pki}
			var n int
			for _, v := range []Vantage{InNetwork, Host} {
				ts, err := AMQPTargets(s, v)
				if err != nil {
					t.Fatal(err)
				}
				for _, tg := range ts {
					n++
					switch {
					case tg.Mechanism == topology.SASLPlain && (tg.User == "" || tg.Password == ""):
						t.Errorf("%s: PLAIN without a user", tg.Link)
					case tg.Mechanism == topology.SASLExternal && (tg.TLS == nil || len(tg.TLS.Certificates) != 1):
						t.Errorf("%s: EXTERNAL without a client certificate", tg.Link)
					case tg.Link.TLS != (tg.TLS != nil):
						t.Errorf("%s: TLS %v, link says %v", tg.Link, tg.TLS != nil, tg.Link.TLS)
					}
				}
			}
			want := 0
			for _, l := range top.Links {
				if l.Protocol == "amqp" {
					want++
				}
			}
			if n != want {
				t.Errorf("%d AMQP targets, want %d", n, want)
			}
		})
	}
}
