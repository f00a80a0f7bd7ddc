package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseProperties: credentials files are input; any bytes give
// properties or an error, never a panic.
func FuzzParseProperties(f *testing.F) {
	f.Add([]byte("username=http-adapter@HONO\npassword=http-secret\n"))
	f.Add([]byte("a\\\n b: c\\u00e9\\"))
	f.Add([]byte("! c\n# d\nk v\\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseProperties(data) //nolint:errcheck // only panics matter here
	})
}

// FuzzLoadRouter: qdrouterd.json is input; any bytes give a
// configuration or an error.
func FuzzLoadRouter(f *testing.F) {
	seed, err := os.ReadFile(reference + "qdrouterd.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`[["listener", {"port": "amqps"}], ["vhost", {"groups": {"g": {}}}]]`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "qdrouterd.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		LoadRouter(p) //nolint:errcheck // only panics matter here
	})
}
