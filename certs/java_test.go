package certs

import (
	"strings"
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TestJavaLoadsTheKeysAsHono loads every Java service's key the way Hono
// 0.7 does (vert.x 3.5.3: the RSA key factory over the PKCS#8 PEM), then
// completes a JSSE TLS handshake with it, its chain and trusted-certs.pem,
// verifying "localhost". An ECDSA key fails that loader, which is why
// ServiceKeyType gives the Java services RSA.
func TestJavaLoadsTheKeysAsHono(t *testing.T) {
	t.Parallel() // peers and key generation; independent folders
	dir, _ := mustGenerate(t, Options{})
	java := []string{"testdata/PemLoad.java", dir}
	var names []string
	for _, s := range topology.Default().Services {
		if NeedsRSA(s) {
			names = append(names, s.CertName)
		}
	}
	out := mustRun(t, ".", "java", append(java, names...)...)
	for _, n := range names {
		if !strings.Contains(out, n+": ok TLSv1.2") {
			t.Errorf("%s: no handshake in Java:\n%s", n, out)
		}
	}

	router := topology.Default().ByRole(topology.RoleRouter)[0]
	out, err := runPeer(t, ".", "java", append(java, router.CertName)...)
	if err == nil || !strings.Contains(out, "InvalidKeySpecException") {
		t.Errorf("the router's ECDSA key loaded through the RSA key factory: %v\n%s", err, out)
	}
}
