package amqp

import (
	"fmt"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// Descriptor codes of the performatives, SASL frames, delivery states,
// termini and message sections (parts 2, 3 and 5).
const (
	codeOpen        = 0x10
	codeBegin       = 0x11
	codeAttach      = 0x12
	codeFlow        = 0x13
	codeTransfer    = 0x14
	codeDisposition = 0x15
	codeDetach      = 0x16
	codeEnd         = 0x17
	codeClose       = 0x18
	codeError       = 0x1d

	codeReceived = 0x23
	codeAccepted = 0x24
	codeRejected = 0x25
	codeReleased = 0x26
	codeModified = 0x27
	codeSource   = 0x28
	codeTarget   = 0x29

	codeSASLMechanisms = 0x40
	codeSASLInit       = 0x41
	codeSASLChallenge  = 0x42
	codeSASLResponse   = 0x43
	codeSASLOutcome    = 0x44
)

// fields reads a described list's fields, calling f for each field that is
// not null; null fields keep their defaults (part 1, 1.4). f must consume
// the field; fields f does not know it skips with r.Skip.
func fields(r *encoding.Reader, f func(i int) error) error {
	h, err := r.ListHeader()
	if err != nil {
		return err
	}
	for i := 0; i < h.Count; i++ {
		if r.SkipNull() {
			continue
		}
		if err := f(i); err != nil {
			return fmt.Errorf("field %d: %w", i, err)
		}
	}
	return r.Finish(h)
}

// expect reads a descriptor and checks it is code.
func expect(r *encoding.Reader, code uint64, what string) error {
	got, name, err := r.Descriptor()
	if err != nil {
		return err
	}
	if got != code || name != "" {
		return fmt.Errorf("expected %s (descriptor 0x%x), got descriptor %#x%s", what, code, got, name)
	}
	return nil
}

// readSymbols reads a "multiple" symbol field: one symbol or an array.
func readSymbols(r *encoding.Reader) ([]string, error) {
	c, err := r.Peek()
	if err != nil {
		return nil, err
	}
	if c == encoding.CodeSym8 || c == encoding.CodeSym32 || c == encoding.CodeStr8 {
		s, err := r.String()
		return []string{s}, err
	}
	v, err := r.Any()
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case []encoding.Symbol:
		out := make([]string, len(v))
		for i, s := range v {
			out[i] = string(s)
		}
		return out, nil
	case []string:
		return v, nil
	case []any: // a list of symbols, as Proton sends what Python gave it
		out := make([]string, len(v))
		for i, x := range v {
			s, ok := x.(encoding.Symbol)
			if !ok {
				return nil, fmt.Errorf("expected symbols, got a list holding %T", x)
			}
			out[i] = string(s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected symbols, got %T", v)
}

// writeSymbols writes a "multiple" symbol field as an array, or null.
func writeSymbols(w *encoding.Buffer, s []string) {
	if len(s) == 0 {
		w.Null()
		return
	}
	syms := make([]encoding.Symbol, len(s))
	for i := range s {
		syms[i] = encoding.Symbol(s[i])
	}
	_ = w.Marshal(syms) // cannot fail for []Symbol
}

// writeSymbolMap writes a fields map (symbol keys), or null.
func writeSymbolMap(w *encoding.Buffer, m map[string]any) error {
	if len(m) == 0 {
		w.Null()
		return nil
	}
	return encoding.MarshalMap(w, m, func(w *encoding.Buffer, k string) { w.Symbol(encoding.Symbol(k)) })
}

func writeError(w *encoding.Buffer, e *Error) error {
	if e == nil {
		w.Null()
		return nil
	}
	w.Descriptor(codeError)
	l := w.Fields()
	w.Symbol(encoding.Symbol(e.Condition))
	l.Next()
	optString(w, e.Description)
	l.Next()
	if err := writeSymbolMap(w, e.Info); err != nil {
		return err
	}
	l.Next()
	l.End()
	return nil
}

func readError(r *encoding.Reader) (*Error, error) {
	if r.SkipNull() {
		return nil, nil
	}
	if err := expect(r, codeError, "error"); err != nil {
		return nil, err
	}
	e := &Error{}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			var s encoding.Symbol
			s, err = r.Symbol()
			e.Condition = Condition(s)
		case 1:
			e.Description, err = r.String()
		case 2:
			e.Info, err = r.StringMap()
		default:
			err = r.Skip()
		}
		return err
	})
	return e, err
}

func optString(w *encoding.Buffer, s string) {
	if s == "" {
		w.Null()
		return
	}
	w.String(s)
}

func optSymbol(w *encoding.Buffer, s string) {
	if s == "" {
		w.Null()
		return
	}
	w.Symbol(encoding.Symbol(s))
}

func optBool(w *encoding.Buffer, b bool) {
	if !b {
		w.Null()
		return
	}
	w.Bool(true)
}

func optUint(w *encoding.Buffer, v uint32) {
	if v == 0 {
		w.Null()
		return
	}
	w.Uint(v)
}
