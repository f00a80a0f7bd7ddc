package encoding

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"
)

// ErrTruncated means the input ended inside a value.
var ErrTruncated = errors.New("truncated AMQP value")

// maxDepth bounds nesting of lists, maps, arrays and described types so
// hostile input cannot exhaust the stack.
const maxDepth = 64

// Reader decodes AMQP values from a byte slice. It never reads past the
// slice, and a count in the input can never make it allocate more than a
// small multiple of the input's length.
type Reader struct {
	b   []byte
	off int

	// Alias makes decoded strings and binaries share the input's memory
	// instead of copying. Set it only when the input is never modified
	// afterwards (a frame read into its own buffer).
	Alias bool

	depth int
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Reset points r at new input.
func (r *Reader) Reset(b []byte) { r.b, r.off, r.depth = b, 0, 0 }

// Len is the number of unread bytes.
func (r *Reader) Len() int { return len(r.b) - r.off }

// Offset is the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

// Rest returns the unread bytes and consumes them.
func (r *Reader) Rest() []byte {
	p := r.b[r.off:]
	r.off = len(r.b)
	return p
}

// Peek returns the next format code without consuming it.
func (r *Reader) Peek() (byte, error) {
	if r.off >= len(r.b) {
		return 0, ErrTruncated
	}
	return r.b[r.off], nil
}

func (r *Reader) next(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.off {
		return nil, ErrTruncated
	}
	p := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return p, nil
}

func (r *Reader) u8() (byte, error) {
	if r.off >= len(r.b) {
		return 0, ErrTruncated
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *Reader) u16() (uint16, error) {
	p, err := r.next(2)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint16(p), nil
}

func (r *Reader) u32() (uint32, error) {
	p, err := r.next(4)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(p), nil
}

func (r *Reader) u64() (uint64, error) {
	p, err := r.next(8)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(p), nil
}

// SkipNull consumes a null and reports whether there was one.
func (r *Reader) SkipNull() bool {
	if r.off < len(r.b) && r.b[r.off] == CodeNull {
		r.off++
		return true
	}
	return false
}

func (r *Reader) str(p []byte) string {
	if r.Alias {
		return unsafe.String(unsafe.SliceData(p), len(p))
	}
	return string(p)
}

func (r *Reader) bin(p []byte) []byte {
	if r.Alias {
		return p
	}
	return append([]byte(nil), p...)
}

// TypeError says a value of one type was found where another was expected.
type TypeError struct {
	Want string
	Code byte
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("expected %s, found AMQP format code 0x%02x", e.Want, e.Code)
}
