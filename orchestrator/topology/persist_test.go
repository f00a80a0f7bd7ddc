package topology

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	o := DefaultOptions()
	o.AdaptersToRouter, o.PortOffset = true, 7
	o.TLSOff = []Channel{ChannelRegistryAuth}
	o.Engines = map[string]Engine{"hono-service-auth": EngineOpenSSL}
	if err := o.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := New(o)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %+v, want %+v", got.Options, want.Options)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, ErrNotRendered) {
		t.Errorf("empty folder: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(`{"Flavor":"podman"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), `image flavor "podman"`) {
		t.Errorf("bad flavor: err = %v", err)
	}
}
