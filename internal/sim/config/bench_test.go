package config

import (
	"os"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

const benchFile = reference + "hono-adapter-http-vertx-config.yml"

// BenchmarkLoad reads and binds the rendered HTTP adapter configuration.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(topology.RoleHTTPAdapter, Sources{Location: benchFile}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkYAMLOnly is the reference: reading and decoding the same file
// into a generic tree, without binding.
func BenchmarkYAMLOnly(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		data, err := os.ReadFile(benchFile)
		if err != nil {
			b.Fatal(err)
		}
		var tree any
		if err := yaml.Unmarshal(data, &tree); err != nil {
			b.Fatal(err)
		}
	}
}
