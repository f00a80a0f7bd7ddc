package topology

import (
	"slices"
	"testing"
)

func TestParseChannel(t *testing.T) {
	for in, want := range map[string]Channel{
		"1": ChannelAppRouter, "7": ChannelDeviceAdapter, "messaging-auth": ChannelMessagingAuth,
		" Adapter-Registry ": ChannelAdapterRegistry,
	} {
		if got, err := ParseChannel(in); err != nil || got != want {
			t.Errorf("ParseChannel(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"0":    "channel 0: want a channel from 1 to 7",
		"auth": `channel "auth": want 1 to 7 or one of app-router, messaging-router, messaging-auth, registry-auth, adapter-registry, adapter-messaging, device-adapter`,
	} {
		if _, err := ParseChannel(in); err == nil || err.Error() != want {
			t.Errorf("ParseChannel(%q) err = %v, want %s", in, err, want)
		}
	}
	for _, c := range Channels {
		if got, _ := ParseChannel(c.Key()); got != c {
			t.Errorf("channel %d does not parse back from its key %q", c, c.Key())
		}
	}
}

func TestParseAdapters(t *testing.T) {
	got, err := ParseAdapters("mqtt, hono-adapter-http-vertx,mqtt-adapter")
	if err != nil || !slices.Equal(got, []Role{RoleMQTTAdapter, RoleHTTPAdapter}) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := ParseAdapters(" , "); err == nil {
		t.Error("an empty list is accepted")
	}
	if _, err := ParseAdapters("http,amqp"); err == nil || err.Error() != `adapter "amqp": want http, mqtt or kura` {
		t.Errorf("err = %v", err)
	}
}

func TestParseEngine(t *testing.T) {
	for in, want := range map[string]string{
		"hono-service-auth=openssl": "hono-service-auth", "auth=jdk": "hono-service-auth",
		"http=OpenSSL": "hono-adapter-http-vertx", "registry=openssl": "hono-service-device-registry",
	} {
		if name, _, err := ParseEngine(in); err != nil || name != want {
			t.Errorf("ParseEngine(%q) = %q, %v; want %s", in, name, err, want)
		}
	}
	for in, want := range map[string]string{
		"auth":                         `engine "auth": want SERVICE=jdk or SERVICE=openssl`,
		"auth=boringssl":               `engine "boringssl" for auth: want jdk or openssl`,
		"hono-dispatch-router=openssl": "engine for hono-dispatch-router: the Dispatch Router is not a Java service; it always uses OpenSSL",
	} {
		if _, _, err := ParseEngine(in); err == nil || err.Error() != want {
			t.Errorf("ParseEngine(%q) err = %v\nwant %s", in, err, want)
		}
	}
}
