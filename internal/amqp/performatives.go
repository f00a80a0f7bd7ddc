package amqp

import "time"

// Open is an open frame (part 2, 2.7.1): the fields a peer announces about
// its side of a connection. Conn.RemoteOpen returns the peer's.
type Open struct {
	ContainerID  string
	Hostname     string
	MaxFrameSize uint32 // 4294967295 when the peer set no limit
	ChannelMax   uint16
	IdleTimeout  time.Duration

	OutgoingLocales     []string
	IncomingLocales     []string
	OfferedCapabilities []string
	DesiredCapabilities []string
	Properties          map[string]any
}

// Role is the role of a link endpoint: false for sender, true for receiver
// (part 2, 2.8.1).
type Role bool

// The two roles.
const (
	RoleSender   Role = false
	RoleReceiver Role = true
)

func (r Role) String() string {
	if r == RoleReceiver {
		return "receiver"
	}
	return "sender"
}

// Attach is an attach frame (part 2, 2.7.3): what an endpoint announces
// about its side of a link. LinkRequest.Attach, Sender.RemoteAttach and
// Receiver.RemoteAttach show the peer's.
type Attach struct {
	Name                 string
	Handle               uint32
	Role                 Role
	SndSettleMode        SenderSettleMode
	RcvSettleMode        ReceiverSettleMode
	Source               *Source // nil when the peer sent none
	Target               *Target // nil when the peer sent none (a refusal)
	IncompleteUnsettled  bool
	InitialDeliveryCount uint32
	MaxMessageSize       uint64 // 0: no limit
	OfferedCapabilities  []string
	DesiredCapabilities  []string
	Properties           map[string]any
}

// Source is a link's source terminus (part 3, 3.5.3).
type Source struct {
	Address          string
	Durable          uint32
	ExpiryPolicy     string // a symbol; "session-end" when unset
	Timeout          uint32
	Dynamic          bool
	DistributionMode string
	Filter           map[string]any
	Outcomes         []string
	Capabilities     []string
}

// Target is a link's target terminus (part 3, 3.5.4).
type Target struct {
	Address      string
	Durable      uint32
	ExpiryPolicy string
	Timeout      uint32
	Dynamic      bool
	Capabilities []string
}
