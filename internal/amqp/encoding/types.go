// Package encoding implements the AMQP 1.0 type system (AMQP 1.0 part 1): the
// primitive types, described types, lists, maps and arrays, each with the
// compact encodings of section 1.6.
//
// Go values map to AMQP types as follows:
//
//	nil            null             Symbol        symbol
//	bool           boolean          string        string
//	uint8..uint64  ubyte..ulong     []byte        binary
//	int8..int64    byte..long       UUID          uuid
//	int, uint      long, ulong
//	float32/64     float/double     time.Time     timestamp (ms precision)
//	Char           char             []any         list
//	Decimal32/64/128 decimal*       map[any]any, map[string]any, map[Symbol]any  map
//	*Described / Described   described type
//
// Typed slices ([]Symbol, []string, []int32, ...) are AMQP arrays.
package encoding

import (
	"encoding/hex"
	"fmt"
)

// Symbol is an AMQP symbol: an ASCII name such as an error condition or a
// capability. It is a distinct type so that it encodes as symbol, not string.
type Symbol string

// UUID is an AMQP uuid, 16 bytes in network order (RFC 4122).
type UUID [16]byte

// String formats u in the canonical 8-4-4-4-12 form.
func (u UUID) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// Char is an AMQP char: a single UTF-32BE code point.
type Char rune

// Decimal32, Decimal64 and Decimal128 hold IEEE 754-2008 decimal values in
// their encoded form. Hono never uses them; they exist so that a peer's
// decimal decodes and re-encodes unchanged.
type (
	Decimal32  [4]byte
	Decimal64  [8]byte
	Decimal128 [16]byte
)

// Described is a described type (part 1, 1.3): a descriptor, normally a
// ulong code or a symbol name, and the value it describes.
type Described struct {
	Descriptor any
	Value      any
}

// String shows the descriptor and value, for errors and debugging.
func (d *Described) String() string {
	return fmt.Sprintf("described(%v: %v)", d.Descriptor, d.Value)
}
