package amqp

import (
	"crypto/tls"
	"time"
)

// ConnOptions configures a client connection. The zero value (or nil) is a
// plain TCP connection without SASL.
type ConnOptions struct {
	// TLSConfig enables TLS directly on the socket (amqps), as Hono's
	// services and clients use it. Its ServerName defaults to the host of
	// the dialed address. Nil means plain TCP.
	TLSConfig *tls.Config
	// StartTLS negotiates TLS through the AMQP TLS protocol header
	// ("AMQP 2 1 0 0", part 5, 5.2) on a plain socket instead of amqps.
	// It needs TLSConfig.
	StartTLS bool

	// SASL is the mechanism to authenticate with (SASLPlain, SASLExternal,
	// SASLAnonymous). Nil skips the SASL layer.
	SASL *SASL

	// HostName is the open frame's hostname, the virtual host the peer
	// should serve (Hono's amqpHostname, e.g. "hono-internal"). It defaults
	// to the host of the dialed address.
	HostName string
	// ContainerID defaults to a random UUID.
	ContainerID string
	// OfferedCapabilities and DesiredCapabilities go into our open frame
	// (the Dispatch Router desires ADDRESS-AUTHZ from the Auth Server).
	OfferedCapabilities []string
	DesiredCapabilities []string
	// Properties go into our open frame, keyed by symbol.
	Properties map[string]any

	// IdleTimeout is how long we wait for any frame before closing the
	// connection with amqp:resource-limit-exceeded; the peer is told to
	// send heartbeats within it. Zero disables our timeout. We always
	// send heartbeats for the peer's timeout.
	IdleTimeout time.Duration
	// MaxFrameSize is the largest frame we accept; default 65536, at
	// least 512 (part 2, 2.7.1). Larger messages arrive in several frames.
	MaxFrameSize uint32
	// ChannelMax is the highest session channel; default 65535.
	ChannelMax uint16
	// MaxMessageSize bounds a reassembled incoming message; default 16 MiB.
	MaxMessageSize uint64
}

// SessionOptions configures a session. The zero value (or nil) is fine.
type SessionOptions struct {
	// IncomingWindow is how many transfer frames the peer may send before
	// we widen the window again; default 5000.
	IncomingWindow uint32
}

// SenderSettleMode is a link's snd-settle-mode (part 2, 2.8.2).
type SenderSettleMode uint8

// The sender settle modes. Hono calls unsettled AT_LEAST_ONCE and settled
// AT_MOST_ONCE.
const (
	SenderUnsettled SenderSettleMode = 0
	SenderSettled   SenderSettleMode = 1
	SenderMixed     SenderSettleMode = 2
)

// ReceiverSettleMode is a link's rcv-settle-mode (part 2, 2.8.3).
type ReceiverSettleMode uint8

// The receiver settle modes.
const (
	ReceiverFirst  ReceiverSettleMode = 0
	ReceiverSecond ReceiverSettleMode = 1
)

// SenderOptions configures a sender link. The zero value (or nil) is an
// at-least-once sender with a random name.
type SenderOptions struct {
	// Name defaults to a random one.
	Name string
	// SettleMode defaults to SenderUnsettled (at least once): Send waits
	// for the receiver's disposition. SenderSettled sends pre-settled.
	SettleMode SenderSettleMode
	// ReceiverSettleMode is requested from the receiver; default first.
	ReceiverSettleMode ReceiverSettleMode
	// SourceAddress is our source's address; usually empty.
	SourceAddress string
	// OfferedCapabilities, DesiredCapabilities and Properties go into our
	// attach frame.
	OfferedCapabilities []string
	DesiredCapabilities []string
	Properties          map[string]any
}

// ReceiverOptions configures a receiver link. The zero value (or nil) is
// an at-least-once receiver with 100 credits, topped up automatically.
type ReceiverOptions struct {
	// Name defaults to a random one.
	Name string
	// Credit is the link credit kept available to the sender; default
	// 100. Credit is topped up as messages are received, unless
	// ManualCredit is set, in which case IssueCredit grants it.
	Credit       uint32
	ManualCredit bool
	// SettleMode is the snd-settle-mode requested from the sender;
	// default SenderUnsettled. ReceiverSettleMode is ours; default first.
	SettleMode         SenderSettleMode
	ReceiverSettleMode ReceiverSettleMode
	// TargetAddress is our target's address; usually empty.
	TargetAddress string
	// OfferedCapabilities, DesiredCapabilities and Properties go into our
	// attach frame (Hono Messaging offers hono-reg-assertion on its
	// receiver links).
	OfferedCapabilities []string
	DesiredCapabilities []string
	Properties          map[string]any
	// MaxMessageSize is announced in our attach and enforced; 0 means the
	// connection's limit.
	MaxMessageSize uint64
}
