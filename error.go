package masthead

import (
	"errors"
	"fmt"
)

// Error codes form a closed set; the HTTP layer maps each to one status
// (package http/web).
const (
	EINVALID         = "invalid"
	EUNAUTHORIZED    = "unauthorized"
	EFORBIDDEN       = "forbidden"
	ENOTFOUND        = "not_found"
	EGONE            = "gone"
	ECONFLICT        = "conflict"
	EPAYMENTREQUIRED = "payment_required"
	ETOOLARGE        = "too_large"
	EUNAVAILABLE     = "unavailable"
	EINTERNAL        = "internal"
)

// Error is the one domain error. Only Message reaches users; Fields names
// the form or JSON fields at fault so a form can show each message beside
// its input.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("masthead: %s: %s %v", e.Code, e.Message, e.Fields)
	}
	return fmt.Sprintf("masthead: %s: %s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors never
// leak their text.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the per-field messages of err, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Invalid collects per-field validation messages; Err returns nil when none
// were added.
type Invalid map[string]string

// Add records msg for field unless the field already has a message.
func (v Invalid) Add(field, msg string) {
	if _, ok := v[field]; !ok {
		v[field] = msg
	}
}

// Err turns the collected messages into an EINVALID *Error, or nil.
func (v Invalid) Err() error {
	if len(v) == 0 {
		return nil
	}
	msg := "please correct the highlighted fields"
	if len(v) == 1 {
		for _, m := range v {
			msg = m
		}
	}
	return &Error{Code: EINVALID, Message: msg, Fields: map[string]string(v)}
}
