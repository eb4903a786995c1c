package http

import (
	"bytes"
	"compress/gzip"
)

// compressPersonal gzips a response that is not cached (a personal page)
// for this one response, favouring speed over size. A gzip writer carries
// about a megabyte of tables, far more than the page it compresses, so
// writers are kept in a pool rather than built per response.
func (s *Server) compressPersonal(contentType string, body []byte) []byte {
	if len(body) < gzipMin || !compressible(contentType) {
		return nil
	}
	var b bytes.Buffer
	b.Grow(len(body) / 3)
	zw, _ := s.gzips.Get().(*gzip.Writer)
	if zw == nil {
		var err error
		if zw, err = gzip.NewWriterLevel(&b, gzip.BestSpeed); err != nil {
			return nil
		}
	} else {
		zw.Reset(&b)
	}
	defer s.gzips.Put(zw)
	if _, err := zw.Write(body); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil || b.Len() >= len(body) {
		return nil
	}
	return b.Bytes()
}
