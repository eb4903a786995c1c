package store

// SetBulkMinArticles lowers the smallest load BulkLoad defers indexing
// for, so that a test can load a small library in bulk mode; the
// returned function restores it.
func SetBulkMinArticles(n int) (restore func()) {
	old := bulkMinArticles
	bulkMinArticles = n
	return func() { bulkMinArticles = old }
}
