package store

import (
	"context"

	"masthead/search"
)

// JoinCompounds is the query search matches for text, the joined forms
// the library uses added (search_compound.go), over the open index when
// open.
func JoinCompounds(ctx context.Context, db *DB, text string, open bool) (search.Query, error) {
	q := search.Parse(text)
	cs := compounds(q)
	if len(cs) == 0 {
		return q, nil
	}
	used, err := db.usedCompounds(ctx, cs, open)
	return withCompounds(q, cs, used), err
}
