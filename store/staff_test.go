package store_test

import (
	"context"
	"sync"
	"testing"

	"masthead"
	"masthead/store"
	"masthead/store/storetest"
)

// TestRemoveStaff: a role removed ends the member's sessions and revokes
// the Admin API tokens they made, in one write; the last administrator
// stays, even when two remove each other at once.
func TestRemoveStaff(t *testing.T) {
	storetest.EachWith(t, store.Options{Clock: &fixedClock{instNow}}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		root, _ := db.EnsureMember(ctx, "root@example.com", masthead.RoleAdmin)
		ed, _ := db.EnsureMember(ctx, "ed@example.com", masthead.RoleEditor)
		reader := mustMember(t, db, "reader@example.com")
		session := []byte("ed-session")
		if err := db.CreateSession(ctx, ed.ID, session, instNow.AddDate(0, 0, 1)); err != nil {
			t.Fatal(err)
		}
		token, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyAdmin)
		if _, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyAdmin, Name: "CMS", Role: masthead.RoleEditor, CreatedBy: ed.ID}, hash, hint); err != nil {
			t.Fatal(err)
		}
		content, chash, chint := masthead.NewAPIKeySecret(masthead.APIKeyContent)
		if _, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyContent, Name: "Site", CreatedBy: ed.ID}, chash, chint); err != nil {
			t.Fatal(err)
		}

		wantCode(t, func() error { _, err := db.RemoveStaff(ctx, reader.ID, root.ID); return err }(), masthead.EINVALID)
		wantCode(t, func() error { _, err := db.RemoveStaff(ctx, root.ID, root.ID); return err }(), masthead.ECONFLICT)

		out, err := db.RemoveStaff(ctx, ed.ID, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		if out.Member.Role != masthead.RoleEditor || out.Sessions != 1 || out.Tokens != 1 {
			t.Errorf("removal %+v", out)
		}
		if m, _ := db.Member(ctx, ed.ID); m.Role != masthead.RoleNone {
			t.Errorf("role after removal %q", m.Role)
		}
		if _, err := db.SessionMember(ctx, session); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("session after removal: %v", err)
		}
		if _, err := db.APIKeyByHash(ctx, masthead.HashToken(token)); masthead.ErrorCode(err) != masthead.EUNAUTHORIZED {
			t.Errorf("admin token after removal: %v", err)
		}
		// A content key reads public articles for a site; it stays.
		if _, err := db.APIKeyByHash(ctx, masthead.HashToken(content)); err != nil {
			t.Errorf("content key after removal: %v", err)
		}
		if ev, _ := db.MemberEvents(ctx, ed.ID, 1); len(ev) != 1 || ev[0].Kind != masthead.MemberEventStaffRemoved || ev[0].ActorID != root.ID {
			t.Errorf("history: %+v", ev)
		}

		// Two administrators removing each other at once: one stays.
		second, _ := db.EnsureMember(ctx, "second@example.com", masthead.RoleAdmin)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]int64{{root.ID, second.ID}, {second.ID, root.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = db.RemoveStaff(ctx, pair[1], pair[0])
			}()
		}
		wg.Wait()
		admins := 0
		for _, id := range []int64{root.ID, second.ID} {
			if m, _ := db.Member(ctx, id); m.Role == masthead.RoleAdmin {
				admins++
			}
		}
		if admins != 1 {
			t.Fatalf("%d administrators left after removing each other (%v)", admins, errs)
		}
	})
}

// TestAPIKeyCreatorRole: a key reads its maker's role as it is now, and
// an admin token acts with the lower of its own role and its maker's.
func TestAPIKeyCreatorRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boss, _ := db.EnsureMember(ctx, "boss@example.com", masthead.RoleAdmin)
		db.EnsureMember(ctx, "other@example.com", masthead.RoleAdmin)
		token, hash, hint := masthead.NewAPIKeySecret(masthead.APIKeyAdmin)
		if _, err := db.CreateAPIKey(ctx, masthead.APIKeyInput{Kind: masthead.APIKeyAdmin, Name: "Ops", Role: masthead.RoleAdmin, CreatedBy: boss.ID}, hash, hint); err != nil {
			t.Fatal(err)
		}
		acting := func() masthead.Role {
			t.Helper()
			k, err := db.APIKeyByHash(ctx, masthead.HashToken(token))
			if err != nil {
				t.Fatal(err)
			}
			return k.ActingRole()
		}
		if got := acting(); got != masthead.RoleAdmin {
			t.Fatalf("acting %q, want admin", got)
		}
		// Demoted (user add --role author replaces the role).
		for _, c := range []struct {
			role, want masthead.Role
		}{{masthead.RoleEditor, masthead.RoleEditor}, {masthead.RoleAuthor, masthead.RoleAuthor}} {
			if _, err := db.EnsureMember(ctx, "boss@example.com", c.role); err != nil {
				t.Fatal(err)
			}
			if got := acting(); got != c.want {
				t.Errorf("maker %s: token acts as %q, want %q", c.role, got, c.want)
			}
		}
		// Gone from the staff: the lookup itself still finds the key
		// (RemoveStaff revokes it; here the role is changed directly).
		if _, err := db.SQL().ExecContext(ctx, `UPDATE members SET role = '' WHERE email = 'boss@example.com'`); err != nil {
			t.Fatal(err)
		}
		if got := acting(); got != masthead.RoleNone {
			t.Errorf("maker without a role: token acts as %q", got)
		}
	})
}
