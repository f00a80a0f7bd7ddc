package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/render"
)

func consumeCommand() *cli.Command {
	return &cli.Command{
		Name:  "consume",
		Usage: "receive telemetry as Hono's example application does, on the router's published TLS port",
		Description: "Logs in at the router's external listener as consumer@HONO, over TLS with the\n" +
			"stack's trust anchors, attaches telemetry/<tenant> (or --address) and prints a line\n" +
			"per message: device_id, content type, the adapter it came through, and the body.\n" +
			"Devices get 503 (HTTP) or no PUBACK (MQTT) while no application takes their\n" +
			"telemetry; run this in one terminal and send from another.\n\n" +
			"Examples:\n" +
			"  honoctl consume\n" +
			"  honoctl consume --address event/DEFAULT_TENANT --count 1",
		Flags: []cli.Flag{dirFlag(),
			&cli.StringFlag{Name: "address", Value: "telemetry/" + render.DefaultTenant,
				Usage: "the address to receive from (example: --address telemetry/DEFAULT_TENANT)"},
			&cli.IntFlag{Name: "count",
				Usage: "stop after this many messages; 0 receives until Ctrl-C (example: --count 1)"},
		},
		Action: runConsume,
	}
}

func runConsume(c *cli.Context) error {
	dir := c.String("dir")
	st, err := loadCheckInputs(dir)
	if err != nil {
		return err
	}
	d := check.DataTargets(st)
	if d == nil || d.AppAddr == "" {
		return cannot("%s publishes no router port for applications: render it without --no-publish", dir)
	}
	conn, err := amqp.Dial(c.Context, d.AppAddr, &amqp.ConnOptions{TLSConfig: d.TLSFor(d.App),
		SASL: amqp.SASLPlain(d.AppUser, d.AppPassword), ContainerID: "honoctl-consume"})
	if err != nil {
		return cannot("application -> router %s: %w; honoctl check --dir %s says which part fails", d.AppAddr, err, dir)
	}
	defer conn.Close()
	sess, err := conn.NewSession(c.Context, nil)
	if err != nil {
		return cannot("application -> router %s: %w", d.AppAddr, err)
	}
	address := c.String("address")
	rcv, err := sess.NewReceiver(c.Context, address, &amqp.ReceiverOptions{Credit: 100})
	if err != nil {
		return cannot("attach %s at the router %s as %s: %w", address, d.AppAddr, d.AppUser, err)
	}
	fmt.Fprintf(c.App.ErrWriter, "receiving %s as %s at %s; Ctrl-C stops\n", address, d.AppUser, d.AppAddr)

	for n, limit := 0, c.Int("count"); limit == 0 || n < limit; n++ {
		dl, err := rcv.Receive(c.Context)
		if err != nil {
			if errors.Is(err, context.Canceled) || c.Context.Err() != nil {
				return nil
			}
			return cannot("receive from %s: %w", address, err)
		}
		if err := dl.Accept(); err != nil {
			return cannot("accept a message of %s: %w", address, err)
		}
		printMessage(c.App.Writer, dl.Message)
	}
	return nil
}

// printMessage writes one line: the properties Hono's adapters set, in a
// fixed order and then the rest sorted, and the body, quoted when it is
// not one line of text.
func printMessage(w io.Writer, m *amqp.Message) {
	var b strings.Builder
	props := m.ApplicationProperties
	first := []string{"device_id", "orig_adapter"}
	for _, k := range first {
		if v, ok := props[k]; ok {
			fmt.Fprintf(&b, "%s=%v ", k, v)
		}
	}
	var rest []string
	for k := range props {
		if k != first[0] && k != first[1] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		fmt.Fprintf(&b, "%s=%v ", k, props[k])
	}
	if m.Properties != nil && m.Properties.ContentType != "" {
		fmt.Fprintf(&b, "content-type=%s ", m.Properties.ContentType)
	}
	var body []byte
	for _, d := range m.Data {
		body = append(body, d...)
	}
	if utf8.Valid(body) && !strings.ContainsAny(string(body), "\r\n") {
		b.Write(body)
	} else {
		fmt.Fprintf(&b, "%q", body)
	}
	fmt.Fprintln(w, b.String())
}
