package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// decode reads a JSON request body into dst strictly: one object, no
// unknown fields, the right types, within Config.MaxBodyBytes. Each
// failure is an EINVALID error whose Fields name the field at fault
// (dotted for nested ones, "body" for the body as a whole). An empty
// body is accepted when allowEmpty is set, for actions without
// parameters.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request, dst any, allowEmpty bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fieldError("body", "Send the request body as application/json.")
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if errors.Is(err, io.EOF) {
		if allowEmpty {
			return nil
		}
		return fieldError("body", "The request body is empty: send a JSON object.")
	}
	if err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return fieldError("body", "The request body holds more than one JSON value.")
	}
	return nil
}

// decodeError names what encoding/json refused.
func decodeError(err error) error {
	var (
		syntax    *json.SyntaxError
		typ       *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		invalidTo *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.As(err, &invalidTo):
		return fmt.Errorf("api: decode: %w", err)
	case errors.As(err, &syntax):
		return fieldError("body", fmt.Sprintf("The request body is not valid JSON (at byte %d).", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fieldError("body", "The request body ends before its JSON does.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fieldError("body", fmt.Sprintf("The request body must be a JSON object, not %s.", typ.Value))
		}
		return fieldError(field, fmt.Sprintf("%s must be %s, not %s.", field, jsonType(typ.Type.Kind().String()), typ.Value))
	}
	// encoding/json has no type for an unknown field; its message is
	// `json: unknown field "name"`.
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, uerr := strconv.Unquote(rest)
		if uerr != nil {
			name = rest
		}
		return fieldError(name, fmt.Sprintf("Unknown field %q.", name))
	}
	return fieldError("body", "The request body could not be read as JSON.")
}

// jsonType names a Go kind as JSON calls it.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "of another type"
}

// fieldError is an EINVALID error naming one field.
func fieldError(field, msg string) error {
	return &masthead.Error{Code: masthead.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}
