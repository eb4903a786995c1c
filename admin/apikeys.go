package admin

import (
	"fmt"
	"net/http"
	"strconv"

	"masthead"
)

// The API keys page: administrators make Content API keys and Admin API
// tokens and revoke them. A secret is shown once, in the response to the
// form that made it, and never again: the store keeps only its hash.

type apiKeysView struct {
	page
	Keys []apiKeyRow
	// Secret is the key just made, shown once.
	Secret     string
	SecretName string
	Form       apiKeyForm
	Errors     map[string]string
	Message    string
	// BaseURL is where the APIs are, for the examples.
	BaseURL string
}

type apiKeyRow struct {
	ID        int64
	Kind      string
	Name      string
	Hint      string
	Rights    string
	CreatedBy string
	Created   string
	Revoked   string
}

type apiKeyForm struct {
	Kind     string
	Name     string
	Role     string
	FullText bool
}

func (h *Handler) apiKeysPage(r *http.Request, me *masthead.Member, form apiKeyForm) (*apiKeysView, error) {
	keys, err := h.deps.APIKeys.APIKeys(r.Context())
	if err != nil {
		return nil, fmt.Errorf("admin: api keys: %w", err)
	}
	v := &apiKeysView{page: h.page(r, me, "API keys"), Form: form, BaseURL: h.cfg.BaseURL}
	v.Section = "api-keys"
	for _, k := range keys {
		row := apiKeyRow{ID: k.ID, Kind: string(k.Kind), Name: k.Name, Hint: k.Hint, CreatedBy: k.CreatedByEmail,
			Created: h.formatTime(k.CreatedAt)}
		if row.CreatedBy == "" {
			row.CreatedBy = "unknown"
		}
		switch {
		case k.Kind == masthead.APIKeyAdmin:
			row.Rights = "Admin API as " + string(k.Role)
			// The token acts with its maker's current role (ActingRole).
			switch acting := k.ActingRole(); {
			case k.Revoked():
			case !acting.Staff():
				row.Rights += "; refused: its maker is no longer on the staff"
			case acting != k.Role:
				row.Rights += "; acts as " + string(acting) + ", its maker's role now"
			}
		case k.HasScope(masthead.ScopeFullText):
			row.Rights = "Content API, full text"
		default:
			row.Rights = "Content API, teasers"
		}
		if k.Revoked() {
			row.Revoked = h.formatTime(k.RevokedAt)
		}
		v.Keys = append(v.Keys, row)
	}
	return v, nil
}

func (h *Handler) apiKeyList(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.APIKeys == nil {
		return h.notFound(w, r)
	}
	v, err := h.apiKeysPage(r, me, apiKeyForm{Kind: string(masthead.APIKeyContent), Role: string(masthead.RoleEditor)})
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("msg") {
	case "revoked":
		v.Flash = "The key was revoked; requests with it are refused from now on."
	}
	return h.render(w, http.StatusOK, "apikeys", v)
}

// apiKeyCreate makes a key and shows its secret once. The response is
// the page itself rather than a redirect, so the secret never sits in a
// URL or in the browser's history.
func (h *Handler) apiKeyCreate(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.APIKeys == nil {
		return h.notFound(w, r)
	}
	if err := parseForm(w, r, 8<<10); err != nil {
		return err
	}
	form := apiKeyForm{Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"),
		FullText: r.PostFormValue("full_text") == "1"}
	in := masthead.APIKeyInput{Kind: masthead.APIKeyKind(form.Kind), Name: form.Name, Role: masthead.Role(form.Role), CreatedBy: me.ID}
	if form.FullText {
		in.Scopes = []string{masthead.ScopeFullText}
	}
	in.Normalize()
	status := http.StatusOK
	var secret string
	err := in.Validate()
	if err == nil {
		var hash []byte
		var hint string
		secret, hash, hint = masthead.NewAPIKeySecret(in.Kind)
		_, err = h.deps.APIKeys.CreateAPIKey(r.Context(), in, hash, hint)
	}
	if err != nil && masthead.ErrorCode(err) != masthead.EINVALID {
		return err
	}
	if err != nil {
		status, secret = http.StatusBadRequest, ""
	} else {
		form = apiKeyForm{Kind: form.Kind, Role: string(masthead.RoleEditor)}
	}
	v, verr := h.apiKeysPage(r, me, form)
	if verr != nil {
		return verr
	}
	if err != nil {
		v.Errors, v.Message = masthead.ErrorFields(err), masthead.ErrorMessage(err)
	} else {
		v.Secret, v.SecretName = secret, in.Name
	}
	return h.render(w, status, "apikeys", v)
}

func (h *Handler) apiKeyRevoke(w http.ResponseWriter, r *http.Request, me *masthead.Member) error {
	if h.deps.APIKeys == nil {
		return h.notFound(w, r)
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return masthead.Errorf(masthead.ENOTFOUND, "There is no such API key.")
	}
	if err := h.deps.APIKeys.RevokeAPIKey(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/api-keys?msg=revoked", http.StatusSeeOther)
	return nil
}
