package hono

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

// readJSON decodes a registry data file. what names the file's kind in
// errors ("credentials", "tenants"...).
func readJSON(path, what string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	// Numbers stay as written, so that saving the file back (saveToFile)
	// does not round them through float64.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	return nil
}

// boolField reads an optional JSON boolean with a default, as Vert.x's
// JsonObject.getBoolean(key, default) does.
func boolField(m map[string]any, key string, def bool) (bool, error) {
	v, ok := m[key]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%q is %v, want true or false", key, v)
	}
	return b, nil
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// CacheNoCache and CacheMaxAge spell the cache_control property of a
// registry response exactly as Hono's CacheDirective.toString does.
const CacheNoCache = "no-cache"

// CacheMaxAge is the "max-age = N" directive (with Hono's spaces).
func CacheMaxAge(d time.Duration) string {
	return "max-age = " + strconv.FormatInt(int64(d/time.Second), 10)
}
