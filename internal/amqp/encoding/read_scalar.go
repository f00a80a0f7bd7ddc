package encoding

import (
	"math"
	"time"
)

// Bool reads a boolean.
func (r *Reader) Bool() (bool, error) {
	c, err := r.u8()
	if err != nil {
		return false, err
	}
	switch c {
	case CodeTrue:
		return true, nil
	case CodeFalse:
		return false, nil
	case CodeBool:
		v, err := r.u8()
		return v != 0, err
	}
	return false, &TypeError{"boolean", c}
}

// Ulong reads any unsigned integer (ubyte to ulong) as a uint64, since the
// spec lets an encoder pick any width that holds the value.
func (r *Reader) Ulong() (uint64, error) {
	c, err := r.u8()
	if err != nil {
		return 0, err
	}
	return r.ulongBody(c)
}

func (r *Reader) ulongBody(c byte) (uint64, error) {
	switch c {
	case CodeUint0, CodeUlong0:
		return 0, nil
	case CodeUbyte, CodeSmallUint, CodeSmallUlong:
		v, err := r.u8()
		return uint64(v), err
	case CodeUshort:
		v, err := r.u16()
		return uint64(v), err
	case CodeUint:
		v, err := r.u32()
		return uint64(v), err
	case CodeUlong:
		return r.u64()
	}
	return 0, &TypeError{"unsigned integer", c}
}

// Uint reads an unsigned integer that must fit 32 bits.
func (r *Reader) Uint() (uint32, error) {
	v, err := r.Ulong()
	if err == nil && v > math.MaxUint32 {
		return 0, &TypeError{"uint", CodeUlong}
	}
	return uint32(v), err
}

// Ushort reads an unsigned integer that must fit 16 bits.
func (r *Reader) Ushort() (uint16, error) {
	v, err := r.Ulong()
	if err == nil && v > math.MaxUint16 {
		return 0, &TypeError{"ushort", CodeUint}
	}
	return uint16(v), err
}

// Ubyte reads an unsigned integer that must fit 8 bits.
func (r *Reader) Ubyte() (uint8, error) {
	v, err := r.Ulong()
	if err == nil && v > math.MaxUint8 {
		return 0, &TypeError{"ubyte", CodeUshort}
	}
	return uint8(v), err
}

// Long reads any signed integer as an int64.
func (r *Reader) Long() (int64, error) {
	c, err := r.u8()
	if err != nil {
		return 0, err
	}
	return r.longBody(c)
}

func (r *Reader) longBody(c byte) (int64, error) {
	switch c {
	case CodeByte, CodeSmallInt, CodeSmallLong:
		v, err := r.u8()
		return int64(int8(v)), err
	case CodeShort:
		v, err := r.u16()
		return int64(int16(v)), err
	case CodeInt:
		v, err := r.u32()
		return int64(int32(v)), err
	case CodeLong:
		v, err := r.u64()
		return int64(v), err
	}
	return 0, &TypeError{"signed integer", c}
}

// Timestamp reads a timestamp.
func (r *Reader) Timestamp() (time.Time, error) {
	c, err := r.u8()
	if err != nil {
		return time.Time{}, err
	}
	if c != CodeTimestamp {
		return time.Time{}, &TypeError{"timestamp", c}
	}
	v, err := r.u64()
	return time.UnixMilli(int64(v)).UTC(), err
}

// UUID reads a uuid.
func (r *Reader) UUID() (UUID, error) {
	var u UUID
	c, err := r.u8()
	if err != nil {
		return u, err
	}
	if c != CodeUUID {
		return u, &TypeError{"uuid", c}
	}
	p, err := r.next(16)
	copy(u[:], p)
	return u, err
}

// varBytes reads the body of a str, sym or vbin value after its code.
func (r *Reader) varBytes(c byte) ([]byte, error) {
	var n uint32
	if c&0xf0 == 0xa0 {
		v, err := r.u8()
		if err != nil {
			return nil, err
		}
		n = uint32(v)
	} else {
		v, err := r.u32()
		if err != nil {
			return nil, err
		}
		n = v
	}
	if uint64(n) > uint64(r.Len()) {
		return nil, ErrTruncated
	}
	return r.next(int(n))
}

// String reads a string or, leniently, a symbol. Null reads as "".
func (r *Reader) String() (string, error) {
	c, err := r.u8()
	if err != nil {
		return "", err
	}
	switch c {
	case CodeNull:
		return "", nil
	case CodeStr8, CodeStr32, CodeSym8, CodeSym32:
		p, err := r.varBytes(c)
		return r.str(p), err
	}
	return "", &TypeError{"string", c}
}

// Symbol reads a symbol or, leniently, a string. Null reads as "".
func (r *Reader) Symbol() (Symbol, error) {
	s, err := r.String()
	return Symbol(s), err
}

// Binary reads a binary. Null reads as nil.
func (r *Reader) Binary() ([]byte, error) {
	c, err := r.u8()
	if err != nil {
		return nil, err
	}
	switch c {
	case CodeNull:
		return nil, nil
	case CodeVbin8, CodeVbin32:
		p, err := r.varBytes(c)
		return r.bin(p), err
	}
	return nil, &TypeError{"binary", c}
}
