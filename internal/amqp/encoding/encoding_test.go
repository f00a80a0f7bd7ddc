package encoding

import (
	"bytes"
	"encoding/hex"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRoundTripEveryType(t *testing.T) {
	ts := time.UnixMilli(1_700_000_000_123).UTC()
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		v    any
	}{
		{"null", nil},
		{"true", true},
		{"false", false},
		{"ubyte", uint8(200)},
		{"ushort", uint16(65000)},
		{"uint0", uint32(0)},
		{"smalluint", uint32(7)},
		{"uint", uint32(1 << 30)},
		{"ulong0", uint64(0)},
		{"smallulong", uint64(255)},
		{"ulong", uint64(math.MaxUint64)},
		{"byte", int8(-5)},
		{"short", int16(-30000)},
		{"smallint", int32(-128)},
		{"int", int32(math.MinInt32)},
		{"smalllong", int64(127)},
		{"long", int64(math.MaxInt64)},
		{"float", float32(1.5)},
		{"double", math.Pi},
		{"decimal32", Decimal32{1, 2, 3, 4}},
		{"decimal64", Decimal64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"decimal128", Decimal128{15: 9}},
		{"char", Char('€')},
		{"timestamp", ts},
		{"uuid", UUID{0: 0x12, 15: 0xef}},
		{"vbin8", []byte{1, 2, 3}},
		{"vbin32", bytes.Repeat([]byte{7}, 300)},
		{"str8", "hono"},
		{"str32", long},
		{"sym8", Symbol("amqp:not-found")},
		{"sym32", Symbol(long)},
		{"list0", []any{}},
		{"list8", []any{"a", uint32(1), nil, true}},
		{"list32", []any{long, int64(-1)}},
		{"nested list", []any{[]any{[]any{Symbol("deep")}}}},
		{"map", map[any]any{"device_id": "4711", Symbol("k"): int32(3), uint64(1): nil}},
		{"map32", map[any]any{"big": long}},
		{"described ulong", &Described{Descriptor: uint64(0x70), Value: []any{true}}},
		{"described symbol", &Described{Descriptor: Symbol("x:y"), Value: "v"}},
		{"array sym", []Symbol{"send", "recv"}},
		{"array sym32", []Symbol{"a", Symbol(long)}},
		{"array str", []string{"a", "b"}},
		{"array binary", [][]byte{{1}, {2, 3}}},
		{"array bool", []bool{true, false}},
		{"array ushort", []uint16{1, 2}},
		{"array uint", []uint32{0, 1 << 20}},
		{"array ulong", []uint64{0, 1 << 40}},
		{"array byte", []int8{-1, 1}},
		{"array short", []int16{-1, 1}},
		{"array int", []int32{-1, 1 << 20}},
		{"array long", []int64{-1, 1 << 40}},
		{"array float", []float32{1, 2}},
		{"array double", []float64{1, 2}},
		{"array char", []Char{'a', 'ü'}},
		{"array timestamp", []time.Time{ts}},
		{"array uuid", []UUID{{1}, {2}}},
		{"array32", make([]int64, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w Buffer
			if err := w.Marshal(tt.v); err != nil {
				t.Fatalf("Marshal(%#v): %v", tt.v, err)
			}
			r := NewReader(w.Bytes())
			got, err := r.Any()
			if err != nil {
				t.Fatalf("Any(% x): %v", w.Bytes(), err)
			}
			if r.Len() != 0 {
				t.Errorf("%d bytes left after decoding", r.Len())
			}
			if !reflect.DeepEqual(got, tt.v) {
				t.Errorf("round trip: got %#v, want %#v", got, tt.v)
			}
		})
	}
}

