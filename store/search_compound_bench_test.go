package store_test

import (
	"fmt"
	"testing"
	"time"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// BenchmarkSearchCompound searches a library of 300 articles, on each
// engine, with queries whose neighbouring words may join ("soy oil
// prices": two pairs, one the library uses), and with ones that cannot
// (a single word, a phrase); and, under join, asks only which joined
// forms the library uses: what the lookup adds to a search.
func BenchmarkSearchCompound(b *testing.B) {
	words := []string{"soy", "oil", "prices", "crop", "harvest", "trade", "market", "export", "grain", "weather"}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			db := storetest.Open(b, engine, store.Options{Clock: &fixedClock{t0}})
			ctx := b.Context()
			for i := range 300 {
				w := func(k int) string { return words[(i*k+k)%len(words)] }
				title := fmt.Sprintf("%s %s %s", w(1), w(3), w(7))
				body := fmt.Sprintf("%s %s rose. %s %s fell. %s traders waited.", w(2), w(5), w(3), w(1), w(9))
				if i%3 == 0 { // the joined form, as a word of the library's
					body += " Soyoil shipments grew. Crushers sold soyoil abroad."
				}
				a := doc(fmt.Sprintf("a-%d", i), title, "Markets.", body, t0.Add(-time.Duration(i)*time.Hour))
				a.Access = masthead.AccessFree
				if _, err := db.CreateArticle(ctx, a); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("join", func(b *testing.B) {
				for b.Loop() {
					q, err := store.JoinCompounds(ctx, db, "soy oil prices", false)
					if err != nil || len(q.Must[0]) != 2 {
						b.Fatalf("joined %v, %v; want soyoil beside soy", q.Must, err)
					}
				}
			})
			for _, text := range []string{"soy oil prices", "harvest", `"soy oil"`} {
				b.Run(text, func(b *testing.B) {
					for b.Loop() {
						if _, err := db.Search(ctx, masthead.SearchQuery{Text: text, Now: t0, Library: true}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
