package amqp

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// Every performative and SASL frame decodes to what was encoded.
func TestPerformativesRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		typ  byte
		body encoder
	}{
		{"open", frameAMQP, &Open{ContainerID: "c", Hostname: "h", MaxFrameSize: 512, ChannelMax: 7,
			IdleTimeout: 30 * time.Second, OutgoingLocales: []string{"en"}, IncomingLocales: []string{"de"},
			OfferedCapabilities: []string{"ADDRESS-AUTHZ"}, DesiredCapabilities: []string{"a", "b"},
			Properties: map[string]any{"authenticated-identity": "u", "address-authz": map[any]any{
				"telemetry/T": []string{"send", "recv"}}}}},
		{"begin", frameAMQP, &begin{hasRemoteChannel: true, remoteChannel: 3, nextOutgoingID: 1,
			incomingWindow: 2, outgoingWindow: 3, handleMax: 4, offered: []string{"o"}, desired: []string{"d"},
			properties: map[string]any{"p": int64(1)}}},
		{"attach", frameAMQP, &Attach{Name: "n", Handle: 2, Role: RoleSender, SndSettleMode: SenderSettled,
			RcvSettleMode: ReceiverSecond, Source: &Source{Address: "s", Durable: 1, ExpiryPolicy: "never",
				Timeout: 5, Dynamic: true, DistributionMode: "copy", Filter: map[string]any{"f": "v"},
				Outcomes: []string{"amqp:accepted:list"}, Capabilities: []string{"queue"}},
			Target: &Target{Address: "t", Durable: 2, ExpiryPolicy: "link-detach", Timeout: 6, Dynamic: true,
				Capabilities: []string{"topic"}},
			IncompleteUnsettled: true, InitialDeliveryCount: 9, MaxMessageSize: 1 << 40,
			OfferedCapabilities: []string{"hono-reg-assertion"}, DesiredCapabilities: []string{"x"},
			Properties: map[string]any{"k": true}}},
		{"flow", frameAMQP, &flow{hasNextIncomingID: true, nextIncomingID: 1, incomingWindow: 2,
			nextOutgoingID: 3, outgoingWindow: 4, hasHandle: true, handle: 5, hasDeliveryCount: true,
			deliveryCount: 6, hasLinkCredit: true, linkCredit: 7, available: 8, drain: true, echo: true}},
		{"transfer", frameAMQP, &transfer{handle: 1, hasDeliveryID: true, deliveryID: 2, deliveryTag: []byte{3},
			messageFormat: 4, settled: true, more: true, state: &Received{SectionNumber: 1, SectionOffset: 2},
			aborted: true, payload: []byte{}}},
		{"disposition accepted", frameAMQP, &disposition{role: RoleReceiver, first: 1, last: 2, hasLast: true,
			settled: true, state: &Accepted{}}},
		{"disposition rejected", frameAMQP, &disposition{role: RoleReceiver, first: 1,
			state: &Rejected{Error: &Error{Condition: ErrPreconditionFailed, Description: "d",
				Info: map[string]any{"i": int32(1)}}}}},
		{"disposition released", frameAMQP, &disposition{role: RoleSender, first: 1, state: &Released{}}},
		{"disposition modified", frameAMQP, &disposition{role: RoleReceiver, first: 1, state: &Modified{
			DeliveryFailed: true, UndeliverableHere: true, MessageAnnotations: Annotations{"a": "b"}}}},
		{"detach", frameAMQP, &detach{handle: 1, closed: true, err: &Error{Condition: ErrNotFound}}},
		{"end", frameAMQP, &end{err: &Error{Condition: ErrErrantLink, Description: "e"}}},
		{"close", frameAMQP, &closeFrame{err: &Error{Condition: ErrHonoInactivity}}},
		{"close without error", frameAMQP, &closeFrame{}},
		{"sasl-mechanisms", frameSASL, &saslMechanisms{mechanisms: []string{"PLAIN"}}},
		{"sasl-init", frameSASL, &saslInit{mechanism: "PLAIN", response: []byte("\x00a\x00b"), hostname: "h"}},
		{"sasl-outcome", frameSASL, &saslOutcome{code: SASLSysTemp, data: []byte{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w encoding.Buffer
			if err := appendFrame(&w, tt.typ, 9, tt.body, nil); err != nil {
				t.Fatal(err)
			}
			f, err := readFrame(bufio.NewReader(bytes.NewReader(w.Bytes())), 1<<16)
			if err != nil {
				t.Fatalf("decode % x: %v", w.Bytes(), err)
			}
			if f.channel != 9 || f.typ != tt.typ {
				t.Errorf("channel %d type %d", f.channel, f.typ)
			}
			if !reflect.DeepEqual(f.body, tt.body) {
				t.Errorf("got  %#v\nwant %#v", f.body, tt.body)
			}
		})
	}
}

// A frame as the spec lays it out (part 2, 2.3.1 and 2.7.7): an empty
// close on channel 0 is size 12, doff 2, type 0, channel 0, then the
// described list0 0x00 0x53 0x18 0x45.
func TestFrameBytes(t *testing.T) {
	var w encoding.Buffer
	if err := appendFrame(&w, frameAMQP, 0, &closeFrame{}, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(w.Bytes()), "0000000c02000000"+"00531845"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	w.Reset()
	_ = appendFrame(&w, frameAMQP, 0, nil, nil)
	if got := hex.EncodeToString(w.Bytes()); got != "0000000802000000" {
		t.Errorf("heartbeat: %s", got)
	}
}

// Every message section survives encoding and decoding.
func TestMessageRoundTrip(t *testing.T) {
	ts := time.UnixMilli(1_700_000_000_123).UTC()
	tests := []struct {
		name string
		m    *Message
	}{
		{"all sections with data", &Message{
			Header:              &Header{Durable: true, Priority: 9, TTL: 10 * time.Second, FirstAcquirer: true, DeliveryCount: 3},
			DeliveryAnnotations: Annotations{"x-opt-d": "v"},
			Annotations:         Annotations{"tenant_id": "DEFAULT_TENANT", "device_id": "4711", "resource": "telemetry/DEFAULT_TENANT/4711"},
			Properties: &Properties{MessageID: uint64(7), UserID: []byte("u"), To: "to", Subject: "assert",
				ReplyTo: "registration/T/x", CorrelationID: UUID{1}, ContentType: "application/json",
				ContentEncoding: "gzip", AbsoluteExpiryTime: ts, CreationTime: ts, GroupID: "g",
				GroupSequence: 4, ReplyToGroupID: "r"},
			ApplicationProperties: map[string]any{"device_id": "4711", "status": int32(200), "ttd": int64(-1)},
			Data:                  [][]byte{[]byte("a"), []byte("b")},
			Footer:                Annotations{"f": Symbol("s")},
		}},
		{"amqp-value", &Message{Value: map[any]any{"tenant-id": "DEFAULT_TENANT"}, HasValue: true}},
		{"amqp-value null", &Message{HasValue: true}},
		{"amqp-value binary", &Message{Value: []byte(`{"auth-id":"sensor1"}`), HasValue: true}},
		{"amqp-sequence", &Message{Sequence: [][]any{{"a", int64(1)}, {true}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w encoding.Buffer
			if err := tt.m.Marshal(&w); err != nil {
				t.Fatal(err)
			}
			got, err := UnmarshalMessage(w.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			got.data1 = [1][]byte{}
			if !reflect.DeepEqual(got, tt.m) {
				t.Errorf("got  %#v\nwant %#v", got, tt.m)
			}
		})
	}
}
