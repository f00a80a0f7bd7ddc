package encoding

import (
	"fmt"
	"math"
	"time"
)

// arrayBody reads an array after its format code into the typed slice its
// element constructor maps to (see Buffer.array).
func (r *Reader) arrayBody(short bool) (any, error) {
	h, err := r.compositeBody(short)
	if err != nil {
		return nil, err
	}
	ctor, err := r.u8()
	if err != nil {
		return nil, err
	}
	var v any
	switch ctor {
	case CodeSym8, CodeSym32:
		v, err = readArray(r, h.Count, func() (Symbol, error) {
			p, err := r.varBytes(ctor)
			return Symbol(r.str(p)), err
		})
	case CodeStr8, CodeStr32:
		v, err = readArray(r, h.Count, func() (string, error) {
			p, err := r.varBytes(ctor)
			return r.str(p), err
		})
	case CodeVbin8, CodeVbin32:
		v, err = readArray(r, h.Count, func() ([]byte, error) {
			p, err := r.varBytes(ctor)
			return r.bin(p), err
		})
	default:
		v, err = r.numericArray(ctor, h.Count)
	}
	if err != nil {
		return nil, err
	}
	return v, r.Finish(h)
}

func (r *Reader) numericArray(ctor byte, n int) (any, error) {
	switch ctor {
	case CodeBool, CodeTrue, CodeFalse:
		return readArray(r, n, func() (bool, error) {
			if ctor != CodeBool {
				return ctor == CodeTrue, nil
			}
			b, err := r.u8()
			return b != 0, err
		})
	case CodeUshort:
		return readArray(r, n, r.u16)
	case CodeUint, CodeSmallUint, CodeUint0:
		return readArray(r, n, func() (uint32, error) {
			v, err := r.ulongBody(ctor)
			return uint32(v), err
		})
	case CodeUlong, CodeSmallUlong, CodeUlong0:
		return readArray(r, n, func() (uint64, error) { return r.ulongBody(ctor) })
	case CodeByte:
		return readArray(r, n, func() (int8, error) { v, err := r.u8(); return int8(v), err })
	case CodeShort:
		return readArray(r, n, func() (int16, error) { v, err := r.u16(); return int16(v), err })
	case CodeInt, CodeSmallInt:
		return readArray(r, n, func() (int32, error) { v, err := r.longBody(ctor); return int32(v), err })
	case CodeLong, CodeSmallLong:
		return readArray(r, n, func() (int64, error) { return r.longBody(ctor) })
	}
	return r.otherArray(ctor, n)
}

func (r *Reader) otherArray(ctor byte, n int) (any, error) {
	switch ctor {
	case CodeFloat:
		return readArray(r, n, func() (float32, error) {
			v, err := r.u32()
			return math.Float32frombits(v), err
		})
	case CodeDouble:
		return readArray(r, n, func() (float64, error) {
			v, err := r.u64()
			return math.Float64frombits(v), err
		})
	case CodeChar:
		return readArray(r, n, func() (Char, error) { v, err := r.u32(); return Char(v), err })
	case CodeTimestamp:
		return readArray(r, n, func() (time.Time, error) {
			v, err := r.u64()
			return time.UnixMilli(int64(v)).UTC(), err
		})
	case CodeUUID:
		return readArray(r, n, func() (UUID, error) {
			var u UUID
			p, err := r.next(16)
			copy(u[:], p)
			return u, err
		})
	}
	// TODO: arrays of lists, maps, arrays, decimals and described types
	// have no Go form here yet; no Hono peer sends them.
	return nil, fmt.Errorf("array of AMQP format code 0x%02x is not supported", ctor)
}

func readArray[T any](r *Reader, n int, elem func() (T, error)) ([]T, error) {
	out := make([]T, n)
	for i := range out {
		v, err := elem()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
