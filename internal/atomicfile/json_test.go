package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJSONRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "record.json")
	var v map[string]int
	if found, err := ReadJSON(path, &v); found || err != nil || v != nil {
		t.Fatalf("no file: found %v, %v, v %v", found, err, v)
	}
	if err := WriteJSON(path, map[string]int{"a": 1}, 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "{\n  \"a\": 1\n}\n" {
		t.Errorf("written %q", data)
	}
	if found, err := ReadJSON(path, &v); !found || err != nil || v["a"] != 1 {
		t.Errorf("read back: found %v, %v, v %v", found, err, v)
	}
	if err := os.WriteFile(path, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJSON(path, &v); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("broken file: %v, want an error naming %s", err, path)
	}
}
