package amqp

import (
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// Symbol, UUID, Char and Described are the AMQP types without a natural Go
// counterpart; see package encoding for the full mapping of Go values.
type (
	Symbol    = encoding.Symbol
	UUID      = encoding.UUID
	Char      = encoding.Char
	Described = encoding.Described
)

// Message is an AMQP message (part 3, 3.2). Absent sections are nil. Its
// body is exactly one of Data, Value (with HasValue) or Sequence.
type Message struct {
	Header                *Header
	DeliveryAnnotations   Annotations
	Annotations           Annotations // message-annotations
	Properties            *Properties
	ApplicationProperties map[string]any

	// Data holds the body as one or more data sections (Hono's telemetry).
	Data [][]byte
	// Value is the body of an amqp-value section when HasValue is set
	// (HasValue lets a null value be told from no section).
	Value    any
	HasValue bool
	// Sequence holds the body as amqp-sequence sections.
	Sequence [][]any

	Footer Annotations

	// Format is the message-format of the transfer (0 for AMQP messages).
	Format uint32
	// DeliveryTag is the tag of the delivery that carried a received
	// message. Send ignores it and tags each delivery itself, so that a
	// message passed on keeps tags unique on the outgoing link.
	DeliveryTag []byte

	// data1 holds the single data section of a decoded message, saving an
	// allocation per message on the receive path.
	data1 [1][]byte
}

// NewMessage returns a message with one data section, as Hono sends
// telemetry and events.
func NewMessage(data []byte) *Message {
	return &Message{Data: [][]byte{data}}
}

// Annotations maps symbol keys to values (delivery-annotations,
// message-annotations, footer). Keys are encoded as symbols.
//
// TODO: the spec also allows ulong keys (reserved, unused by Hono); a
// decoded message drops them.
type Annotations map[string]any

// Header is the header section (part 3, 3.2.1).
type Header struct {
	Durable       bool
	Priority      uint8 // 4 when unset on the wire
	TTL           time.Duration
	FirstAcquirer bool
	DeliveryCount uint32
}

// Properties is the properties section (part 3, 3.2.4). Zero values are
// absent on the wire. MessageID and CorrelationID hold a string, uint64,
// UUID or []byte.
type Properties struct {
	MessageID          any
	UserID             []byte
	To                 string
	Subject            string
	ReplyTo            string
	CorrelationID      any
	ContentType        string
	ContentEncoding    string
	AbsoluteExpiryTime time.Time
	CreationTime       time.Time
	GroupID            string
	GroupSequence      uint32
	ReplyToGroupID     string
}

// DeliveryState is the state of a delivery (part 3, 3.4): one of
// *Accepted, *Rejected, *Released, *Modified, or *Received.
type DeliveryState interface {
	deliveryState()
	String() string
}

// Accepted is the outcome of a message the receiver processed.
type Accepted struct{}

// Rejected is the outcome of a message the receiver found invalid; Error
// says why (Hono: amqp:decode-error, amqp:precondition-failed...).
type Rejected struct {
	Error *Error
}

// Released is the outcome of a message the receiver did not process.
type Released struct{}

// Modified is the outcome of a message released with changes.
type Modified struct {
	DeliveryFailed     bool
	UndeliverableHere  bool
	MessageAnnotations Annotations
}

// Received is the non-terminal state of a partly received delivery.
type Received struct {
	SectionNumber uint32
	SectionOffset uint64
}

func (*Accepted) deliveryState() {}
func (*Rejected) deliveryState() {}
func (*Released) deliveryState() {}
func (*Modified) deliveryState() {}
func (*Received) deliveryState() {}

func (*Accepted) String() string { return "accepted" }
func (*Released) String() string { return "released" }
func (*Modified) String() string { return "modified" }
func (*Received) String() string { return "received" }

func (r *Rejected) String() string {
	if r.Error == nil {
		return "rejected"
	}
	return "rejected (" + r.Error.Error() + ")"
}
