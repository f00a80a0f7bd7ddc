package hono

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenIssuer is the issuer claim of every Hono auth token.
const TokenIssuer = "Hono"

// Token is a validated auth token.
type Token struct {
	Principal
	Expires time.Time
}

// Expired reports whether the token's expiry, plus TokenLeeway, has come:
// the point where Hono closes a client's connection with
// amqp:unauthorized-access "access token expired".
func (t Token) Expired(now time.Time) bool {
	return !now.Before(t.Expires.Add(TokenLeeway))
}

// IssueToken makes the token the Auth Server sends on its cbs link
// (AuthTokenHelperImpl): iss "Hono", sub the authorization id, exp, and
// one claim per authority.
func (k *Key) IssueToken(p Principal, lifetime time.Duration, now time.Time) (string, error) {
	if p.Name == "" {
		return "", errors.New("issue token: empty authorization id")
	}
	claims := jwt.MapClaims{
		"iss": TokenIssuer,
		"sub": p.Name,
		"exp": now.Add(lifetime).Unix(),
	}
	for key, acts := range p.Authorities {
		claims[key] = acts
	}
	s, err := k.signClaims(claims)
	if err != nil {
		return "", fmt.Errorf("issue token: %w", err)
	}
	return s, nil
}

// ValidateToken checks a token's signature and expiry (with TokenLeeway)
// and returns the principal it names, as Hono Messaging and the Device
// Registry do with the token fetched from the Auth Server.
func (k *Key) ValidateToken(token string, now time.Time) (Token, error) {
	claims, err := k.parse(token, now, TokenLeeway)
	if err != nil {
		return Token{}, fmt.Errorf("validate token: %w", err)
	}
	sub, _ := claims["sub"].(string)
	if sub == "" {
		return Token{}, errors.New("validate token: no sub claim")
	}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return Token{}, fmt.Errorf("validate token: %w", err)
	}
	return Token{
		Principal: Principal{Name: sub, Authorities: AuthoritiesFromClaims(claims)},
		Expires:   exp.Time,
	}, nil
}
