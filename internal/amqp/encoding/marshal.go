package encoding

import (
	"fmt"
	"time"
)

// Marshal appends the encoding of v. It returns an error for Go types that
// have no AMQP counterpart (see the package comment for the mapping).
func (w *Buffer) Marshal(v any) error {
	switch v := v.(type) {
	case nil:
		w.Null()
	case bool:
		w.Bool(v)
	case uint8:
		w.Ubyte(v)
	case uint16:
		w.Ushort(v)
	case uint32:
		w.Uint(v)
	case uint64:
		w.Ulong(v)
	case int8:
		w.Byte(v)
	case int16:
		w.Short(v)
	case int32:
		w.Int(v)
	case int64:
		w.Long(v)
	case int:
		w.Long(int64(v))
	case uint:
		w.Ulong(uint64(v))
	case float32:
		w.Float(v)
	case float64:
		w.Double(v)
	case Char:
		w.Char(v)
	case time.Time:
		w.Timestamp(v)
	case UUID:
		w.UUID(v)
	case []byte:
		w.Binary(v)
	case string:
		w.String(v)
	case Symbol:
		w.Symbol(v)
	case Decimal32:
		w.b = append(append(w.b, CodeDecimal32), v[:]...)
	case Decimal64:
		w.b = append(append(w.b, CodeDecimal64), v[:]...)
	case Decimal128:
		w.b = append(append(w.b, CodeDecimal128), v[:]...)
	case *Described:
		return w.described(v)
	case Described:
		return w.described(&v)
	case []any:
		return w.list(v)
	case map[string]any:
		return MarshalMap(w, v, (*Buffer).String)
	case map[Symbol]any:
		return MarshalMap(w, v, (*Buffer).Symbol)
	case map[any]any:
		return w.anyMap(v)
	default:
		return w.array(v)
	}
	return nil
}

func (w *Buffer) described(d *Described) error {
	w.b = append(w.b, codeDescribed)
	if err := w.Marshal(d.Descriptor); err != nil {
		return fmt.Errorf("descriptor: %w", err)
	}
	return w.Marshal(d.Value)
}

func (w *Buffer) list(l []any) error {
	c := w.List()
	for _, v := range l {
		if err := w.Marshal(v); err != nil {
			return err
		}
		c.Next()
	}
	c.End()
	return nil
}

// MarshalMap writes a map whose keys have one Go type, written by key.
func MarshalMap[K comparable](w *Buffer, m map[K]any, key func(*Buffer, K)) error {
	c := w.Map()
	for k, v := range m {
		key(w, k)
		c.Next()
		if err := w.Marshal(v); err != nil {
			return fmt.Errorf("map value for %v: %w", k, err)
		}
		c.Next()
	}
	c.End()
	return nil
}

func (w *Buffer) anyMap(m map[any]any) error {
	c := w.Map()
	for k, v := range m {
		if err := w.Marshal(k); err != nil {
			return fmt.Errorf("map key: %w", err)
		}
		c.Next()
		if err := w.Marshal(v); err != nil {
			return fmt.Errorf("map value for %v: %w", k, err)
		}
		c.Next()
	}
	c.End()
	return nil
}
