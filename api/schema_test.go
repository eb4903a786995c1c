package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A checker for the part of JSON Schema (2020-12, as OpenAPI 3.1 uses
// it) that openapi.json uses: $ref to components, allOf, oneOf, type
// (one or a list, "null" for nullable), properties, required,
// additionalProperties (false or a schema), items and enum. Keywords
// outside that set are refused, so the document cannot drift into
// keywords this checker would silently ignore. Annotations (description,
// format, minimum, maximum) are accepted and not checked.

type schemaDoc struct {
	root map[string]any
}

var known = map[string]bool{
	"$ref": true, "allOf": true, "oneOf": true, "type": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "enum": true,
	"description": true, "format": true, "minimum": true, "maximum": true,
}

// resolve follows a local $ref.
func (d *schemaDoc) resolve(ref string) (map[string]any, error) {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("only local $ref supported: %s", ref)
	}
	var cur any = d.root
	for _, part := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("bad $ref %s", ref)
		}
		cur, ok = m[part]
		if !ok {
			return nil, fmt.Errorf("$ref %s: no %q", ref, part)
		}
	}
	s, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %s is not a schema", ref)
	}
	return s, nil
}

// validate checks v (decoded with encoding/json into any) against s and
// returns every problem found, each with its JSON path.
func (d *schemaDoc) validate(s map[string]any, v any, at string) []string {
	var errs []string
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			errs = append(errs, fmt.Sprintf("%s: schema keyword %q is not supported by the checker", at, k))
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		t, err := d.resolve(ref)
		if err != nil {
			return append(errs, at+": "+err.Error())
		}
		errs = append(errs, d.validate(t, v, at)...)
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, d.validate(sub.(map[string]any), v, at)...)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, sub := range one {
			if len(d.validate(sub.(map[string]any), v, at)) == 0 {
				n++
			}
		}
		if n != 1 {
			errs = append(errs, fmt.Sprintf("%s: matches %d of the oneOf schemas, want exactly 1", at, n))
		}
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, jsonTypeOf(v)) && !(jsonTypeOf(v) == "integer" && slices.Contains(types, "number")) {
			return append(errs, fmt.Sprintf("%s: %s, want %v", at, jsonTypeOf(v), types))
		}
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := obj[r.(string)]; !ok {
					errs = append(errs, fmt.Sprintf("%s: missing required %q", at, r))
				}
			}
		}
		names := make([]string, 0, len(obj))
		for k := range obj {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, d.validate(ps, obj[k], at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: property %q is not documented", at, k))
				}
			case map[string]any:
				errs = append(errs, d.validate(ap, obj[k], at+"."+k)...)
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for i, x := range arr {
				errs = append(errs, d.validate(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func jsonTypeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
