package auth

import (
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// WatchExpiry closes conn with amqp:unauthorized-access "access token
// expired" once tok, plus hono.TokenLeeway, has expired, as Hono's services
// do with a delegated client's connection. It returns at once; the watch
// ends with the connection.
func WatchExpiry(conn *amqp.Conn, tok *hono.Token) {
	if tok == nil {
		return
	}
	go func() {
		t := time.NewTimer(time.Until(tok.Expires.Add(hono.TokenLeeway)))
		defer t.Stop()
		select {
		case <-conn.Done():
		case <-t.C:
			_ = conn.CloseWithError(&amqp.Error{Condition: amqp.ErrUnauthorizedAccess, Description: "access token expired"})
		}
	}()
}
