package scenario

import (
	"crypto"
	"crypto/rsa"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Target that names the whole stack, for breakages of what every client
// shares (trusted-certs.pem).
const targetStack = "stack"

// The error texts below are what the peers print: Java 8's JSSE and
// PKIX messages (Hono 0.7 runs on openjdk:8u171), OpenSSL's (curl,
// mosquitto_pub, openssl s_client, qdrouterd) and Go's (hono-sim).
var catalogue = []Scenario{
	{
		Name:    "expired-cert",
		Stage:   StageCerts,
		Default: "hono-adapter-http-vertx",
		Breaks:  "the server's certificate expired 30 days ago (same key, names and CA)",
		Sees: `Java clients: "javax.net.ssl.SSLHandshakeException: sun.security.validator.ValidatorException: ` +
			`PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed"; ` +
			`curl: "SSL certificate problem: certificate has expired"; the server itself starts and logs nothing`,
		Fix: "renew the certificate (honoctl certs renews expired ones from the same CA) and restart the service",
		Cause: "the server's certificate has expired. Hono never checks its own certificate at start-up, so the " +
			"service runs happily and every client refuses it; renew it and restart the service",
		apply: func(e *env) error {
			return e.reissue(leaf{edit: dated(-395*day, -30*day, e.now)}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " expired on " + e.now.Add(-30*day).UTC().Format("2006-01-02")
			})
		},
	},
	{
		Name:    "not-yet-valid",
		Stage:   StageCerts,
		Default: "hono-adapter-http-vertx",
		Breaks:  "the server's certificate becomes valid only in 30 days (notBefore in the future)",
		Sees: `Java clients: "java.security.cert.CertificateNotYetValidException: NotBefore: ..."; ` +
			`curl: "SSL certificate problem: certificate is not yet valid"`,
		Fix: "issue it with a start date in the past and check the clock of the machine that issued it " +
			"(honoctl certs re-issues it)",
		Cause: "the certificate's notBefore lies in the future: the issuing machine's clock ran ahead, or it " +
			"was issued for a later date. Clients compare it with their own clock and refuse it",
		apply: func(e *env) error {
			return e.reissue(leaf{edit: dated(30*day, 395*day, e.now)}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " is valid from " + e.now.Add(30*day).UTC().Format("2006-01-02")
			})
		},
	},
	{
		Name:    "expiring-soon",
		Stage:   StageCerts,
		Default: "hono-adapter-http-vertx",
		Warning: true,
		Breaks:  "the server's certificate expires in 5 days (a warning, nothing fails yet)",
		Sees:    "nothing yet: every handshake works; in 5 days the clients print the expired-cert errors",
		Fix:     "renew it before it expires: honoctl certs renews certificates within 30 days of their expiry",
		Cause: "the certificate is still valid but expires within days; nothing fails yet, which is why nobody " +
			"noticed. Renew it now",
		apply: func(e *env) error {
			return e.reissue(leaf{edit: dated(-360*day, 5*day, e.now)}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " expires on " + e.now.Add(5*day).UTC().Format("2006-01-02")
			})
		},
	},
	{
		Name:    "san-missing-host",
		Stage:   StageCerts,
		Default: "hono-service-device-registry",
		Breaks:  "the server's certificate lacks, in its SAN, the host name its clients dial",
		Sees: `Java clients: "java.security.cert.CertificateException: No subject alternative DNS name matching ` +
			`hono-service-device-registry.hono found."; curl: "SSL: no alternative certificate subject name ` +
			`matches target host name"; Go: "x509: certificate is valid for ..., not ..."`,
		Fix: "re-issue the certificate with every name the clients dial in its SAN (honoctl certs does, from the " +
			"topology), or make the clients dial a name it covers",
		Cause: "the certificate does not name the host its clients dial. Hono's clients verify host names " +
			"(hostnameVerificationRequired is true by default) against the SAN only, never the CN",
		apply: func(e *env) error {
			return e.reissue(leaf{edit: e.withoutDialledNames}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " lacks the names its clients dial"
			})
		},
	},
	{
		Name:    "san-missing-ip",
		Stage:   StageCerts,
		Default: "hono-adapter-http-vertx",
		Breaks:  "the server's certificate has DNS names only: clients that dial its address (127.0.0.1) find no IP entry",
		Sees: `Java clients: "java.security.cert.CertificateException: No subject alternative names matching IP ` +
			`address 127.0.0.1 found"; curl https://127.0.0.1:8443: "SSL: no alternative certificate subject name ` +
			`matches target host name '127.0.0.1'"; mosquitto_pub -h 127.0.0.1: "Error: A TLS error occurred."`,
		Fix: "add the address to the SAN as an IP entry (a DNS entry \"127.0.0.1\" does not count; honoctl certs " +
			"adds it), or dial a host name the certificate covers",
		Cause: "clients that dial an IP address need an IP entry in the SAN; this certificate was made for host " +
			"names only, so clients using the names work and those using the address fail",
		apply: func(e *env) error {
			return e.reissue(leaf{edit: withoutIPs}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " has no IP address in its SAN"
			})
		},
	},
	{
		Name:    "untrusted-ca",
		Stage:   StageCerts,
		Default: "hono-adapter-mqtt-vertx",
		Breaks:  "the server's certificate comes from another CA, which the clients' trusted-certs.pem does not hold",
		Sees: `Java clients: "sun.security.validator.ValidatorException: PKIX path building failed: ` +
			`sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path ` +
			`to requested target"; mosquitto_pub: "OpenSSL Error: certificate verify failed"; curl: ` +
			`"SSL certificate problem: unable to get local issuer certificate"`,
		Fix: "issue the certificate from the stack's CA (honoctl certs), or add the other CA to every client's trust store",
		Cause: "the server presents a certificate from a CA its clients do not trust: typically one from another " +
			"environment's PKI, or from an earlier run of the demo CA",
		apply: func(e *env) error {
			return e.reissue(leaf{foreign: true}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " is issued by \"honoctl scenario: another CA\""
			})
		},
	},
	{
		Name:    "missing-intermediate",
		Stage:   StageCerts,
		Default: "hono-adapter-http-vertx",
		Breaks: "the server's certificate file lacks the intermediate CA after its own certificate, and the " +
			"clients' trusted-certs.pem holds only the root",
		Sees: `Java clients: "PKIX path building failed: ... unable to find valid certification path to requested ` +
			`target"; curl: "SSL certificate problem: unable to get local issuer certificate"; openssl s_client: ` +
			`"verify error:num=20:unable to get local issuer certificate"`,
		Fix: "append the intermediate (certs/ca-cert.pem) to the server's certificate file: a Hono server sends " +
			"exactly what that file holds (honoctl certs writes the leaf and the intermediate)",
		Cause: "the server sends only its own certificate and the clients trust only the root, so nobody can link " +
			"the two. Clients that happen to trust the intermediate work, which is why it hides",
		apply: func(e *env) error {
			root, err := e.root()
			if err != nil {
				return err
			}
			if err := e.trustOnly(certs.TrustedCerts+" holds only the root CA", root); err != nil {
				return err
			}
			return e.reissue(leaf{alone: true}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " holds only the leaf"
			})
		},
	},
	{
		Name:    "client-cert-missing",
		Stage:   StageRender,
		Default: topology.ChannelMessagingRouter.Key(),
		Breaks: "the client's settings lose keyPath and certPath where the server requires a client certificate " +
			"(the router's internal listener: mutual TLS and SASL EXTERNAL)",
		Sees: `the router: "SSL Failure: ... peer did not return a certificate"; Hono Messaging: ` +
			`"javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure" and it never gets ready`,
		Fix: "give the client its key and certificate: hono.downstream.keyPath and certPath (adapters that send " +
			"to the router: hono.messaging.keyPath and certPath)",
		Cause: "the client connects without a certificate to a listener that requires one (mutual TLS, SASL " +
			"EXTERNAL): its keyPath and certPath are missing from its settings",
		apply: applyClientCertMissing,
	},
	{
		Name:    "client-cert-foreign",
		Stage:   StageCerts,
		Default: "hono-service-messaging",
		Breaks: "the client's certificate, which it also serves with, comes from another CA that the server's " +
			"trust store (the router's certDb) does not hold",
		Sees: `the router: "SSL Failure: ... certificate verify failed"; Hono Messaging: ` +
			`"javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca"; the service's own clients: ` +
			`"PKIX path building failed"`,
		Fix: "issue the client's certificate from the CA the server trusts (honoctl certs), or add its CA to the " +
			"server's trust store (certDb, trustStorePath)",
		Cause: "the client presents a certificate from a CA the server does not trust, so a listener that requires " +
			"client certificates refuses it. In Hono's setup the same certificate serves the service's own port, " +
			"so its clients refuse it too",
		apply: func(e *env) error {
			return e.reissue(leaf{foreign: true}, func(s topology.Service) string {
				return "certs/" + s.CertFile() + " (its client and server certificate) is issued by another CA"
			})
		},
	},
	{
		Name:    "weak-key",
		Stage:   StageCerts,
		Default: "hono-adapter-http-vertx",
		Breaks:  "the server's key is RSA 1024, its certificate re-issued for it",
		Sees: `curl and mosquitto_pub (OpenSSL 3, security level 2): "SSL certificate problem: EE certificate key ` +
			`too weak" / "ee key too small"; Java 8u171 clients still connect (its disabledAlgorithms forbid only ` +
			`RSA keys under 1024 bits)`,
		Fix:   "use RSA 2048 or more (honoctl certs re-issues it; --key-type rsa3072 for more)",
		Cause: "the key is RSA 1024, under the 2048 bits NIST SP 800-131A and OpenSSL's default security level require: modern clients refuse it while old Java clients accept it",
		apply: func(e *env) error {
			return e.reissue(leaf{rsaBits: 1024}, func(s topology.Service) string {
				return "certs/" + s.KeyFile() + " is RSA 1024"
			})
		},
	},
	{
		Name:    "key-mismatch",
		Stage:   StageCerts,
		Default: "hono-adapter-http-vertx",
		Breaks:  "the server's key file holds a new key that its certificate does not certify",
		Sees: `Hono opens no TLS port: key material that does not load leaves it with its plaintext port only ` +
			`(or stopping with "no ports configured"); clients get "Connection refused"; hono-sim logs ` +
			`"tls: private key does not match public key"`,
		Fix: "put back the key that belongs to the certificate (openssl x509 -noout -pubkey -in CERT and openssl " +
			"pkey -pubout -in KEY must print the same), or re-issue both (honoctl certs)",
		Cause: "the key file does not belong to the certificate (a key re-generated without re-issuing the " +
			"certificate, or files of two runs mixed up), so the server cannot open its TLS port",
		apply: func(e *env) error { return e.mismatchKey() },
	},
	{
		Name:    "trust-store-missing",
		Stage:   StageRender,
		Default: "hono-adapter-mqtt-vertx",
		Breaks:  "the client's trustStorePath names a file that is not mounted (" + missingTrustStore + ")",
		Sees: `the Java service fails when it connects: "java.nio.file.NoSuchFileException: ` + missingTrustStore +
			`" (vert.x PemTrustOptions); hono-sim says the trust store cannot be read and stops`,
		Fix:   "point trustStorePath at the mounted file (/run/secrets/trusted-certs.pem), or mount the file it names",
		Cause: "a client's trustStorePath names a file that is not in the container: a typo, or a secret mounted under another name",
		apply: applyTrustStoreMissing,
	},
	{
		Name:    "trust-store-empty",
		Stage:   StageCerts,
		Default: targetStack,
		Breaks:  "trusted-certs.pem, the trust store of every client, holds no CA certificate",
		Sees: `Java clients: "java.security.InvalidAlgorithmParameterException: the trustAnchors parameter must be ` +
			`non-empty"; curl: "SSL certificate problem: unable to get local issuer certificate"`,
		Fix:   "put the CA certificates into the trust store: the intermediate and the root (honoctl certs writes them)",
		Cause: "the trust store holds no CA at all, so clients can verify no server: an export that wrote the wrong entries, or an empty file",
		apply: func(e *env) error {
			if err := e.trustOnly(certs.TrustedCerts + " holds no certificate"); err != nil {
				return err
			}
			for _, s := range e.top.Services {
				e.service(s.Name)
			}
			for _, l := range e.top.Links {
				if l.TLS {
					e.applied.Channels = append(e.applied.Channels, l.Channel)
				}
			}
			return nil
		},
	},
	{
		Name:    "tls-off-one-side",
		Stage:   StageRender,
		Default: topology.ChannelAdapterRegistry.Key(),
		Breaks:  "the server side of a channel runs without TLS on the port its clients dial with TLS",
		Sees: `Java clients: "javax.net.ssl.SSLException: Unrecognized SSL message, plaintext connection?"; ` +
			`Go: "tls: first record does not look like a TLS handshake"; the server logs a bad AMQP protocol header`,
		Fix: "turn TLS on or off on both sides together: keyPath and certPath in the server block and the " +
			"client's tlsEnabled and trustStorePath (honoctl render --tls-off CHANNEL does both)",
		Cause: "TLS is off on one side of the channel only: the server answers in plain text where its clients " +
			"expect a TLS handshake",
		apply: applyTLSOffServer,
	},
	{
		Name:    "tls-versions",
		Stage:   StageRender,
		Default: "hono-service-device-registry",
		Breaks:  "the server accepts TLS 1.3 only (secureProtocols: [TLSv1.3]); its Hono 0.7 clients speak TLS 1.2 only",
		Sees: `Java 8 clients: "javax.net.ssl.SSLHandshakeException: Received fatal alert: protocol_version"; ` +
			`hono-sim: "tls: client offered only unsupported versions: [303]"`,
		Fix: "let the versions overlap: secureProtocols [TLSv1.2] (or TLSv1.2 and TLSv1.3) on the server; " +
			"Hono 0.7's Java 8 clients cannot speak TLSv1.3",
		Cause: "server and clients share no TLS version: the server was limited to TLSv1.3 while Hono 0.7's Java " +
			"clients speak only TLSv1.2",
		apply: applyTLS13Only,
	},
	{
		Name:    "wrong-sasl-password",
		Stage:   StageRender,
		Default: "hono-adapter-http-vertx",
		Breaks:  "the client's SASL PLAIN password (its .credentials file) is not the one the Auth Server knows",
		Sees: `the adapter: "javax.security.sasl.AuthenticationException: Failed to authenticate" on every ` +
			`connection, TLS itself is fine; devices get 503 "temporarily unavailable"`,
		Fix: "make the password in config/<adapter>.credentials (or the client's password setting) match the " +
			"Auth Server's config/permissions.json",
		Cause: "TLS works but the SASL PLAIN login is refused: the client's password does not match the Auth " +
			"Server's permissions file",
		apply: applyWrongPassword,
	},
	{
		Name:    "token-cert-wrong",
		Stage:   StageRender,
		Default: "hono-service-messaging",
		Breaks: "the service validates the Auth Server's tokens with its own certificate " +
			"(hono.auth.validation.certPath) instead of auth-server-cert.pem",
		Sees: `"io.jsonwebtoken.SignatureException: JWT signature does not match locally computed signature. JWT ` +
			`validity cannot be asserted and should not be trusted."; the service's clients see their logins refused`,
		Fix: "set hono.auth.validation.certPath to the Auth Server's certificate (/run/secrets/auth-server-cert.pem), " +
			"whose key signs the tokens",
		Cause: "logins through this service fail although the passwords are right: it checks the Auth Server's " +
			"token signatures with the wrong certificate",
		apply: applyTokenCert,
	},
	{
		Name:     "native-tls-required",
		Stage:    StageRender,
		Default:  "hono-adapter-http-vertx",
		Upstream: true,
		Breaks:   "nativeTlsRequired: true on the server while extensions/ holds no netty-tcnative jar (upstream images only)",
		Sees: `"using OpenSSL [version: null] instead of JDK's default SSL engine", then the TLS port fails to ` +
			`bind (java.lang.UnsatisfiedLinkError or ClassNotFoundException for io.netty.internal.tcnative.SSL)`,
		Fix: "put netty-tcnative-boringssl-static 2.0.10.Final into extensions/ (scripts/fetch-tcnative.sh), or " +
			"drop nativeTlsRequired",
		Cause: "the server must use OpenSSL but finds no tcnative on its class path (/opt/hono/extensions), so " +
			"its TLS port does not come up",
		apply: applyNativeTLS,
	},
}

// newKeyLike makes a new key of the type of old.
func newKeyLike(old crypto.Signer) (crypto.Signer, error) {
	if k, ok := old.Public().(*rsa.PublicKey); ok {
		return certs.NewKey("", k.N.BitLen())
	}
	return certs.NewKey(certs.ECDSAP256, 0)
}
