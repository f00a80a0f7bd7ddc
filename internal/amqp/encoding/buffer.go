package encoding

import (
	"encoding/binary"
	"math"
	"time"
)

// Buffer accumulates encoded AMQP values. The zero value is ready to use; a
// Buffer is reused across frames with Reset, so steady-state encoding does
// not allocate.
type Buffer struct {
	b []byte
}

// Bytes returns the encoded bytes; they stay valid until the next write or Reset.
func (w *Buffer) Bytes() []byte { return w.b }

// Len is the number of bytes written.
func (w *Buffer) Len() int { return len(w.b) }

// Reset empties the buffer and keeps its memory.
func (w *Buffer) Reset() { w.b = w.b[:0] }

// Truncate drops everything after the first n bytes.
func (w *Buffer) Truncate(n int) { w.b = w.b[:n] }

// Write appends raw bytes (already encoded, or a frame's payload).
func (w *Buffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// WriteByte appends one raw byte.
func (w *Buffer) WriteByte(c byte) error {
	w.b = append(w.b, c)
	return nil
}

// PutUint32At overwrites four bytes at offset off, for size fields that are
// known only after the body is written.
func (w *Buffer) PutUint32At(off int, v uint32) {
	binary.BigEndian.PutUint32(w.b[off:], v)
}

func (w *Buffer) u16(v uint16) { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *Buffer) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *Buffer) u64(v uint64) { w.b = binary.BigEndian.AppendUint64(w.b, v) }

// Null writes the null value.
func (w *Buffer) Null() { w.b = append(w.b, CodeNull) }

// Bool writes a boolean in its one-byte form.
func (w *Buffer) Bool(v bool) {
	if v {
		w.b = append(w.b, CodeTrue)
	} else {
		w.b = append(w.b, CodeFalse)
	}
}

// Ubyte writes a ubyte.
func (w *Buffer) Ubyte(v uint8) { w.b = append(w.b, CodeUbyte, v) }

// Ushort writes a ushort.
func (w *Buffer) Ushort(v uint16) {
	w.b = append(w.b, CodeUshort)
	w.u16(v)
}

// Uint writes a uint in the smallest of its three encodings.
func (w *Buffer) Uint(v uint32) {
	switch {
	case v == 0:
		w.b = append(w.b, CodeUint0)
	case v < 256:
		w.b = append(w.b, CodeSmallUint, byte(v))
	default:
		w.b = append(w.b, CodeUint)
		w.u32(v)
	}
}

// Ulong writes a ulong in the smallest of its three encodings.
func (w *Buffer) Ulong(v uint64) {
	switch {
	case v == 0:
		w.b = append(w.b, CodeUlong0)
	case v < 256:
		w.b = append(w.b, CodeSmallUlong, byte(v))
	default:
		w.b = append(w.b, CodeUlong)
		w.u64(v)
	}
}

// Byte writes a (signed) byte.
func (w *Buffer) Byte(v int8) { w.b = append(w.b, CodeByte, byte(v)) }

// Short writes a short.
func (w *Buffer) Short(v int16) {
	w.b = append(w.b, CodeShort)
	w.u16(uint16(v))
}

// Int writes an int, in one byte when it fits.
func (w *Buffer) Int(v int32) {
	if v >= -128 && v <= 127 {
		w.b = append(w.b, CodeSmallInt, byte(v))
		return
	}
	w.b = append(w.b, CodeInt)
	w.u32(uint32(v))
}

// Long writes a long, in one byte when it fits.
func (w *Buffer) Long(v int64) {
	if v >= -128 && v <= 127 {
		w.b = append(w.b, CodeSmallLong, byte(v))
		return
	}
	w.b = append(w.b, CodeLong)
	w.u64(uint64(v))
}

// Float writes an IEEE 754 binary32.
func (w *Buffer) Float(v float32) {
	w.b = append(w.b, CodeFloat)
	w.u32(math.Float32bits(v))
}

// Double writes an IEEE 754 binary64.
func (w *Buffer) Double(v float64) {
	w.b = append(w.b, CodeDouble)
	w.u64(math.Float64bits(v))
}

// Char writes a char.
func (w *Buffer) Char(v Char) {
	w.b = append(w.b, CodeChar)
	w.u32(uint32(v))
}

// Timestamp writes t as milliseconds since the Unix epoch (part 1, 1.6.17).
func (w *Buffer) Timestamp(t time.Time) {
	w.b = append(w.b, CodeTimestamp)
	w.u64(uint64(t.UnixMilli()))
}

// UUID writes a uuid.
func (w *Buffer) UUID(u UUID) {
	w.b = append(w.b, CodeUUID)
	w.b = append(w.b, u[:]...)
}

// Binary writes a binary, vbin8 when it fits.
func (w *Buffer) Binary(p []byte) {
	w.variable(CodeVbin8, CodeVbin32, len(p))
	w.b = append(w.b, p...)
}

// String writes a UTF-8 string, str8 when it fits.
func (w *Buffer) String(s string) {
	w.variable(CodeStr8, CodeStr32, len(s))
	w.b = append(w.b, s...)
}

// Symbol writes a symbol, sym8 when it fits.
func (w *Buffer) Symbol(s Symbol) {
	w.variable(CodeSym8, CodeSym32, len(s))
	w.b = append(w.b, s...)
}

func (w *Buffer) variable(short, long byte, n int) {
	if n < 256 {
		w.b = append(w.b, short, byte(n))
		return
	}
	w.b = append(w.b, long)
	w.u32(uint32(n))
}

// Descriptor writes the start of a described type with a numeric
// descriptor, as every performative and message section has.
func (w *Buffer) Descriptor(code uint64) {
	w.b = append(w.b, codeDescribed)
	w.Ulong(code)
}
