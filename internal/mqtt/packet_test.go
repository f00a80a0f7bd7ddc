package mqtt

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// connectPacket builds a CONNECT as a client would.
func connectPacket(clientID, user, pass string, keepAlive uint16, level byte) []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	flags := byte(0x02)
	if user != "" {
		flags |= 0x80
	}
	if pass != "" {
		flags |= 0x40
	}
	body := append(str("MQTT"), level, flags, byte(keepAlive>>8), byte(keepAlive))
	body = append(body, str(clientID)...)
	if user != "" {
		body = append(body, str(user)...)
	}
	if pass != "" {
		body = append(body, str(pass)...)
	}
	return appendPacket(nil, TypeConnect, 0, body)
}

func read(b []byte) (any, error) { return ReadPacket(bufio.NewReader(bytes.NewReader(b)), 0) }

func TestReadConnect(t *testing.T) {
	pkt, err := read(connectPacket("dev-1", "sensor1@DEFAULT_TENANT", "hono-secret", 30, 4))
	if err != nil {
		t.Fatal(err)
	}
	c := pkt.(*Connect)
	if c.ClientID != "dev-1" || *c.Username != "sensor1@DEFAULT_TENANT" || string(c.Password) != "hono-secret" ||
		c.KeepAlive != 30 || !c.CleanSession || c.ProtocolLevel != 4 {
		t.Errorf("CONNECT = %+v", c)
	}
}

func TestPublishRoundTrip(t *testing.T) {
	for _, p := range []*Publish{
		{Topic: "telemetry", Payload: []byte(`{"temp": 5}`)},
		{Topic: "event/DEFAULT_TENANT/4711", QoS: 1, PacketID: 7, Retain: true, Dup: true, Payload: []byte{}},
		{Topic: "t", Payload: bytes.Repeat([]byte{1}, 300)}, // two-byte remaining length
	} {
		b, err := EncodePublish(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := read(b)
		if err != nil {
			t.Fatalf("%s: %v", p.Topic, err)
		}
		g := got.(*Publish)
		if g.Topic != p.Topic || g.QoS != p.QoS || g.PacketID != p.PacketID || g.Retain != p.Retain ||
			g.Dup != p.Dup || !bytes.Equal(g.Payload, p.Payload) {
			t.Errorf("round trip of %+v gave %+v", p, g)
		}
	}
}

func TestReadMalformed(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"reserved connect flag", func() []byte {
			b := connectPacket("x", "", "", 0, 4)
			b[9] |= 0x01
			return b
		}(), "CONNECT reserved flag set"},
		{"password without user", func() []byte {
			b := connectPacket("x", "", "p", 0, 4)
			return b
		}(), "password without user name"},
		{"truncated body", []byte{0x30, 0x05, 0x00, 0x09, 'a'}, "read packet body"},
		{"topic longer than packet", []byte{0x30, 0x03, 0x00, 0x09, 'a'}, "packet ends early"},
		{"wildcard topic", []byte{0x30, 0x03, 0x00, 0x01, '#'}, "has wildcards"},
		{"QoS 3", []byte{0x36, 0x03, 0x00, 0x01, 'a'}, "QoS 3"},
		{"five length bytes", []byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}, "longer than 4 bytes"},
		{"too large", []byte{0x30, 0xff, 0xff, 0x7f}, "exceeds the limit"},
		{"invalid UTF-8", []byte{0x30, 0x03, 0x00, 0x01, 0xff}, "not well-formed UTF-8"},
		{"server packet from client", []byte{0x20, 0x02, 0, 0}, "not sent by clients"},
		{"subscribe flags", []byte{0x80, 0x06, 0, 1, 0, 1, 'a', 0}, "SUBSCRIBE flags must be 2"},
		{"empty subscribe", []byte{0x82, 0x02, 0, 1}, "without a topic filter"},
		{"ping with body", []byte{0xc0, 0x01, 0}, "no flags and no body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReadSubscribeAndControl(t *testing.T) {
	pkt, err := read([]byte{0x82, 0x0d, 0, 9, 0, 3, 'a', '/', '#', 1, 0, 2, 'b', '+', 0})
	if err != nil {
		t.Fatal(err)
	}
	s := pkt.(*Subscribe)
	if s.PacketID != 9 || len(s.Filters) != 2 || s.Filters[0] != (Subscription{"a/#", 1}) {
		t.Errorf("SUBSCRIBE = %+v", s)
	}
	pkt, err = read([]byte{0xe0, 0x00})
	if err != nil || pkt.(*Control).Type != TypeDisconnect {
		t.Errorf("DISCONNECT = %v, %v", pkt, err)
	}
	var pe *ProtocolError
	if _, err := read([]byte{0xf0, 0x00}); !errors.As(err, &pe) {
		t.Errorf("type 15: want a ProtocolError, got %v", err)
	}
}

// FuzzReadPacket: any input gives a packet or an error, never a panic, and
// a decoded PUBLISH encodes back to the same packet.
func FuzzReadPacket(f *testing.F) {
	f.Add(connectPacket("dev", "u@t", "p", 60, 4))
	pub, _ := EncodePublish(&Publish{Topic: "telemetry", QoS: 1, PacketID: 1, Payload: []byte("x")})
	f.Add(pub)
	f.Add([]byte{0x82, 0x06, 0, 1, 0, 1, 'a', 0})
	f.Add([]byte{0xc0, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		pkt, err := ReadPacket(bufio.NewReader(bytes.NewReader(data)), 4096)
		if err != nil {
			return
		}
		if p, ok := pkt.(*Publish); ok {
			if _, err := EncodePublish(p); err != nil {
				t.Errorf("decoded PUBLISH does not encode: %v", err)
			}
		}
	})
}
