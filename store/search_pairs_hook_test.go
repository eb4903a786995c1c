package store

// PGHashText is the code's hashtextextended(s, 0), which the word pairs
// of phrases are made with on PostgreSQL (search_postgres_pairs.go).
func PGHashText(s string) int64 { return pgHashBytes([]byte(s)) }
