package amqp_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/honoctl/honoctl/internal/amqp"
)

// A server that accepts PLAIN logins and answers every receiving link with
// one message, as Hono's Auth Server answers its token link, and a client
// that fetches it.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // tls.NewListener(ln, conf) for amqps
	if err != nil {
		panic(err)
	}
	srv := &amqp.Server{
		ContainerID: "Hono-Auth",
		Mechanisms:  []string{amqp.MechPlain},
		Authenticate: func(_ context.Context, req *amqp.SASLRequest) (any, error) {
			if req.AuthcID != "consumer@HONO" || req.Password != "verysecret" {
				return nil, errors.New("bad credentials")
			}
			return req.AuthcID, nil
		},
		Link: func(ctx context.Context, req *amqp.LinkRequest) error {
			if req.Attach.Role == amqp.RoleSender || req.Address() != "cbs" {
				return &amqp.Error{Condition: amqp.ErrNotFound, Description: "no such node"}
			}
			snd, err := req.AcceptSender(nil)
			if err != nil {
				return err
			}
			msg := &amqp.Message{Value: fmt.Sprintf("token for %v", req.Conn.Identity()), HasValue: true}
			return snd.Send(ctx, msg) // returning detaches the link
		},
	}
	go srv.Serve(ctx, ln)

	conn, err := amqp.Dial(ctx, ln.Addr().String(), &amqp.ConnOptions{
		SASL: amqp.SASLPlain("consumer@HONO", "verysecret"),
	})
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		panic(err)
	}
	rcv, err := sess.NewReceiver(ctx, "cbs", &amqp.ReceiverOptions{Credit: 1})
	if err != nil {
		panic(err)
	}
	d, err := rcv.Receive(ctx)
	if err != nil {
		panic(err)
	}
	_ = d.Accept()
	fmt.Println(conn.RemoteOpen().ContainerID, "sent:", d.Message.Value)

	_, err = amqp.Dial(ctx, ln.Addr().String(), &amqp.ConnOptions{SASL: amqp.SASLPlain("consumer@HONO", "wrong")})
	var ce *amqp.ConnError
	if errors.As(err, &ce) {
		fmt.Println("stage:", ce.Stage, "outcome:", ce.SASLCode)
	}
	// Output:
	// Hono-Auth sent: token for consumer@HONO
	// stage: SASL outcome: auth (1)
}
