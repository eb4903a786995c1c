package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 document of both APIs. It is written by
// hand; TestOpenAPIMatchesRoutes keeps it and the router in step, and
// the API tests check real responses against its schemas.
//
//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the OpenAPI document, for tools and tests.
func OpenAPI() []byte { return append([]byte(nil), openAPIDoc...) }

// openAPI serves the document. It is the same for everyone and changes
// only with the binary.
func (h *Handler) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, err := w.Write(openAPIDoc)
	return err
}
