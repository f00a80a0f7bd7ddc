package messaging

import (
	"os"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
)

// TestMain shares one demo PKI among the package's tests.
func TestMain(m *testing.M) { os.Exit(simtest.Main(m)) }
