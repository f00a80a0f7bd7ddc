package amqp

import (
	"fmt"
	"strings"
)

// Condition is an AMQP error condition, a symbol such as
// "amqp:unauthorized-access" (part 2, 2.8.15) or an application's own
// ("hono:inactivity").
type Condition string

// Error conditions of the spec (part 2, 2.8.15-2.8.18) and Hono's own.
const (
	ErrInternal           Condition = "amqp:internal-error"
	ErrNotFound           Condition = "amqp:not-found"
	ErrUnauthorizedAccess Condition = "amqp:unauthorized-access"
	ErrDecodeError        Condition = "amqp:decode-error"
	ErrResourceLimit      Condition = "amqp:resource-limit-exceeded"
	ErrNotAllowed         Condition = "amqp:not-allowed"
	ErrInvalidField       Condition = "amqp:invalid-field"
	ErrNotImplemented     Condition = "amqp:not-implemented"
	ErrResourceLocked     Condition = "amqp:resource-locked"
	ErrPreconditionFailed Condition = "amqp:precondition-failed"
	ErrResourceDeleted    Condition = "amqp:resource-deleted"
	ErrIllegalState       Condition = "amqp:illegal-state"
	ErrFrameSizeTooSmall  Condition = "amqp:frame-size-too-small"

	ErrConnectionForced  Condition = "amqp:connection:forced"
	ErrFramingError      Condition = "amqp:connection:framing-error"
	ErrConnRedirect      Condition = "amqp:connection:redirect"
	ErrWindowViolation   Condition = "amqp:session:window-violation"
	ErrErrantLink        Condition = "amqp:session:errant-link"
	ErrHandleInUse       Condition = "amqp:session:handle-in-use"
	ErrUnattachedHandle  Condition = "amqp:session:unattached-handle"
	ErrDetachForced      Condition = "amqp:link:detach-forced"
	ErrTransferLimit     Condition = "amqp:link:transfer-limit-exceeded"
	ErrMessageSizeExceed Condition = "amqp:link:message-size-exceeded"
	ErrLinkRedirect      Condition = "amqp:link:redirect"
	ErrLinkStolen        Condition = "amqp:link:stolen"

	// Hono's conditions (org.eclipse.hono.util.Constants).
	ErrHonoInactivity      Condition = "hono:inactivity"
	ErrHonoUnsupportedMode Condition = "hono:unsupported-delivery-mode"
)

// Error is an AMQP error (part 2, 2.8.14) as carried by close, end, detach
// and the rejected outcome.
type Error struct {
	Condition   Condition
	Description string
	Info        map[string]any
}

// Error formats the condition and description, "amqp:not-found: no such node".
func (e *Error) Error() string {
	if e.Description == "" {
		return string(e.Condition)
	}
	return string(e.Condition) + ": " + e.Description
}

// Stage names where a connection attempt or a connection failed, so that a
// check can say "TLS handshake with host:5671: ..." rather than "EOF".
type Stage string

// The stages, in the order a connection goes through them.
const (
	StageTCP      Stage = "TCP connect"
	StageTLS      Stage = "TLS handshake"
	StageHeader   Stage = "protocol header"
	StageSASL     Stage = "SASL"
	StageOpen     Stage = "open"
	StageBegin    Stage = "begin"
	StageAttach   Stage = "attach"
	StageTransfer Stage = "transfer"
	// StageConn is a running connection that failed or was closed.
	StageConn Stage = "connection"
)

// ConnError reports a connection that could not be opened or that ended.
// Exactly one of Remote (the peer closed with an error, or refused SASL) and
// Err (a local or network cause) is normally set.
type ConnError struct {
	Stage Stage
	Addr  string // host:port of the peer

	// SASLCode is the outcome code the peer sent (Stage == StageSASL).
	SASLCode SASLCode
	// Remote is the error the peer sent in its close frame.
	Remote *Error
	// Err is the underlying cause: a net or x509 error, a decode error, ...
	Err error
}

func (e *ConnError) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Stage))
	if e.Addr != "" {
		b.WriteString(" with ")
		b.WriteString(e.Addr)
	}
	switch {
	case e.Stage == StageSASL && e.SASLCode != SASLOK:
		fmt.Fprintf(&b, ": SASL outcome %s", e.SASLCode)
		if e.Err != nil {
			b.WriteString(": ")
			b.WriteString(e.Err.Error())
		}
	case e.Remote != nil:
		b.WriteString(": peer closed: ")
		b.WriteString(e.Remote.Error())
	case e.Err != nil:
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	default:
		b.WriteString(": connection closed")
	}
	return b.String()
}

// Unwrap returns the cause, or the peer's *Error.
func (e *ConnError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	if e.Remote != nil {
		return e.Remote
	}
	return nil
}

// SessionError reports a session that could not begin or that the peer ended.
type SessionError struct {
	Remote *Error
	Err    error
}

func (e *SessionError) Error() string {
	if e.Remote != nil {
		return "session ended by peer: " + e.Remote.Error()
	}
	return "session: " + errString(e.Err)
}

// Unwrap returns the cause, or the peer's *Error.
func (e *SessionError) Unwrap() error { return unwrap(e.Err, e.Remote) }

// LinkError reports a link the peer refused or detached.
type LinkError struct {
	Stage   Stage  // StageAttach while attaching, StageTransfer afterwards
	Name    string // link name
	Address string // target of a sender, source of a receiver
	Remote  *Error
	Err     error
}

func (e *LinkError) Error() string {
	what := fmt.Sprintf("%s of link %q (address %q)", e.Stage, e.Name, e.Address)
	if e.Remote != nil {
		return what + ": peer detached: " + e.Remote.Error()
	}
	return what + ": " + errString(e.Err)
}

// Unwrap returns the cause, or the peer's *Error.
func (e *LinkError) Unwrap() error { return unwrap(e.Err, e.Remote) }

// DeliveryError reports a message the receiver did not accept: State is
// *Rejected (with the receiver's error), *Released or *Modified.
type DeliveryError struct {
	State DeliveryState
}

func (e *DeliveryError) Error() string {
	if r, ok := e.State.(*Rejected); ok && r.Error != nil {
		return "message rejected: " + r.Error.Error()
	}
	return fmt.Sprintf("message %s", e.State)
}

// Unwrap returns the receiver's error for a rejected message.
func (e *DeliveryError) Unwrap() error {
	if r, ok := e.State.(*Rejected); ok && r.Error != nil {
		return r.Error
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}

func unwrap(err error, remote *Error) error {
	if err != nil {
		return err
	}
	if remote != nil {
		return remote
	}
	return nil
}
