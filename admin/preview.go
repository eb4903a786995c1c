package admin

import (
	"context"
	"fmt"
	"net/http"

	"masthead"
	"masthead/markdown"
)

// TeaserCutter gives the renderer that cuts teasers to the budget in
// force: the one in the site settings when staff set one, which any
// instance may have saved, else the one the stored teasers were cut to
// (store.DB.TeaserRenderer). When Deps.Articles is one, the preview
// marks the teaser's end where a save would cut it; otherwise it uses
// Deps.Renderer's budget.
type TeaserCutter interface {
	TeaserRenderer(ctx context.Context) (*markdown.Renderer, error)
}

// previewRenderer is the renderer of the editor's preview.
func (h *Handler) previewRenderer(ctx context.Context) (*markdown.Renderer, error) {
	if c, ok := h.deps.Articles.(TeaserCutter); ok {
		return c.TeaserRenderer(ctx)
	}
	return h.deps.Renderer, nil
}

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
	rd, err := h.previewRenderer(r.Context())
	if err != nil {
		return fmt.Errorf("admin: preview: %w", err)
	}
	out, err := rd.PreviewHTML(body)
	if err != nil {
		return fmt.Errorf("admin: preview: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(out))
	return nil
}
