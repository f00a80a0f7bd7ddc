package amqp

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// honoTelemetry is a typical message from a Hono protocol adapter: the
// properties an adapter sets, device_id and the adapter's own application
// properties, and a 100-byte data body.
func honoTelemetry() *Message {
	return &Message{
		Properties: &Properties{
			MessageID: "b8c1f0e2-4a47-4f34-9d52-6a3c1e0f9e10", To: "telemetry/DEFAULT_TENANT",
			ContentType: "application/json", CreationTime: time.UnixMilli(1_700_000_000_000),
		},
		ApplicationProperties: map[string]any{"device_id": "4711"},
		Data:                  [][]byte{bytes.Repeat([]byte{'x'}, 100)},
	}
}

func goamqpTelemetry() *goamqp.Message {
	id, to, ct := any("b8c1f0e2-4a47-4f34-9d52-6a3c1e0f9e10"), "telemetry/DEFAULT_TENANT", "application/json"
	now := time.UnixMilli(1_700_000_000_000)
	return &goamqp.Message{
		Properties:            &goamqp.MessageProperties{MessageID: id, To: &to, ContentType: &ct, CreationTime: &now},
		ApplicationProperties: map[string]any{"device_id": "4711"},
		Data:                  [][]byte{bytes.Repeat([]byte{'x'}, 100)},
	}
}

// BenchmarkEncodeTransfer encodes a whole transfer frame: frame header,
// transfer performative and the message.
func BenchmarkEncodeTransfer(b *testing.B) {
	msg := honoTelemetry()
	var w, payload encoding.Buffer
	t := &transfer{handle: 1, hasDeliveryID: true, deliveryTag: []byte{1, 2, 3, 4}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		w.Reset()
		payload.Reset()
		if err := msg.Marshal(&payload); err != nil {
			b.Fatal(err)
		}
		t.deliveryID = uint32(i)
		if err := appendFrame(&w, frameAMQP, 0, t, payload.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(w.Len()))
}

// BenchmarkDecodeTransfer reads a transfer frame from a stream and decodes
// its message, as the connection's reader does.
func BenchmarkDecodeTransfer(b *testing.B) {
	var w, payload encoding.Buffer
	if err := honoTelemetry().Marshal(&payload); err != nil {
		b.Fatal(err)
	}
	_ = appendFrame(&w, frameAMQP, 0, &transfer{handle: 1, hasDeliveryID: true, deliveryTag: []byte{1, 2, 3, 4}},
		payload.Bytes())
	frame := w.Bytes()
	src := bytes.NewReader(frame)
	br := bufio.NewReader(src)
	var scratch transfer
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		src.Reset(frame)
		br.Reset(src)
		f, err := readFrameInto(br, 1<<16, &scratch)
		if err != nil {
			b.Fatal(err)
		}
		m, err := UnmarshalMessage(f.body.(*transfer).payload)
		if err != nil || m.ApplicationProperties["device_id"] != "4711" {
			b.Fatal(err)
		}
	}
}

// The references: go-amqp's message codec on the same message (it has no
// exported frame codec, so message only; compare with ours below).
func BenchmarkEncodeMessage(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		msg := honoTelemetry()
		var w encoding.Buffer
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			w.Reset()
			if err := msg.Marshal(&w); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-amqp", func(b *testing.B) {
		msg := goamqpTelemetry()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := msg.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeMessage(b *testing.B) {
	var w encoding.Buffer
	if err := honoTelemetry().Marshal(&w); err != nil {
		b.Fatal(err)
	}
	data := w.Bytes()
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			// The reader gives every frame its own buffer; so does this.
			buf := append([]byte(nil), data...)
			if _, err := UnmarshalMessage(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-amqp", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			buf := append([]byte(nil), data...)
			var m goamqp.Message
			if err := m.UnmarshalBinary(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}
