package topology

import (
	"slices"
	"testing"
)

func TestDefaultHasSevenChannels(t *testing.T) {
	top := Default()
	for _, c := range Channels {
		if len(top.LinksOf(c)) == 0 {
			t.Errorf("channel %d (%s) has no link", c, c)
		}
	}
	if got := len(top.Services); got != 7 {
		t.Errorf("services = %d, want 7", got)
	}
}

func TestDefaultLinksUseTLSAndAliases(t *testing.T) {
	for _, l := range Default().Links {
		if !l.TLS {
			t.Errorf("%s: TLS off in the default stack", l)
		}
		srv := Default().MustService(l.Server)
		if !slices.Contains(srv.DNSNames(), l.Hostname) {
			t.Errorf("%s: host name %q is not among %s's names %v", l, l.Hostname, srv.Name, srv.DNSNames())
		}
	}
}

func TestMessagingRouterIsMutualTLSWithExternal(t *testing.T) {
	links := Default().LinksOf(ChannelMessagingRouter)
	if len(links) != 1 {
		t.Fatalf("links = %d, want 1", len(links))
	}
	l := links[0]
	if !l.MutualTLS || !l.ClientCert || l.SASL != SASLExternal || l.Port.Container != 5673 {
		t.Errorf("link = %+v, want mutual TLS with EXTERNAL on 5673", l)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Options)
		check func(t *testing.T, top *Topology)
	}{
		{"adapters to router", func(o *Options) { o.AdaptersToRouter = true }, func(t *testing.T, top *Topology) {
			for _, l := range top.LinksOf(ChannelAdapterMessaging) {
				want := "hono-dispatch-router"
				if l.Client == "hono-adapter-kura" {
					want = "hono-service-messaging"
				}
				if l.Server != want {
					t.Errorf("%s: server %s, want %s", l, l.Server, want)
				}
			}
		}},
		{"only http adapter", func(o *Options) { o.Adapters = []Role{RoleHTTPAdapter} }, func(t *testing.T, top *Topology) {
			if len(top.Services) != 5 || len(top.LinksOf(ChannelDeviceAdapter)) != 1 {
				t.Errorf("services %d, device links %d; want 5 and 1",
					len(top.Services), len(top.LinksOf(ChannelDeviceAdapter)))
			}
		}},
		{"plaintext", func(o *Options) { o.Plaintext = true }, func(t *testing.T, top *Topology) {
			if _, ok := top.MustService("hono-adapter-http-vertx").Port("http"); !ok {
				t.Error("HTTP adapter has no plain port")
			}
		}},
		{"port offset", func(o *Options) { o.PortOffset = 100 }, func(t *testing.T, top *Topology) {
			if p, _ := top.MustService("hono-dispatch-router").Port("amqps"); p.Host != 15771 {
				t.Errorf("router host port %d, want 15771", p.Host)
			}
		}},
		{"TLS off on channel 3", func(o *Options) { o.TLSOff = []Channel{ChannelMessagingAuth} }, func(t *testing.T, top *Topology) {
			l := top.LinksOf(ChannelMessagingAuth)[0]
			if l.TLS || l.Port.Container != 5672 {
				t.Errorf("link %+v, want plain on 5672", l)
			}
			if l := top.LinksOf(ChannelRegistryAuth)[0]; !l.TLS {
				t.Error("channel 4 lost TLS too")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.edit(&o)
			top, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, top)
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	o := DefaultOptions()
	o.TLSOff = []Channel{9}
	_, err := New(o)
	if err == nil || err.Error() != "channel 9: want a channel from 1 to 7" {
		t.Errorf("err = %v", err)
	}
}
