package web

import "net/http"

// HandlerFunc is the shape of every handler of every surface: it reports
// failure by returning an error and never writes an error response
// itself. Each surface has one adapter that turns the error into its own
// answer, with the status and the words of this package — the reader
// site's page, cache and JSON adapters (http/handler.go), the staff
// area's error page (admin/handle.go), the APIs' JSON (api/api.go).
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error
