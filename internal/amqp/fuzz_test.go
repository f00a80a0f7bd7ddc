package amqp

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

var updateCorpus = flag.Bool("update-corpus", false, "rewrite testdata/fuzz/FuzzDecodeFrame from seedFrames")

// FuzzDecodeFrame feeds arbitrary bytes to the frame reader and, for
// transfers, the message decoder: every input must give a value or an
// error, never a panic, and never allocate beyond the frame size limit.
func FuzzDecodeFrame(f *testing.F) {
	for _, seed := range seedFrames(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		for {
			fr, err := readFrame(br, 1<<16)
			if err != nil {
				return
			}
			if tr, ok := fr.body.(*transfer); ok {
				_, _ = UnmarshalMessage(tr.payload)
			}
		}
	})
}

// seedFrames are one frame of each kind, as our encoder writes them.
func seedFrames(t testing.TB) [][]byte {
	t.Helper()
	msg := telemetry(1)
	msg.Header = &Header{Durable: true, Priority: 7, TTL: time.Minute}
	msg.Annotations = Annotations{"x-opt-tenant": "DEFAULT_TENANT"}
	msg.Footer = Annotations{"crc": uint32(7)}
	var payload encoding.Buffer
	if err := msg.Marshal(&payload); err != nil {
		t.Fatal(err)
	}
	value := &Message{Value: map[string]any{"a": []any{int32(1), "b"}, "u": UUID{1}}, HasValue: true}
	var valuePayload encoding.Buffer
	if err := value.Marshal(&valuePayload); err != nil {
		t.Fatal(err)
	}
	type seed struct {
		typ     byte
		body    encoder
		payload []byte
	}
	seeds := []seed{
		{frameAMQP, &Open{ContainerID: "c", Hostname: "hono-internal", MaxFrameSize: 65536, ChannelMax: 10,
			IdleTimeout: time.Minute, DesiredCapabilities: []string{"ADDRESS-AUTHZ"},
			Properties: map[string]any{"address-authz": map[string]any{"telemetry/x": []Symbol{"send"}}}}, nil},
		{frameAMQP, &begin{hasRemoteChannel: true, nextOutgoingID: 1, incomingWindow: 5000, outgoingWindow: 9}, nil},
		{frameAMQP, &Attach{Name: "l", Handle: 1, Role: RoleReceiver, Source: &Source{Address: "cbs",
			Filter: map[string]any{"f": "x"}}, Target: &Target{Address: "t"},
			OfferedCapabilities: []string{"hono-reg-assertion"}, MaxMessageSize: 1 << 20}, nil},
		{frameAMQP, &flow{hasNextIncomingID: true, incomingWindow: 10, nextOutgoingID: 3, outgoingWindow: 4,
			hasHandle: true, handle: 1, hasDeliveryCount: true, deliveryCount: 2, hasLinkCredit: true, linkCredit: 100,
			drain: true}, nil},
		{frameAMQP, &transfer{handle: 1, hasDeliveryID: true, deliveryID: 9, deliveryTag: []byte{1, 2}}, payload.Bytes()},
		{frameAMQP, &transfer{handle: 1, hasDeliveryID: true, deliveryTag: []byte{3}, more: true}, valuePayload.Bytes()},
		{frameAMQP, &disposition{role: RoleReceiver, first: 1, last: 5, hasLast: true, settled: true,
			state: &Rejected{Error: &Error{Condition: ErrDecodeError, Description: "d"}}}, nil},
		{frameAMQP, &disposition{role: RoleReceiver, first: 1, state: &Modified{DeliveryFailed: true,
			MessageAnnotations: Annotations{"k": int64(1)}}}, nil},
		{frameAMQP, &detach{handle: 1, closed: true, err: &Error{Condition: ErrNotFound, Info: map[string]any{"i": true}}}, nil},
		{frameAMQP, &end{err: &Error{Condition: ErrWindowViolation}}, nil},
		{frameAMQP, &closeFrame{err: &Error{Condition: ErrHonoInactivity, Description: "x"}}, nil},
		{frameSASL, &saslMechanisms{mechanisms: []string{"EXTERNAL", "PLAIN"}}, nil},
		{frameSASL, &saslInit{mechanism: "PLAIN", response: []byte("\x00user\x00pw"), hostname: "h"}, nil},
		{frameSASL, &saslOutcome{code: SASLAuth}, nil},
		{frameAMQP, nil, nil}, // heartbeat
	}
	var out [][]byte
	for _, s := range seeds {
		var w encoding.Buffer
		if err := appendFrame(&w, s.typ, 3, s.body, s.payload); err != nil {
			t.Fatal(err)
		}
		out = append(out, w.Bytes())
	}
	return out
}

// TestSeedFramesDecode checks every seed decodes, so the corpus starts
// from valid frames; with -update-corpus it rewrites the committed corpus.
func TestSeedFramesDecode(t *testing.T) {
	seeds := seedFrames(t)
	for i, s := range seeds {
		fr, err := readFrame(bufio.NewReader(bytes.NewReader(s)), 1<<16)
		if err != nil {
			t.Errorf("seed %d: %v", i, err)
			continue
		}
		if tr, ok := fr.body.(*transfer); ok {
			if _, err := UnmarshalMessage(tr.payload); err != nil {
				t.Errorf("seed %d payload: %v", i, err)
			}
		}
	}
	if !*updateCorpus {
		return
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecodeFrame")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range seeds {
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
