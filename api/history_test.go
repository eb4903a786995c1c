package api_test

import (
	"context"
	"fmt"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestAdminAPIHistory: a write through the Admin API is in the article's
// history, in the name of the staff member who made the token.
func TestAdminAPIHistory(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{now}}, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ed := f.keys["editor"]
		res := f.call("POST", "/api/admin/v1/articles", ed, map[string]any{"title": "Through the API", "body_markdown": "Words."})
		if res.status != 201 {
			t.Fatalf("create: %d %v", res.status, res.body)
		}
		id := int64(res.body["id"].(float64))
		if res := f.call("PATCH", fmt.Sprintf("/api/admin/v1/articles/%d", id), ed, map[string]any{"access": "subscribers"}); res.status != 200 {
			t.Fatalf("update: %d %v", res.status, res.body)
		}
		h, err := db.ArticleHistory(context.Background(), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 2 {
			t.Fatalf("history %+v, want creation and the change", h)
		}
		for _, c := range h {
			if c.ActorEmail != "admin@example.com" || c.Via != masthead.ChangeViaAPI {
				t.Errorf("entry %+v, want admin@example.com through the API", c)
			}
		}
		want := masthead.FieldChange{Field: masthead.FieldAccess, From: "metered", To: "subscribers"}
		if len(h[0].Fields) != 1 || h[0].Fields[0] != want {
			t.Errorf("the change %+v, want %+v", h[0].Fields, want)
		}
	})
}
