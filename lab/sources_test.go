package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindSource(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  Source
	}{
		{
			name: "deb822 with companion suites first and a vendor's repository",
			files: map[string]string{
				"etc/apt/sources.list.d/a-vendor.sources": "Types: deb\nURIs: https://vendor.example/apt\n" +
					"Suites: stable\nComponents: main\n",
				"etc/apt/sources.list.d/debian.sources": "Types: deb\n# a comment\nURIs: http://mirror.example/debian\n" +
					"Suites: bookworm-updates bookworm\nComponents: main\n\n" +
					"Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n",
			},
			want: Source{URI: "http://mirror.example/debian", Suite: "bookworm",
				File: "etc/apt/sources.list.d/debian.sources"},
		},
		{
			name: "one-line format with options, sources.list before the folder",
			files: map[string]string{
				"etc/apt/sources.list": "deb-src http://src.example/debian trixie main\n" +
					"deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian/ trixie main # note\n",
				"etc/apt/sources.list.d/debian.sources": "Types: deb\nURIs: http://two.example/debian\nSuites: bookworm\n",
			},
			want: Source{URI: "http://one.example/debian/", Suite: "trixie", File: "etc/apt/sources.list"},
		},
		{
			name: "disabled stanza and disabled file are skipped",
			files: map[string]string{
				"etc/apt/sources.list.d/a.sources":       "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: sid\n",
				"etc/apt/sources.list.d/b.list.disabled": "deb http://off.example/debian sid main\n",
				"etc/apt/sources.list.d/c.list":          "deb http://on.example/debian bookworm main\n",
			},
			want: Source{URI: "http://on.example/debian", Suite: "bookworm", File: "etc/apt/sources.list.d/c.list"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for p, text := range tt.files {
				writeFile(t, filepath.Join(root, p), text)
			}
			got, err := FindSource(root)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.File = filepath.Join(root, tt.want.File)
			if got != tt.want {
				t.Errorf("FindSource = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFindSourceNone(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "etc/apt/sources.list.d/x.sources"),
		"Types: deb\nURIs: https://deb.nodesource.example/node_20.x\nSuites: nodistro\n")
	_, err := FindSource(root)
	if err == nil || !strings.Contains(err.Error(), "no Debian suite for debootstrap") ||
		!strings.Contains(err.Error(), "x.sources") {
		t.Fatalf("FindSource = %v, want an error naming the files read", err)
	}
}
