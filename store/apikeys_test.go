package store_test

import (
	"context"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		staff, err := db.EnsureMember(ctx, "admin@example.com", masthead.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		secret, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyAdmin)
		k, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyAdmin, Name: " CMS ", Role: masthead.RoleEditor,
			Scopes: []string{masthead.ScopeFullText}, CreatedBy: staff.ID}, hash, hint)
		if err != nil {
			t.Fatal(err)
		}
		// An admin token carries no scopes; the name is trimmed.
		if k.Name != "CMS" || k.Role != masthead.RoleEditor || len(k.Scopes) != 0 || k.CreatedByEmail != "admin@example.com" || k.Hint != secret[:10] {
			t.Errorf("created %+v", k)
		}
		got, err := db.APIKeyByHash(ctx, masthead.HashToken(secret))
		if err != nil || got.ID != k.ID {
			t.Fatalf("by hash: %+v, %v", got, err)
		}
		if _, err := db.APIKeyByHash(ctx, masthead.HashToken(secret+"x")); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("unknown key: %v", err)
		}
		// The same secret twice is a conflict.
		if _, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "Again"}, hash, hint); masthead.ErrorCode(err) != masthead.ECONFLICT {
			t.Errorf("duplicate hash: %v", err)
		}
		for _, in := range []masthead.APIKeyInput{
			{Kind: "other", Name: "x"},
			{Kind: masthead.APIKeyContent},
			{Kind: masthead.APIKeyAdmin, Name: "x", Role: masthead.RoleAuthor},
			{Kind: masthead.APIKeyContent, Name: "x", Scopes: []string{"write"}},
		} {
			_, h, hi := masthead.NewAPIKeySecret(masthead.APIKeyContent)
			if _, err := db.CreateAPIKey(ctx, in, h, hi); masthead.ErrorCode(err) != masthead.EINVALID {
				t.Errorf("%+v: %v", in, err)
			}
		}
		c2, h2, hint2 := masthead.NewAPIKeySecret(masthead.APIKeyContent)
		k2, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "Site", Scopes: []string{masthead.ScopeFullText}}, h2, hint2)
		if err != nil || !k2.HasScope(masthead.ScopeFullText) || k2.CreatedBy != 0 {
			t.Fatalf("content key: %+v, %v", k2, err)
		}
		list, err := db.APIKeys(ctx)
		if err != nil || len(list) != 2 || list[0].ID != k2.ID {
			t.Fatalf("list: %+v, %v", list, err)
		}
		if err := db.RevokeAPIKey(ctx, k2.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeAPIKey(ctx, k2.ID); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		if _, err := db.APIKeyByHash(ctx, masthead.HashToken(c2)); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("revoked key: %v", err)
		}
		if err := db.RevokeAPIKey(ctx, 424242); masthead.ErrorCode(err) != masthead.ENOTFOUND {
			t.Errorf("unknown id: %v", err)
		}
		list, _ = db.APIKeys(ctx)
		if !list[0].Revoked() || list[1].Revoked() {
			t.Errorf("after revoke: %+v", list)
		}
	})
}
