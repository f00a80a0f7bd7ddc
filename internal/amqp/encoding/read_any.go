package encoding

import (
	"fmt"
	"math"
	"time"
)

// Any reads one value of any type into its Go form (see the package
// comment). Maps decode as map[any]any; a map key that Go cannot compare
// (binary, list, map) is an error.
func (r *Reader) Any() (any, error) {
	c, err := r.u8()
	if err != nil {
		return nil, err
	}
	switch c {
	case codeDescribed:
		return r.described()
	case CodeNull:
		return nil, nil
	case CodeTrue:
		return true, nil
	case CodeFalse:
		return false, nil
	case CodeBool:
		v, err := r.u8()
		return v != 0, err
	case CodeUbyte:
		v, err := r.u8()
		return v, err
	case CodeUshort:
		v, err := r.u16()
		return v, err
	case CodeUint, CodeSmallUint, CodeUint0:
		v, err := r.ulongBody(c)
		return uint32(v), err
	case CodeUlong, CodeSmallUlong, CodeUlong0:
		return r.ulongBody(c)
	}
	return r.anyRest(c)
}

func (r *Reader) anyRest(c byte) (any, error) {
	switch c {
	case CodeByte:
		v, err := r.u8()
		return int8(v), err
	case CodeShort:
		v, err := r.u16()
		return int16(v), err
	case CodeInt:
		v, err := r.u32()
		return int32(v), err
	case CodeSmallInt:
		v, err := r.u8()
		return int32(int8(v)), err
	case CodeLong:
		v, err := r.u64()
		return int64(v), err
	case CodeSmallLong:
		v, err := r.u8()
		return int64(int8(v)), err
	case CodeFloat:
		v, err := r.u32()
		return math.Float32frombits(v), err
	case CodeDouble:
		v, err := r.u64()
		return math.Float64frombits(v), err
	case CodeChar:
		v, err := r.u32()
		return Char(v), err
	case CodeTimestamp:
		v, err := r.u64()
		return time.UnixMilli(int64(v)).UTC(), err
	}
	return r.anyVariable(c)
}

func (r *Reader) anyVariable(c byte) (any, error) {
	switch c {
	case CodeUUID:
		var u UUID
		p, err := r.next(16)
		copy(u[:], p)
		return u, err
	case CodeDecimal32:
		var d Decimal32
		p, err := r.next(4)
		copy(d[:], p)
		return d, err
	case CodeDecimal64:
		var d Decimal64
		p, err := r.next(8)
		copy(d[:], p)
		return d, err
	case CodeDecimal128:
		var d Decimal128
		p, err := r.next(16)
		copy(d[:], p)
		return d, err
	case CodeVbin8, CodeVbin32:
		p, err := r.varBytes(c)
		return r.bin(p), err
	case CodeStr8, CodeStr32:
		p, err := r.varBytes(c)
		return r.str(p), err
	case CodeSym8, CodeSym32:
		p, err := r.varBytes(c)
		return Symbol(r.str(p)), err
	case CodeList0, CodeList8, CodeList32:
		r.off--
		return r.anyList()
	case CodeMap8, CodeMap32:
		r.off--
		return r.AnyMap()
	case CodeArray8, CodeArray32:
		return r.arrayBody(c == CodeArray8)
	}
	return nil, fmt.Errorf("unknown AMQP format code 0x%02x", c)
}

func (r *Reader) described() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	desc, err := r.Any()
	if err != nil {
		return nil, err
	}
	val, err := r.Any()
	if err != nil {
		return nil, err
	}
	return &Described{Descriptor: desc, Value: val}, nil
}

func (r *Reader) anyList() (any, error) {
	h, err := r.ListHeader()
	if err != nil {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	l := make([]any, h.Count)
	for i := range l {
		if l[i], err = r.Any(); err != nil {
			return nil, err
		}
	}
	return l, r.Finish(h)
}

// AnyMap reads a map with keys of any comparable type. Null reads as nil.
func (r *Reader) AnyMap() (map[any]any, error) {
	h, err := r.MapHeader()
	if err != nil || h.Count == 0 {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	m := make(map[any]any, h.Count/2)
	for i := 0; i < h.Count; i += 2 {
		k, err := r.Any()
		if err != nil {
			return nil, err
		}
		switch k.(type) {
		case []byte, []any, map[any]any, *Described:
			return nil, fmt.Errorf("map key of type %T is not supported", k)
		}
		if m[k], err = r.Any(); err != nil {
			return nil, err
		}
	}
	return m, r.Finish(h)
}

// StringMap reads a map with string or symbol keys, as
// application-properties, annotations and the properties of open and
// attach have. Null reads as nil.
func (r *Reader) StringMap() (map[string]any, error) {
	h, err := r.MapHeader()
	if err != nil || h.Count == 0 {
		return nil, err
	}
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer r.leave()
	m := make(map[string]any, h.Count/2)
	for i := 0; i < h.Count; i += 2 {
		if c, _ := r.Peek(); isUnsigned(c) {
			// A reserved numeric annotation key; see Annotations.
			if err := r.Skip(); err != nil {
				return nil, err
			}
			if err := r.Skip(); err != nil {
				return nil, err
			}
			continue
		}
		k, err := r.String()
		if err != nil {
			return nil, fmt.Errorf("map key: %w", err)
		}
		if m[k], err = r.Any(); err != nil {
			return nil, err
		}
	}
	return m, r.Finish(h)
}

func isUnsigned(c byte) bool {
	switch c {
	case CodeUlong, CodeSmallUlong, CodeUlong0, CodeUint, CodeSmallUint, CodeUint0:
		return true
	}
	return false
}
