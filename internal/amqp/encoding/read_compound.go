package encoding

import (
	"fmt"
)

// Composite is the header of a list or map: its element count (keys and
// values counted separately for a map) and where its body ends.
type Composite struct {
	Count int
	End   int
}

// ListHeader reads the header of a list. Null reads as an empty list, which
// is how an absent composite field looks on the wire.
func (r *Reader) ListHeader() (Composite, error) {
	c, err := r.u8()
	if err != nil {
		return Composite{}, err
	}
	switch c {
	case CodeNull, CodeList0:
		return Composite{End: r.off}, nil
	case CodeList8, CodeList32:
		return r.compositeBody(c == CodeList8)
	}
	return Composite{}, &TypeError{"list", c}
}

// MapHeader reads the header of a map. Null reads as an empty map.
func (r *Reader) MapHeader() (Composite, error) {
	c, err := r.u8()
	if err != nil {
		return Composite{}, err
	}
	switch c {
	case CodeNull:
		return Composite{End: r.off}, nil
	case CodeMap8, CodeMap32:
		h, err := r.compositeBody(c == CodeMap8)
		if err == nil && h.Count%2 != 0 {
			err = fmt.Errorf("map with odd element count %d", h.Count)
		}
		return h, err
	}
	return Composite{}, &TypeError{"map", c}
}

func (r *Reader) compositeBody(short bool) (Composite, error) {
	var size, count uint32
	if short {
		s, err := r.u8()
		if err != nil {
			return Composite{}, err
		}
		n, err := r.u8()
		if err != nil {
			return Composite{}, err
		}
		size, count = uint32(s), uint32(n)
		if size < 1 {
			return Composite{}, fmt.Errorf("compound size %d too small", size)
		}
		size--
	} else {
		s, err := r.u32()
		if err != nil {
			return Composite{}, err
		}
		n, err := r.u32()
		if err != nil {
			return Composite{}, err
		}
		size, count = s, n
		if size < 4 {
			return Composite{}, fmt.Errorf("compound size %d too small", size)
		}
		size -= 4
	}
	if uint64(size) > uint64(r.Len()) {
		return Composite{}, ErrTruncated
	}
	// Every element takes at least one byte.
	if count > size {
		return Composite{}, fmt.Errorf("compound claims %d elements in %d bytes", count, size)
	}
	return Composite{Count: int(count), End: r.off + int(size)}, nil
}

// Finish moves past the end of a composite, skipping fields a newer peer
// may have added; it fails if the body overran its declared size.
func (r *Reader) Finish(h Composite) error {
	if r.off > h.End {
		return fmt.Errorf("compound body overruns its size by %d bytes", r.off-h.End)
	}
	r.off = h.End
	return nil
}

// Descriptor reads the start of a described type: the 0x00 constructor
// and a numeric or symbolic descriptor.
func (r *Reader) Descriptor() (code uint64, name Symbol, err error) {
	c, err := r.u8()
	if err != nil {
		return 0, "", err
	}
	if c != codeDescribed {
		return 0, "", &TypeError{"described type", c}
	}
	c, err = r.Peek()
	if err != nil {
		return 0, "", err
	}
	if c == CodeSym8 || c == CodeSym32 {
		name, err = r.Symbol()
		return 0, name, err
	}
	code, err = r.Ulong()
	return code, "", err
}

// Skip consumes one value of any type without building it.
func (r *Reader) Skip() error {
	c, err := r.u8()
	if err != nil {
		return err
	}
	return r.skipBody(c)
}

func (r *Reader) skipBody(c byte) error {
	if c == codeDescribed {
		if err := r.enter(); err != nil {
			return err
		}
		defer r.leave()
		if err := r.Skip(); err != nil {
			return err
		}
		return r.Skip()
	}
	n, err := fixedWidth(c)
	if err == nil {
		_, err = r.next(n)
		return err
	}
	switch c {
	case CodeVbin8, CodeStr8, CodeSym8, CodeVbin32, CodeStr32, CodeSym32:
		_, err := r.varBytes(c)
		return err
	case CodeList8, CodeMap8, CodeArray8:
		_, err := r.varBytes(CodeVbin8)
		return err
	case CodeList32, CodeMap32, CodeArray32:
		_, err := r.varBytes(CodeVbin32)
		return err
	}
	return err
}

// fixedWidth is the body size of a fixed-width format code.
func fixedWidth(c byte) (int, error) {
	switch c & 0xf0 {
	case 0x40:
		if c <= CodeList0 {
			return 0, nil
		}
	case 0x50:
		if c <= CodeSmallLong || c == CodeBool {
			return 1, nil
		}
	case 0x60:
		if c == CodeUshort || c == CodeShort {
			return 2, nil
		}
	case 0x70:
		if c <= CodeDecimal32 {
			return 4, nil
		}
	case 0x80:
		if c <= CodeDecimal64 {
			return 8, nil
		}
	case 0x90:
		if c == CodeDecimal128 || c == CodeUUID {
			return 16, nil
		}
	}
	return 0, fmt.Errorf("unknown AMQP format code 0x%02x", c)
}

func (r *Reader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return fmt.Errorf("values nested deeper than %d", maxDepth)
	}
	return nil
}

func (r *Reader) leave() { r.depth-- }
