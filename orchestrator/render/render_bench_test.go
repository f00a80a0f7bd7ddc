package render

import (
	"testing"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// BenchmarkRender renders the default stack, validation included.
func BenchmarkRender(b *testing.B) {
	top := topology.Default()
	for b.Loop() {
		if _, err := Render(top, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateOnly is the reference for BenchmarkRender: compose-go's
// loader on the same compose file, the part of a render nobody can skip.
func BenchmarkValidateOnly(b *testing.B) {
	st, err := Render(topology.Default(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := validate(st.Compose, "hono"); err != nil {
			b.Fatal(err)
		}
	}
}
