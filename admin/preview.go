package admin

import (
	"fmt"
	"net/http"

	"masthead"
)

// preview renders Markdown for the live preview. The answer is a fragment
// of sanitised HTML, the same the article page would show.
func (h *Handler) preview(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	body := r.PostFormValue("body")
	if len(body) > masthead.MaxBodyBytes {
		return masthead.Errorf(masthead.ETOOLARGE, "The body is larger than 512 KB.")
	}
	// The preview marks where the teaser ends (markdown.PreviewHTML).
	out, err := h.deps.Renderer.PreviewHTML(body)
	if err != nil {
		return fmt.Errorf("admin: preview: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(out))
	return nil
}
