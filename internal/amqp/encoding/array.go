package encoding

import (
	"fmt"
	"math"
	"time"
)

// array writes the typed slices that map to AMQP arrays. Every element
// shares one constructor (part 1, 1.6.23), so fixed-width codes are used
// and variable-width ones are widened when any element needs it.
func (w *Buffer) array(v any) error {
	switch v := v.(type) {
	case []Symbol:
		code := pickWidth(v, CodeSym8, CodeSym32)
		arrayOf(w, v, code, func(s Symbol) { w.varBody(code, len(s)); w.b = append(w.b, s...) })
	case []string:
		code := pickWidth(v, CodeStr8, CodeStr32)
		arrayOf(w, v, code, func(s string) { w.varBody(code, len(s)); w.b = append(w.b, s...) })
	case [][]byte:
		code := pickWidth(v, CodeVbin8, CodeVbin32)
		arrayOf(w, v, code, func(p []byte) { w.varBody(code, len(p)); w.b = append(w.b, p...) })
	case []bool:
		arrayOf(w, v, CodeBool, func(b bool) {
			if b {
				w.b = append(w.b, 1)
			} else {
				w.b = append(w.b, 0)
			}
		})
	case []uint16:
		arrayOf(w, v, CodeUshort, w.u16)
	case []uint32:
		arrayOf(w, v, CodeUint, w.u32)
	case []uint64:
		arrayOf(w, v, CodeUlong, w.u64)
	case []int8:
		arrayOf(w, v, CodeByte, func(x int8) { w.b = append(w.b, byte(x)) })
	case []int16:
		arrayOf(w, v, CodeShort, func(x int16) { w.u16(uint16(x)) })
	case []int32:
		arrayOf(w, v, CodeInt, func(x int32) { w.u32(uint32(x)) })
	case []int64:
		arrayOf(w, v, CodeLong, func(x int64) { w.u64(uint64(x)) })
	case []float32:
		arrayOf(w, v, CodeFloat, func(x float32) { w.u32(math.Float32bits(x)) })
	case []float64:
		arrayOf(w, v, CodeDouble, func(x float64) { w.u64(math.Float64bits(x)) })
	case []Char:
		arrayOf(w, v, CodeChar, func(x Char) { w.u32(uint32(x)) })
	case []time.Time:
		arrayOf(w, v, CodeTimestamp, func(t time.Time) { w.u64(uint64(t.UnixMilli())) })
	case []UUID:
		arrayOf(w, v, CodeUUID, func(u UUID) { w.b = append(w.b, u[:]...) })
	default:
		return fmt.Errorf("no AMQP type for Go type %T", v)
	}
	return nil
}

// pickWidth chooses the 8-bit length form only when every element fits.
func pickWidth[T ~string | ~[]byte](v []T, short, long byte) byte {
	for _, s := range v {
		if len(s) > 255 {
			return long
		}
	}
	return short
}

// varBody writes the length prefix of a variable-width array element.
func (w *Buffer) varBody(code byte, n int) {
	if code&0xf0 == 0xa0 {
		w.b = append(w.b, byte(n))
		return
	}
	w.u32(uint32(n))
}

func arrayOf[T any](w *Buffer, v []T, code byte, elem func(T)) {
	start := len(w.b)
	w.b = append(w.b, CodeArray32, 0, 0, 0, 0, 0, 0, 0, 0, code)
	for _, x := range v {
		elem(x)
	}
	body := len(w.b) - start - 9 // constructor and elements
	if body+1 <= 255 && len(v) <= 255 {
		w.b[start] = CodeArray8
		w.b[start+1] = byte(body + 1)
		w.b[start+2] = byte(len(v))
		n := copy(w.b[start+3:], w.b[start+9:])
		w.b = w.b[:start+3+n]
		return
	}
	w.PutUint32At(start+1, uint32(body+4))
	w.PutUint32At(start+5, uint32(len(v)))
}
