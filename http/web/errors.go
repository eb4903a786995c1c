// Package web is the kit the HTTP surfaces share: the reader site
// (package http), the staff area (admin) and the Content and Admin APIs
// (api). It holds the one table from the domain's error codes to HTTP
// statuses and decides what a reader, a member of staff or a client is
// told about an error, so every surface answers the same error alike.
//
// The domain (package masthead) keeps its codes and knows nothing of
// HTTP; each surface's adapter asks this package for the status and the
// words, and renders them in its own form (a page, JSON).
//
// A finished response is an Entry, written by Serve (the ETag and
// If-None-Match, gzip when the client takes it, Cache-Control); Cache
// keeps rendered responses, one render for concurrent misses.
// MoneyFormat writes amounts in the publication's locale, for every
// surface that shows a price or a revenue.
package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"masthead"
)

// statuses is the table from error codes to HTTP statuses. A code that is
// not here (and an error without a code) is 500.
var statuses = map[string]int{
	masthead.EINVALID:         http.StatusBadRequest,
	masthead.EUNAUTHORIZED:    http.StatusUnauthorized,
	masthead.EPAYMENTREQUIRED: http.StatusPaymentRequired,
	masthead.EFORBIDDEN:       http.StatusForbidden,
	masthead.ENOTFOUND:        http.StatusNotFound,
	masthead.ECONFLICT:        http.StatusConflict,
	masthead.EGONE:            http.StatusGone,
	masthead.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	masthead.EUNAVAILABLE:     http.StatusServiceUnavailable,
	masthead.EINTERNAL:        http.StatusInternalServerError,
}

// TooLargeMessage is what a user is told about a request body over its
// limit when nothing more precise was said (http.MaxBytesReader's error
// carries no message of ours).
const TooLargeMessage = "The request is larger than this site accepts."

// tooLarge reports whether err is a request body over its limit, as
// http.MaxBytesReader reports it.
func tooLarge(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}

// Status is the HTTP status of err: by the code of the first
// *masthead.Error in its chain, 413 for a body over its limit, 500 for an
// error without a code. Status(nil) is 200.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if tooLarge(err) {
		return http.StatusRequestEntityTooLarge
	}
	if s, ok := statuses[masthead.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Code is the error code a client is told: the code of err's
// *masthead.Error, ETOOLARGE for a body over its limit, EINTERNAL for
// anything else.
func Code(err error) string {
	if err != nil && tooLarge(err) {
		return masthead.ETOOLARGE
	}
	return masthead.ErrorCode(err)
}

// Message is what a user is told about err: the Message of its
// *masthead.Error, TooLargeMessage for a body over its limit, and
// "internal error" for an internal error, whose text never leaves the
// server.
func Message(err error) string {
	if err != nil && tooLarge(err) {
		return TooLargeMessage
	}
	return masthead.ErrorMessage(err)
}

// ErrorBody is the one JSON shape of an error answered to a client, on
// the site's JSON endpoints and the APIs alike:
// {"error":{"code":…,"message":…,"fields":{…}}}.
type ErrorBody struct {
	Error ErrorJSON `json:"error"`
}

// ErrorJSON is the content of an ErrorBody. Fields names the fields at
// fault in a request, each with its message, when the error says.
type ErrorJSON struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// Body is the JSON error answer to err. An internal error has neither
// words nor fields of its own.
func Body(err error) ErrorBody {
	b := ErrorBody{Error: ErrorJSON{Code: Code(err), Message: Message(err)}}
	if b.Error.Code != masthead.EINTERNAL {
		b.Error.Fields = masthead.ErrorFields(err)
	}
	return b
}

// CodeRateLimited is the code of the answer to a licensed read over one
// of its licence's rates, on the article page and the Content API alike.
const CodeRateLimited = "rate_limited"

// RateLimited answers a licensed read over one of its licence's rates
// (docs/licensing.md): 429, Retry-After in whole seconds (wait rounded
// up, so a crawler that waits as told finds the window open), never
// stored, and the JSON error with CodeRateLimited; nothing of the article.
func RateLimited(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	WriteNoStoreJSON(w, r, http.StatusTooManyRequests, ErrorBody{Error: ErrorJSON{Code: CodeRateLimited,
		Message: "This licence's rate is reached; try again after the time Retry-After gives, in seconds."}})
}

// WriteNoStoreJSON writes v as JSON with status, never to be stored; a
// HEAD request gets the headers alone. It returns the error of encoding
// v, when nothing is written yet.
func WriteNoStoreJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", NoStore)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(append(b, '\n'))
	}
	return nil
}