// Fixtures from the encoding tables of part 1, 1.6 (format codes and
// widths), written out by hand.
func TestSpecEncodings(t *testing.T) {
	tests := []struct {
		name string
		v    any
		hex  string
	}{
		{"null", nil, "40"},
		{"boolean true (one-byte form)", true, "41"},
		{"uint 0 (uint0)", uint32(0), "43"},
		{"uint 255 (smalluint)", uint32(255), "52ff"},
		{"uint 256", uint32(256), "7000000100"},
		{"ulong 0 (ulong0)", uint64(0), "44"},
		{"ulong 0x70 (smallulong)", uint64(0x70), "5370"},
		{"int -1 (smallint)", int32(-1), "54ff"},
		{"long 128", int64(128), "810000000000000080"},
		{"double 1.0", 1.0, "823ff0000000000000"},
		{"timestamp 1 ms", time.UnixMilli(1), "830000000000000001"},
		{"str8 utf-8", "héllo", "a106" + hex.EncodeToString([]byte("héllo"))},
		{"sym8", Symbol("PLAIN"), "a305504c41494e"},
		{"vbin8", []byte{0xca, 0xfe}, "a002cafe"},
		{"list0", []any{}, "45"},
		{"list8 of two", []any{true, uint32(1)}, "c00402" + "41" + "5201"},
		{"map8", map[string]any{"a": nil}, "c10502" + "a10161" + "40"},
		{"array8 of sym8", []Symbol{"a", "bc"}, "e00702a3" + "0161" + "026263"},
		{"described list0", &Described{Descriptor: uint64(0x24), Value: []any{}}, "00532445"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w Buffer
			if err := w.Marshal(tt.v); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(w.Bytes()); got != tt.hex {
				t.Errorf("encoding of %#v: got %s, want %s", tt.v, got, tt.hex)
			}
		})
	}
}

// Decoders must accept every width a peer may choose (part 1, 1.6).
func TestDecodeWideForms(t *testing.T) {
	tests := []struct {
		hex  string
		want any
	}{
		{"5601", true},
		{"700000002a", uint32(42)},
		{"80000000000000002a", uint64(42)},
		{"71ffffffff", int32(-1)},
		{"b100000002686f", "ho"},
		{"b30000000161", Symbol("a")},
		{"d00000000500000001" + "41", []any{true}},
		{"d10000000800000002" + "a1016b" + "40", map[any]any{"k": nil}},
		{"f00000000d0000000270" + "00000001" + "00000002", []uint32{1, 2}},
	}
	for _, tt := range tests {
		b, _ := hex.DecodeString(tt.hex)
		got, err := NewReader(b).Any()
		if err != nil {
			t.Errorf("%s: %v", tt.hex, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.hex, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, hex, want string
	}{
		{"empty", "", "truncated"},
		{"unknown code", "ff", "unknown AMQP format code 0xff"},
		{"short uint", "7000", "truncated"},
		{"string longer than input", "a1056162", "truncated"},
		{"list count beyond size", "c002ff41", "claims 255 elements"},
		{"list size beyond input", "d0ffffffff00000001", "truncated"},
		{"odd map", "c1030140" + "40", "odd element count"},
		{"binary map key", "c10402a00040", "not supported"},
		{"deep nesting", strings.Repeat("c00401", 100) + "40", "nested deeper"},
		{"array of lists", "e00401c04500", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewReader(b).Any()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestMarshalUnsupported(t *testing.T) {
	var w Buffer
	err := w.Marshal(struct{}{})
	if err == nil || !strings.Contains(err.Error(), "no AMQP type for Go type struct {}") {
		t.Errorf("got %v", err)
	}
}

func TestFieldsDropTrailingNulls(t *testing.T) {
	var w Buffer
	c := w.Fields()
	w.String("a")
	c.Next()
	w.Null()
	c.Next()
	w.Uint(1)
	c.Next()
	w.Null()
	c.Next()
	w.Null()
	c.Next()
	c.End()
	if got, want := hex.EncodeToString(w.Bytes()), "c00703"+"a10161"+"40"+"5201"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
