package mqtt

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/eclipse/paho.mqtt.golang/packets"
)

// benchPublish is a typical device message: QoS 1 telemetry, 64 bytes.
func benchPublish(b *testing.B) []byte {
	b.Helper()
	pkt, err := EncodePublish(&Publish{Topic: "telemetry/DEFAULT_TENANT/4711", QoS: 1, PacketID: 42,
		Payload: bytes.Repeat([]byte("x"), 64)})
	if err != nil {
		b.Fatal(err)
	}
	return pkt
}

// BenchmarkReadPublish decodes a PUBLISH with our codec.
func BenchmarkReadPublish(b *testing.B) {
	pkt := benchPublish(b)
	r := bytes.NewReader(pkt)
	br := bufio.NewReader(r)
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(pkt)
		br.Reset(r)
		if _, err := ReadPacket(br, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadPublishPaho is the reference: paho's decoder, same bytes.
func BenchmarkReadPublishPaho(b *testing.B) {
	pkt := benchPublish(b)
	r := bytes.NewReader(pkt)
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(pkt)
		if _, err := packets.ReadPacket(r); err != nil {
			b.Fatal(err)
		}
	}
}
