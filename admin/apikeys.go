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
	// Families are the AI crawlers a licence may be bound to; Licences
	// whether the billing log can be exported.
	Families []option
	Licences bool
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
	Kind     string // content, licence or admin
	Name     string
	Role     string
	FullText bool
	Licence  licenceForm
}

func (h *Handler) apiKeysPage(r *http.Request, me *masthead.Member, form apiKeyForm) (*apiKeysView, error) {
	keys, err := h.deps.APIKeys.APIKeys(r.Context())
	if err != nil {
		return nil, fmt.Errorf("admin: api keys: %w", err)
	}
	v := &apiKeysView{page: h.page(r, me, "API keys"), Form: form, BaseURL: h.cfg.BaseURL, Licences: h.deps.Licences != nil}
	v.Section = "api-keys"
	v.Families = []option{{Value: "", Label: "any user agent", Selected: form.Licence.Family == ""}}
	for _, c := range masthead.AICrawlers {
		if c.Match != "" {
			v.Families = append(v.Families, option{Value: c.Family, Label: c.Agent + " (" + c.Operator + ")", Selected: form.Licence.Family == c.Family})
		}
	}
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
		case k.IsLicence():
			row.Rights = h.licenceRights(&k)
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
	pf := r.PostForm
	form := apiKeyForm{Kind: pf.Get("kind"), Name: pf.Get("name"), Role: pf.Get("role"),
		FullText: pf.Get("full_text") == "1",
		Licence: licenceForm{Contact: pf.Get("contact"), Terms: pf.Get("terms"), PerMinute: pf.Get("per_minute"),
			PerHour: pf.Get("per_hour"), Expires: pf.Get("expires"), Family: pf.Get("family")}}
	in := masthead.APIKeyInput{Kind: masthead.APIKeyKind(form.Kind), Name: form.Name, Role: masthead.Role(form.Role), CreatedBy: me.ID}
	bad := masthead.Invalid{}
	switch {
	case form.Kind == "licence":
		// A licence is a content key with the licence scope.
		in.Kind = masthead.APIKeyContent
		h.licenceInput(form.Licence, &in, bad)
	case form.FullText:
		in.Scopes = []string{masthead.ScopeFullText}
	}
	in.Normalize()
	status := http.StatusOK
	var secret string
	for k, msg := range masthead.ErrorFields(in.Validate()) {
		bad.Add(k, msg)
	}
	err := bad.Err()
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
