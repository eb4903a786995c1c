package store

// SetRelatedBulk sets how many articles must wait for related reading to
// compute their lists from the index in memory rather than one query an
// article, so that a test can take either path; the returned function
// restores it.
func SetRelatedBulk(n int) (restore func()) {
	old := relatedBulk
	relatedBulk = n
	return func() { relatedBulk = old }
}
