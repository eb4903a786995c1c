package media

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"masthead"
)

// cacheControl is what every stored file is served with: a key names its
// bytes for good, so browsers and CDNs keep it for a year without asking.
const cacheControl = "public, max-age=31536000, immutable"

// Handler serves stored files by key. Mount it under masthead.MediaPrefix
// with http.StripPrefix. A key the pipeline never writes is 404 without a
// look at the storage. A storage failure is logged to log and answered
// 500.
func Handler(s Storage, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/")
		if !ValidKey(key) {
			http.NotFound(w, r)
			return
		}
		o, err := s.Open(r.Context(), key)
		if err != nil {
			if masthead.ErrorCode(err) == masthead.ENOTFOUND {
				http.NotFound(w, r)
				return
			}
			log.ErrorContext(r.Context(), "media: open", slog.String("key", key), slog.Any("err", err))
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		defer o.Close()
		h := w.Header()
		h.Set("Content-Type", masthead.ImageContentType(key))
		h.Set("Cache-Control", cacheControl)
		h.Set("X-Content-Type-Options", "nosniff")
		// The key is the content: its name is as good an entity tag as
		// any hash of the bytes.
		h.Set("ETag", strconv.Quote(key))
		http.ServeContent(w, r, "", o.ModTime(), o)
	})
}
