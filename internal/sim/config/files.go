package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// locationPath turns one SPRING_CONFIG_LOCATION entry into a file path. A
// folder (ending in /) means its application.yml, as Spring Boot reads it.
func locationPath(loc string) (string, error) {
	p, err := ResourcePath(loc)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(p, "/") {
		p += "application.yml"
	}
	return p, nil
}

// ResourcePath turns a Spring resource string (a path or a file: URL, as in
// hono.auth.svc.permissionsPath) into a file path. classpath: resources are
// inside Hono's jars, which hono-sim does not have.
func ResourcePath(res string) (string, error) {
	switch {
	case strings.HasPrefix(res, "classpath:"):
		return "", fmt.Errorf("%s: classpath resources are inside Hono's jars; give a file instead", res)
	case strings.HasPrefix(res, "file:"):
		u, err := url.Parse(res)
		if err != nil {
			return "", fmt.Errorf("%s: %w", res, err)
		}
		if u.Path == "" { // file:relative/path
			return u.Opaque, nil
		}
		return u.Path, nil
	}
	return res, nil
}

// readFile reads a YAML or properties configuration file into settings.
func readFile(path string) ([]setting, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read configuration: %w", err)
	}
	if filepath.Ext(path) == ".properties" {
		props, err := parseProperties(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		var out []setting
		for _, kv := range props {
			out = append(out, setting{key: kv[0], origin: path, values: []string{kv[1]}})
		}
		return out, nil, nil
	}

	var out []setting
	var warnings []string
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 0; ; doc++ {
		var tree any
		err := dec.Decode(&tree)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc > 0 {
			// TODO: Spring selects documents by spring.profiles; hono-sim
			// has no profiles, and Hono's own files have one document.
			warnings = append(warnings, fmt.Sprintf(
				"%s: YAML document %d ignored: hono-sim reads the first document only", path, doc+1))
			continue
		}
		if err := flatten("", tree, path, &out); err != nil {
			return nil, nil, err
		}
	}
	return out, warnings, nil
}

// flatten walks a YAML tree into dotted keys. A sequence of scalars is one
// list value; a sequence of maps gets Spring's [i] indexes.
func flatten(prefix string, node any, origin string, out *[]setting) error {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if err := flatten(join(k), v, origin, out); err != nil {
				return err
			}
		}
	case []any:
		var values []string
		for i, v := range n {
			switch v.(type) {
			case map[string]any, []any:
				if err := flatten(fmt.Sprintf("%s[%d]", prefix, i), v, origin, out); err != nil {
					return err
				}
			default:
				values = append(values, scalar(v))
			}
		}
		if len(values) > 0 || len(n) == 0 {
			*out = append(*out, setting{key: prefix, origin: origin, values: values})
		}
	default:
		if prefix == "" {
			return fmt.Errorf("%s: want a YAML mapping at the top", origin)
		}
		*out = append(*out, setting{key: prefix, origin: origin, values: []string{scalar(n)}})
	}
	return nil
}

func scalar(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// ReadCredentials reads a Hono credentials file (credentialsPath): a Java
// properties file with username and password.
func ReadCredentials(path string) (username, password string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("read credentials: %w", err)
	}
	props, err := parseProperties(data)
	if err != nil {
		return "", "", fmt.Errorf("credentials %s: %w", path, err)
	}
	for _, kv := range props {
		switch kv[0] {
		case "username":
			username = kv[1]
		case "password":
			password = kv[1]
		}
	}
	if username == "" || password == "" {
		return "", "", fmt.Errorf("credentials %s: want both username and password", path)
	}
	return username, password, nil
}

// Credentials returns the client's SASL PLAIN user and password: the ones
// set directly, else those of CredentialsPath. ok is false when the client
// has neither (it then uses its certificate and SASL EXTERNAL).
func (c *ClientConfig) Credentials() (username, password string, ok bool, err error) {
	if c.Username != "" || c.Password != "" {
		return c.Username, c.Password, true, nil
	}
	if c.CredentialsPath == "" {
		return "", "", false, nil
	}
	u, p, err := ReadCredentials(c.CredentialsPath)
	return u, p, err == nil, err
}

// parseProperties reads the subset of java.util.Properties that Hono's
// files use: key=value or key: value lines, # and ! comments, backslash
// line continuations and the \t \n \uXXXX escapes.
func parseProperties(data []byte) ([][2]string, error) {
	var out [][2]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	var logical strings.Builder
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if logical.Len() == 0 && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		if trailing := len(line) - len(strings.TrimRight(line, `\`)); trailing%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		kv, err := propertyLine(logical.String())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, kv)
		logical.Reset()
	}
	return out, sc.Err()
}

func propertyLine(line string) ([2]string, error) {
	i := strings.IndexAny(line, "=: \t")
	if i < 0 {
		return [2]string{unescape(line), ""}, nil
	}
	key := line[:i]
	rest := strings.TrimLeft(line[i:], " \t")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t")
	}
	return [2]string{unescape(key), unescape(rest)}, nil
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'u':
			if i+5 <= len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
