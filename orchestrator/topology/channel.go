package topology

import "fmt"

// Channel is one of the seven TLS channels of a Hono stack. Each is checked on
// its own; a channel groups the links that play the same part (every adapter's
// connection to the Device Registry is channel 5).
type Channel int

// The seven channels, numbered as in the design.
const (
	ChannelAppRouter Channel = iota + 1
	ChannelMessagingRouter
	ChannelMessagingAuth
	ChannelRegistryAuth
	ChannelAdapterRegistry
	ChannelAdapterMessaging
	ChannelDeviceAdapter
)

// Channels lists the seven channels in order.
var Channels = []Channel{
	ChannelAppRouter, ChannelMessagingRouter, ChannelMessagingAuth,
	ChannelRegistryAuth, ChannelAdapterRegistry, ChannelAdapterMessaging,
	ChannelDeviceAdapter,
}

var channelNames = map[Channel]string{
	ChannelAppRouter:        "client application -> router (external)",
	ChannelMessagingRouter:  "Hono Messaging -> router (internal)",
	ChannelMessagingAuth:    "Hono Messaging -> Auth Server",
	ChannelRegistryAuth:     "Device Registry -> Auth Server",
	ChannelAdapterRegistry:  "protocol adapter -> Device Registry",
	ChannelAdapterMessaging: "protocol adapter -> Hono Messaging",
	ChannelDeviceAdapter:    "device -> protocol adapter",
}

// String is the channel's human name, for reports.
func (c Channel) String() string {
	if n, ok := channelNames[c]; ok {
		return n
	}
	return fmt.Sprintf("channel %d", int(c))
}

// Peers that are not services of the stack: they stand for the users' own
// programs and are played by the checks.
const (
	ClientApplication = "application"
	ClientDevice      = "device"
)

// SASL mechanisms a link authenticates with.
const (
	SASLPlain    = "PLAIN"
	SASLExternal = "EXTERNAL"
	SASLNone     = ""
)

// Link is one client-to-server connection of a channel, described as the
// client sees it.
type Link struct {
	Channel Channel
	// Client is the service name of the client, or ClientApplication or
	// ClientDevice for peers outside the stack.
	Client string
	// Server is the service name of the server.
	Server string
	// Port is the server's port the client dials.
	Port Port
	// Hostname is the host name the client dials and verifies against the
	// server's certificate.
	Hostname string
	// TLS is true when the client uses TLS on this link.
	TLS bool
	// ClientCert is true when the client presents its own certificate.
	ClientCert bool
	// MutualTLS is true when the server requires a client certificate.
	MutualTLS bool
	// SASL is the mechanism the client uses, SASLNone for HTTP and MQTT.
	SASL string
	// Protocol is the application protocol: "amqp", "http" or "mqtt".
	Protocol string
}

// String names the link for reports: "hono-adapter-http-vertx ->
// hono-service-device-registry.hono:5671". Applications and devices dial
// published ports, so their links name the host port and the server:
// "device -> localhost:8884 (hono-adapter-kura)".
func (l Link) String() string {
	outside := l.Client == ClientApplication || l.Client == ClientDevice
	if outside && l.Port.Host != 0 {
		return fmt.Sprintf("%s -> %s:%d (%s)", l.Client, l.Hostname, l.Port.Host, l.Server)
	}
	return fmt.Sprintf("%s -> %s:%d", l.Client, l.Hostname, l.Port.Container)
}
