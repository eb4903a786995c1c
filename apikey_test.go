package masthead_test

import (
	"testing"

	"masthead"
)

func TestAPIKeyActingRole(t *testing.T) {
	for _, c := range []struct {
		name         string
		token, maker masthead.Role
		createdBy    int64
		want         masthead.Role
	}{
		{"maker as high as the token", masthead.RoleAdmin, masthead.RoleAdmin, 1, masthead.RoleAdmin},
		{"maker higher than the token", masthead.RoleEditor, masthead.RoleAdmin, 1, masthead.RoleEditor},
		{"maker demoted to editor", masthead.RoleAdmin, masthead.RoleEditor, 1, masthead.RoleEditor},
		{"maker demoted to author", masthead.RoleAdmin, masthead.RoleAuthor, 1, masthead.RoleAuthor},
		{"maker no longer staff", masthead.RoleAdmin, masthead.RoleNone, 1, masthead.RoleNone},
		{"maker unknown", masthead.RoleEditor, masthead.RoleAdmin, 0, masthead.RoleNone},
		{"maker with a role no longer known", masthead.RoleEditor, "owner", 1, masthead.RoleNone},
	} {
		k := masthead.APIKey{Kind: masthead.APIKeyAdmin, Role: c.token, CreatorRole: c.maker, CreatedBy: c.createdBy}
		if got := k.ActingRole(); got != c.want {
			t.Errorf("%s: acting role %q, want %q", c.name, got, c.want)
		}
	}
}
