package admin

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"masthead"
	"masthead/http/web"
)

// Handlers of the staff area are web.HandlerFuncs: they report failure by
// returning an error, and handle turns the error into a page, so no
// handler writes an error response itself.

// staffHandler is a web.HandlerFunc for a signed-in member of staff.
type staffHandler func(w http.ResponseWriter, r *http.Request, me *masthead.Member) error

// handle is the one adapter from web.HandlerFunc to http.Handler: it renders
// the error page for a returned error and logs internal errors, once.
func (h *Handler) handle(fn web.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		// The status and the words come from the table the reader site
		// and the APIs use (package web).
		status := web.Status(err)
		if status >= 500 {
			// The reader site's middleware has already put the request's
			// id on the response; logging it ties this line to its own.
			h.deps.Logger.ErrorContext(r.Context(), "admin: request failed",
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("request_id", w.Header().Get("X-Request-Id")), slog.Any("err", err))
		}
		v := &errorView{Status: status, StatusText: http.StatusText(status), Message: web.Message(err)}
		v.page = h.page(r, nil, v.StatusText)
		if rerr := h.render(w, status, "error", v); rerr != nil {
			h.deps.Logger.ErrorContext(r.Context(), "admin: render error page", slog.Any("err", rerr))
			http.Error(w, v.StatusText, status)
		}
	})
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, view any) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("admin: render: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", view); err != nil {
		return fmt.Errorf("admin: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	// A failed write means the client went away; there is no one left
	// to show an error page to.
	_, _ = w.Write(buf.Bytes())
	return nil
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) error {
	return masthead.Errorf(masthead.ENOTFOUND, "There is no such page in the staff area.")
}

// formError keeps a body-too-large error for the adapter to turn into 413
// and makes any other parse failure a plain bad request.
func formError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	return &masthead.Error{Code: masthead.EINVALID, Message: "The form could not be read."}
}
