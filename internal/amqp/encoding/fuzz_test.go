package encoding

import (
	"testing"
	"time"
)

// FuzzDecode decodes arbitrary bytes as a sequence of values: each input
// gives values or an error, never a panic. Whatever decodes re-encodes.
func FuzzDecode(f *testing.F) {
	for _, v := range []any{nil, true, uint64(1 << 40), int32(-1), "hono", Symbol("s"), []byte{1},
		[]any{"a", []any{uint8(1)}}, map[any]any{"k": Symbol("v")}, []Symbol{"send", "recv"},
		&Described{Descriptor: uint64(0x75), Value: []byte("data")}, time.UnixMilli(5), UUID{9},
		[]int64{1, 2}, Decimal64{1}, Char('x')} {
		var w Buffer
		if err := w.Marshal(v); err != nil {
			f.Fatal(err)
		}
		f.Add(w.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(data)
		for r.Len() > 0 {
			v, err := r.Any()
			if err != nil {
				return
			}
			var w Buffer
			if err := w.Marshal(v); err != nil {
				t.Fatalf("decoded %#v does not re-encode: %v", v, err)
			}
		}
	})
}
