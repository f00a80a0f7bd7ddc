package certs

// Status is the outcome of one lint check on one file. The values are those
// of check.Status, so reports can show both side by side.
type Status string

// Outcomes, from best to worst.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Lint check identifiers. They are stable: scripts and CI refer to them.
const (
	IDMissing     = "pki.missing"      // a file the stack needs is missing or unreadable
	IDChain       = "pki.chain"        // the certificate chains to trusted-certs.pem
	IDOrder       = "pki.order"        // a chain file holds the leaf first, then its issuers, complete
	IDKeyMatch    = "pki.key-match"    // the private key belongs to the certificate
	IDSAN         = "pki.san"          // every host name a client dials is in the SAN
	IDValidity    = "pki.validity"     // not expired, not yet valid, not expiring soon
	IDUsage       = "pki.usage"        // key usage and extended key usage fit the use
	IDKeyStrength = "pki.key-strength" // key size, curve and signature algorithm
	IDKeyType     = "pki.key-type"     // the key algorithm the consumer can load
	IDKeyMode     = "pki.key-mode"     // private keys readable by their owner only
	IDTrustStore  = "pki.trust-store"  // trust material holds CA certificates only
	IDKeyStore    = "pki.key-store"    // a PKCS#12 key store holds the service's key and certificate
)

// Finding is the result of one lint check on one file.
type Finding struct {
	Check   string `json:"check"`
	Status  Status `json:"status"`
	File    string `json:"file"`
	Message string `json:"message"`
	// Hint says what to change; set on every failure and warning.
	Hint string `json:"hint,omitempty"`
}

// Worst returns the worst status among findings.
func Worst(fs []Finding) Status {
	worst := Pass
	for _, f := range fs {
		switch f.Status {
		case Fail:
			return Fail
		case Warn:
			worst = Warn
		}
	}
	return worst
}
