package store

// PGHashText is the code's hashtextextended(s, 0), which the word pairs
// of phrases are made with on PostgreSQL (search_postgres_pairs.go).
func PGHashText(s string) int64 { return pgHashBytes([]byte(s)) }

// DocPairs is docPairs of a vector's text for a closed body: the pairs
// of the whole vector and of its positions of weights A, B and C.
func DocPairs(doc string) (pairs, openPairs string, err error) { return docPairs(doc, false) }
