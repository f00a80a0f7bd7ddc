// Package amqp is a small AMQP 1.0 implementation with both a client and a
// server side, written for Eclipse Hono's links: TLS directly on the socket
// (amqps) or through the AMQP TLS header, SASL ANONYMOUS, PLAIN and EXTERNAL,
// and the open, attach and transfer fields Hono's services use.
//
// The client side:
//
//	conn, err := amqp.Dial(ctx, "hono-dispatch-router.hono:5673", &amqp.ConnOptions{
//		TLSConfig: tlsConf,
//		SASL:      amqp.SASLExternal(),
//		HostName:  "hono-internal",
//	})
//	sess, err := conn.NewSession(ctx, nil)
//	snd, err := sess.NewSender(ctx, "telemetry/DEFAULT_TENANT", nil)
//	err = snd.Send(ctx, msg)
//
// The server side hands every link the peer attaches to a LinkHandler, run
// in its own goroutine for as long as the link lives (like net/http):
//
//	srv := &amqp.Server{
//		ContainerID:  "Hono-Auth",
//		Mechanisms:   []string{amqp.MechExternal, amqp.MechPlain},
//		Authenticate: checkUser,
//		Link: func(ctx context.Context, req *amqp.LinkRequest) error {
//			snd, err := req.AcceptSender(nil)
//			...
//		},
//	}
//	err := srv.Serve(ctx, tlsListener)
//
// Failures are typed: *ConnError names the stage that failed (TCP, TLS
// handshake, protocol header, SASL, open, ...) and carries the peer's
// *Error; *SessionError and *LinkError do the same for sessions and links;
// *DeliveryError reports a message the peer did not accept.
//
// Concurrency: each connection has one goroutine that reads and dispatches
// frames and one that writes them; no goroutine outlives its connection.
// All methods are safe for concurrent use.
package amqp
