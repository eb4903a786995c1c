package masthead

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// APIKeyKind says which API a key opens.
type APIKeyKind string

// Kinds of API keys. A content key reads the Content API; an admin token
// calls the Admin API with the powers of its role.
const (
	APIKeyContent APIKeyKind = "content"
	APIKeyAdmin   APIKeyKind = "admin"
)

// Valid reports whether k is a known kind.
func (k APIKeyKind) Valid() bool { return k == APIKeyContent || k == APIKeyAdmin }

// ScopeFullText lets a content key read whole article bodies; without it
// a key reads what the access decision gives an anonymous reader.
const ScopeFullText = "full-text"

// APIScopes lists the scopes a content key may carry.
var APIScopes = []string{ScopeFullText, ScopeLicence}

// APIKey is a key of the Content API or a token of the Admin API. The
// secret itself is shown once, when it is made; the store keeps its hash
// (HashToken) and Hint, its first characters, so staff can tell keys
// apart.
type APIKey struct {
	ID   int64
	Kind APIKeyKind
	Name string
	Hint string
	// Role bounds what an admin token may do (editor or admin); empty
	// for content keys.
	Role Role
	// Scopes are a content key's extra rights (ScopeFullText).
	Scopes []string
	// CreatedBy is the staff member who made the key; the Admin API acts
	// in their name in members' histories. Zero once they are gone.
	CreatedBy      int64
	CreatedByEmail string
	// CreatorRole is the current staff role of the member who made the
	// key: RoleNone once they left the staff or deleted their account.
	CreatorRole Role
	CreatedAt   time.Time
	// RevokedAt is zero for a key in use.
	RevokedAt time.Time
	// Licence holds the terms of a licence key (ScopeLicence); zero for
	// any other key.
	Licence Licence
}

// IsLicence reports whether the key is a licence for AI crawlers.
func (k *APIKey) IsLicence() bool { return k.Kind == APIKeyContent && k.HasScope(ScopeLicence) }

// HasScope reports whether the key carries scope.
func (k *APIKey) HasScope(scope string) bool { return slices.Contains(k.Scopes, scope) }

// ActingRole is the role an admin token acts with now: its own, or its
// maker's current role when that is lower, so a token never does more
// than the staff member who made it may do today. It is RoleNone when
// the maker is unknown, left the staff or is gone.
func (k *APIKey) ActingRole() Role {
	if k.CreatedBy == 0 || !k.CreatorRole.Staff() {
		return RoleNone
	}
	if k.CreatorRole.Rank() < k.Role.Rank() {
		return k.CreatorRole
	}
	return k.Role
}

// Revoked reports whether the key was revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// APIKeyInput is what an administrator submits to make a key.
type APIKeyInput struct {
	Kind      APIKeyKind
	Name      string
	Role      Role
	Scopes    []string
	CreatedBy int64
	// Licence is a licence key's terms (ScopeLicence).
	Licence Licence
}

// APIKeyPrefix starts every secret of kind k, so a leaked secret names
// what it opens and secret scanners can recognise it.
func APIKeyPrefix(k APIKeyKind) string {
	if k == APIKeyAdmin {
		return "mha_"
	}
	return "mhc_"
}

// NewAPIKeySecret returns a fresh secret for a key of kind k, its hash
// for storage and its hint for display.
func NewAPIKeySecret(k APIKeyKind) (secret string, hash []byte, hint string) {
	tok, _ := NewToken()
	secret = APIKeyPrefix(k) + tok
	return secret, HashToken(secret), secret[:len(APIKeyPrefix(k))+6]
}

// Normalize trims the name and drops what does not apply to the kind: a
// content key has no role, an admin token no scopes.
func (in *APIKeyInput) Normalize() {
	in.Name = strings.TrimSpace(in.Name)
	switch in.Kind {
	case APIKeyContent:
		in.Role = RoleNone
	case APIKeyAdmin:
		in.Scopes = nil
	}
	in.Licence.Contact = strings.TrimSpace(in.Licence.Contact)
	if !slices.Contains(in.Scopes, ScopeLicence) {
		in.Licence = Licence{}
	}
}

// Validate checks the input after Normalize.
func (in *APIKeyInput) Validate() error {
	v := Invalid{}
	if !in.Kind.Valid() {
		v.Add("kind", "Choose a content key or an admin token.")
	}
	if in.Name == "" {
		v.Add("name", "Name the key after who or what will use it.")
	} else if utf8.RuneCountInString(in.Name) > 100 {
		v.Add("name", "The name must be at most 100 characters.")
	}
	if in.Kind == APIKeyAdmin && in.Role != RoleEditor && in.Role != RoleAdmin {
		v.Add("role", "An admin token acts as an editor or an admin.")
	}
	for _, s := range in.Scopes {
		if !slices.Contains(APIScopes, s) {
			v.Add("scopes", "Unknown scope “"+s+"”.")
		}
	}
	if slices.Contains(in.Scopes, ScopeLicence) {
		validateLicence(v, &in.Licence)
	}
	return v.Err()
}

// APIKeyService keeps API keys and tokens.
type APIKeyService interface {
	// CreateAPIKey stores a key under the hash of its secret.
	CreateAPIKey(ctx context.Context, in APIKeyInput, hash []byte, hint string) (*APIKey, error)
	// APIKeys lists every key, revoked ones too, newest first.
	APIKeys(ctx context.Context) ([]APIKey, error)
	// APIKeyByHash finds the key in use with that hash; an unknown or
	// revoked key is EUNAUTHORIZED.
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	// RevokeAPIKey stops a key for good; an unknown key is ENOTFOUND.
	RevokeAPIKey(ctx context.Context, id int64) error
}
