package check

import (
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenLeeway is the clock skew Hono allows on a token's expiry
// (DelegatingAuthenticationServiceConfig: two minutes).
const tokenLeeway = 2 * time.Minute

// verifyToken checks the Auth Server's token as the link's client does:
// RS256 with the public key of the first certificate its
// hono.auth.validation.certPath names, unexpired, issued by "Hono", with a
// subject.
func (p *AMQPProber) verifyToken(t AMQPTarget, token string) Finding {
	fd := Finding{Channel: t.Link.Channel, Link: t.Link.String(), Check: IDAuthToken}
	if t.TokenCert == nil {
		fd.Status, fd.Message = Skip, "the client validates tokens with a shared secret (HS256), which the probe does not read"
		return fd
	}
	key, ok := t.TokenCert.PublicKey.(*rsa.PublicKey)
	fd.Evidence = []Evidence{{"certificate", t.TokenCertFile}, {"subject", t.TokenCert.Subject.String()}}
	hint := fmt.Sprintf("the token must verify with %s (hono.auth.validation.certPath in %s): "+
		"it must hold the certificate of the key the Auth Server signs with (hono.auth.amqp.keyPath in %s)",
		t.TokenCertFile, t.Fix.ClientConfig, t.Fix.ServerConfig)
	if !ok {
		fd.Status, fd.Hint = Fail, hint
		fd.Message = fmt.Sprintf("the validation certificate has a %T key; Hono signs tokens RS256 and needs RSA",
			t.TokenCert.PublicKey)
		return fd
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(now), jwt.WithLeeway(tokenLeeway),
		jwt.WithExpirationRequired(), jwt.WithIssuer("Hono"))
	if err != nil {
		fd.Status, fd.Hint = Fail, hint
		fd.Message = "the token does not verify: " + err.Error()
		return fd
	}
	sub, _ := claims["sub"].(string)
	exp, _ := claims.GetExpirationTime()
	fd.Status = Pass
	fd.Message = "RS256 token for " + sub + " verifies"
	fd.Evidence = append(fd.Evidence, Evidence{"sub", sub})
	if exp != nil {
		fd.Evidence = append(fd.Evidence, Evidence{"expires", exp.UTC().Format(time.RFC3339)})
	}
	return fd
}
