package hono

import (
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Assertion makes the registration assertion the Device Registry returns
// for "assert" (RegistrationAssertionHelperImpl): sub the device, ten the
// tenant, exp; no iss.
func (k *Key) Assertion(tenant, device string, lifetime time.Duration, now time.Time) (string, error) {
	s, err := k.signClaims(jwt.MapClaims{
		"sub": device,
		"ten": tenant,
		"exp": now.Add(lifetime).Unix(),
	})
	if err != nil {
		return "", fmt.Errorf("registration assertion: %w", err)
	}
	return s, nil
}

// CheckAssertion validates a registration assertion for tenant and device,
// with AssertionSkew of clock skew, as Hono Messaging does with a message's
// reg_assertion before it forwards the message.
func (k *Key) CheckAssertion(token, tenant, device string, now time.Time) error {
	claims, err := k.parse(token, now, AssertionSkew, jwt.WithSubject(device))
	if err != nil {
		return fmt.Errorf("registration assertion: %w", err)
	}
	if ten, _ := claims["ten"].(string); ten != tenant {
		return fmt.Errorf("registration assertion: tenant %q, want %q", ten, tenant)
	}
	return nil
}
