package amqp

import (
	"fmt"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// Descriptor codes of the message sections (part 3, 3.2).
const (
	codeHeader          = 0x70
	codeDeliveryAnnots  = 0x71
	codeMessageAnnots   = 0x72
	codeProperties      = 0x73
	codeApplicationProp = 0x74
	codeData            = 0x75
	codeSequence        = 0x76
	codeValue           = 0x77
	codeFooter          = 0x78
)

// Marshal appends the bare and annotated message, the payload of a
// transfer, to w.
func (m *Message) Marshal(w *encoding.Buffer) error {
	if m.Header != nil {
		m.Header.encode(w)
	}
	if err := annotations(w, codeDeliveryAnnots, m.DeliveryAnnotations); err != nil {
		return fmt.Errorf("delivery-annotations: %w", err)
	}
	if err := annotations(w, codeMessageAnnots, m.Annotations); err != nil {
		return fmt.Errorf("message-annotations: %w", err)
	}
	if m.Properties != nil {
		if err := m.Properties.encode(w); err != nil {
			return fmt.Errorf("properties: %w", err)
		}
	}
	if m.ApplicationProperties != nil {
		w.Descriptor(codeApplicationProp)
		if err := encoding.MarshalMap(w, m.ApplicationProperties, (*encoding.Buffer).String); err != nil {
			return fmt.Errorf("application-properties: %w", err)
		}
	}
	if err := m.encodeBody(w); err != nil {
		return err
	}
	if err := annotations(w, codeFooter, m.Footer); err != nil {
		return fmt.Errorf("footer: %w", err)
	}
	return nil
}

func (m *Message) encodeBody(w *encoding.Buffer) error {
	for _, d := range m.Data {
		w.Descriptor(codeData)
		w.Binary(d)
	}
	if m.HasValue || m.Value != nil {
		w.Descriptor(codeValue)
		if err := w.Marshal(m.Value); err != nil {
			return fmt.Errorf("amqp-value: %w", err)
		}
	}
	for _, s := range m.Sequence {
		w.Descriptor(codeSequence)
		if err := w.Marshal(s); err != nil {
			return fmt.Errorf("amqp-sequence: %w", err)
		}
	}
	return nil
}

func annotations(w *encoding.Buffer, code uint64, a Annotations) error {
	if a == nil {
		return nil
	}
	w.Descriptor(code)
	return writeSymbolMapAlways(w, a)
}

func writeSymbolMapAlways(w *encoding.Buffer, m map[string]any) error {
	return encoding.MarshalMap(w, m, func(w *encoding.Buffer, k string) { w.Symbol(encoding.Symbol(k)) })
}

func (h *Header) encode(w *encoding.Buffer) {
	w.Descriptor(codeHeader)
	l := w.Fields()
	optBool(w, h.Durable)
	l.Next()
	if h.Priority != 0 && h.Priority != 4 {
		w.Ubyte(h.Priority)
	} else {
		w.Null()
	}
	l.Next()
	optUint(w, uint32(h.TTL.Milliseconds()))
	l.Next()
	optBool(w, h.FirstAcquirer)
	l.Next()
	optUint(w, h.DeliveryCount)
	l.Next()
	l.End()
}

func (p *Properties) encode(w *encoding.Buffer) error {
	w.Descriptor(codeProperties)
	l := w.Fields()
	if err := w.Marshal(p.MessageID); err != nil {
		return fmt.Errorf("message-id: %w", err)
	}
	l.Next()
	if p.UserID != nil {
		w.Binary(p.UserID)
	} else {
		w.Null()
	}
	l.Next()
	for _, s := range []string{p.To, p.Subject, p.ReplyTo} {
		optString(w, s)
		l.Next()
	}
	if err := w.Marshal(p.CorrelationID); err != nil {
		return fmt.Errorf("correlation-id: %w", err)
	}
	l.Next()
	optSymbol(w, p.ContentType)
	l.Next()
	optSymbol(w, p.ContentEncoding)
	l.Next()
	optTime(w, p.AbsoluteExpiryTime)
	l.Next()
	optTime(w, p.CreationTime)
	l.Next()
	optString(w, p.GroupID)
	l.Next()
	optUint(w, p.GroupSequence)
	l.Next()
	optString(w, p.ReplyToGroupID)
	l.Next()
	l.End()
	return nil
}

func optTime(w *encoding.Buffer, t time.Time) {
	if t.IsZero() {
		w.Null()
		return
	}
	w.Timestamp(t)
}
