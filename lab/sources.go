package lab

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Source is the Debian archive debootstrap installs from: the first main
// suite of the machine's own apt sources. NOTE: nothing in the repository
// names a mirror; it comes from the machine at run time.
type Source struct {
	URI   string
	Suite string
	// File is where the entry was found, for messages.
	File string
}

// AptSourceFiles are the files apt reads its sources from, in apt's order.
func AptSourceFiles(root string) []string {
	files := []string{filepath.Join(root, "etc/apt/sources.list")}
	dir := filepath.Join(root, "etc/apt/sources.list.d")
	entries, _ := os.ReadDir(dir)
	var more []string
	for _, e := range entries {
		// apt ignores other endings, such as .disabled or .save.
		if n := e.Name(); strings.HasSuffix(n, ".list") || strings.HasSuffix(n, ".sources") {
			more = append(more, filepath.Join(dir, n))
		}
	}
	sort.Strings(more)
	return append(files, more...)
}

// FindSource is the first Debian main suite (not -updates, -security or
// -backports) among the apt sources under root ("/" for the machine's).
func FindSource(root string) (Source, error) {
	files := AptSourceFiles(root)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return Source{}, fmt.Errorf("read apt sources: %w", err)
		}
		var entries []Source
		if strings.HasSuffix(f, ".sources") {
			entries = parseDeb822(string(b))
		} else {
			entries = parseOneLine(string(b))
		}
		for _, s := range entries {
			if isMainSuite(s.Suite) {
				s.File = f
				return s, nil
			}
		}
	}
	return Source{}, fmt.Errorf("no Debian suite for debootstrap in %s: "+
		"add the Debian archive you use to apt's sources (apt-get update must work)", strings.Join(files, ", "))
}

// isMainSuite tells a release (bookworm, stable) from its companion suites.
func isMainSuite(suite string) bool {
	return suite != "" && !strings.Contains(suite, "-") && !strings.Contains(suite, "/")
}

// parseOneLine reads "deb [options] URI suite components" lines.
func parseOneLine(text string) []Source {
	var out []Source
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") {
			// Options may hold spaces: skip to the closing bracket.
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) >= 2 && debianURI(f[0]) {
			out = append(out, Source{URI: f[0], Suite: f[1]})
		}
	}
	return out
}

// parseDeb822 reads the stanzas of a .sources file (sources.list(5)).
func parseDeb822(text string) []Source {
	var out []Source
	for _, stanza := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		fields := map[string]string{}
		key := ""
		for _, line := range strings.Split(stanza, "\n") {
			if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
				continue
			}
			if (line[0] == ' ' || line[0] == '\t') && key != "" {
				fields[key] += " " + strings.TrimSpace(line)
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			key = strings.ToLower(strings.TrimSpace(k))
			fields[key] = strings.TrimSpace(v)
		}
		if !strings.Contains(" "+fields["types"]+" ", " deb ") || strings.EqualFold(fields["enabled"], "no") {
			continue
		}
		for _, uri := range strings.Fields(fields["uris"]) {
			if !debianURI(uri) {
				continue
			}
			for _, suite := range strings.Fields(fields["suites"]) {
				out = append(out, Source{URI: uri, Suite: suite})
			}
		}
	}
	return out
}

// debianURI keeps archives debootstrap can read; vendors' repositories
// (cloud SDKs, Node) have no Debian release in them but look alike, so
// only paths ending in /debian count.
func debianURI(uri string) bool {
	u := strings.TrimSuffix(uri, "/")
	return (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "file:/")) &&
		strings.HasSuffix(u, "/debian")
}
