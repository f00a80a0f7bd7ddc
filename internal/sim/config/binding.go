package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
)

// setting is one value as a source gave it, before it is bound to a field.
type setting struct {
	key    string   // as written: "hono.auth.amqp.keyPath", "HONO_AUTH_AMQP_KEY_PATH"
	origin string   // the file, "environment" or "command line"
	values []string // one for a scalar, several for a YAML sequence
}

// where names a setting in messages: the key and where it came from.
func (s setting) where() string { return fmt.Sprintf("%s (%s)", s.key, s.origin) }

// canonical reduces a property name to what Spring Boot's relaxed binding
// compares: letters and digits, lower case. So hono.auth.amqp.keyPath,
// HONO_AUTH_AMQP_KEY_PATH, HONO_AUTH_AMQP_KEYPATH and hono.auth.amqp.key-path
// are one property. A role's schema is checked for collisions by a test.
func canonical(key string) string {
	var b strings.Builder
	for _, r := range key {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// field is one bindable property of a schema.
type field struct {
	name  string        // full name, "hono.auth.amqp.keyPath"
	value reflect.Value // settable leaf
	inert string        // non-empty: accepted, but hono-sim cannot honour it; why
}

// schema maps canonical property names to fields.
type schema map[string]field

// section binds the fields of the struct that target points to under prefix.
type section struct {
	prefix string
	target any
}

// newSchema indexes the tagged fields of every section. Struct fields are
// tagged `hono:"name"`; `hono:"name,inert=why"` marks a property Hono has and
// hono-sim accepts without effect, so that setting it is reported.
func newSchema(sections ...section) (schema, error) {
	s := schema{}
	for _, sec := range sections {
		v := reflect.ValueOf(sec.target)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return nil, fmt.Errorf("section %s: target must point to a struct", sec.prefix)
		}
		if err := s.add(sec.prefix, v.Elem()); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s schema) add(prefix string, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		sf, fv := t.Field(i), v.Field(i)
		tag, ok := sf.Tag.Lookup("hono")
		if !ok {
			if sf.Anonymous && fv.Kind() == reflect.Struct {
				if err := s.add(prefix, fv); err != nil {
					return err
				}
			}
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		full := prefix + "." + name
		if fv.Kind() == reflect.Struct {
			if err := s.add(full, fv); err != nil {
				return err
			}
			continue
		}
		key := canonical(full)
		if prev, dup := s[key]; dup {
			return fmt.Errorf("properties %s and %s bind to the same name", prev.name, full)
		}
		s[key] = field{name: full, value: fv, inert: strings.TrimPrefix(opts, "inert=")}
	}
	return nil
}

// bind sets the field that st names. It reports whether the key is known.
func (s schema) bind(st setting) (field, bool, error) {
	f, ok := s[canonical(st.key)]
	if !ok {
		return field{}, false, nil
	}
	if err := setValue(f.value, st.values); err != nil {
		return f, true, fmt.Errorf("%s: %w", st.where(), err)
	}
	return f, true, nil
}

// setValue converts the raw values to the field's type, as Spring would:
// a list is a YAML sequence or a comma-separated string.
func setValue(v reflect.Value, raw []string) error {
	if v.Kind() == reflect.Slice {
		var list []string
		for _, r := range raw {
			for _, item := range strings.Split(r, ",") {
				if item = strings.TrimSpace(item); item != "" {
					list = append(list, item)
				}
			}
		}
		v.Set(reflect.ValueOf(list))
		return nil
	}
	if len(raw) != 1 {
		return fmt.Errorf("want one value, got a list of %d", len(raw))
	}
	s := strings.TrimSpace(raw[0])
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw[0])
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("want true or false, got %q", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", s)
		}
		v.SetInt(n)
	default:
		return fmt.Errorf("unsupported field kind %s", v.Kind())
	}
	return nil
}
