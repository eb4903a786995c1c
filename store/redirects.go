package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"masthead"
)

// LegacyRedirect returns the site path an old address (masthead.LegacyPath
// form) now lives at: the current path of the article it names while that
// article is live at now, or the stored target. One primary-key lookup.
func (db *DB) LegacyRedirect(ctx context.Context, from string, now time.Time) (string, error) {
	var (
		article sql.NullInt64
		slug    sql.NullString
		target  string
	)
	err := db.r.row(ctx, `SELECT r.article_id, a.slug, r.target FROM legacy_redirects r
		LEFT JOIN articles a ON a.id = r.article_id AND `+liveCond+` WHERE r.path = ?`, micros(now), from).Scan(&article, &slug, &target)
	if err != nil {
		return "", notFound(err, "redirect", from)
	}
	switch {
	case slug.Valid:
		return "/articles/" + slug.String, nil
	case article.Valid || target == "":
		// An article not live yet, or no longer: its new address is not
		// given away.
		return "", masthead.Errorf(masthead.ENOTFOUND, "redirect %q not found", from)
	}
	return target, nil
}

// LegacyRedirects lists every stored redirect, by old address.
func (db *DB) LegacyRedirects(ctx context.Context) ([]masthead.LegacyRedirect, error) {
	rows, err := db.r.query(ctx, `SELECT r.path, COALESCE(a.slug, ''), r.target FROM legacy_redirects r
		LEFT JOIN articles a ON a.id = r.article_id ORDER BY r.path`)
	if err != nil {
		return nil, fmt.Errorf("store: legacy redirects: %w", err)
	}
	defer rows.Close()
	var out []masthead.LegacyRedirect
	for rows.Next() {
		var r masthead.LegacyRedirect
		if err := rows.Scan(&r.From, &r.ArticleSlug, &r.To); err != nil {
			return nil, fmt.Errorf("store: legacy redirects: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ImportBundle writes a publication read from another platform in one
// transaction: bylines, articles, staff accounts linked to their bylines,
// readers with their newsletter consents, and redirects from the old
// addresses. Any article that fails validation or rendering fails the
// whole import before anything is written, and the error lists every such
// article; a database error rolls everything back. An import never
// overwrites what is there without being told: unless b.Update is set, an
// article or byline whose slug is taken is a conflict that stops the
// import (ReadExport gives such slugs new ones, so this happens only when
// one was taken meanwhile), and an imported staff member who already has
// an account never changes it (see importStaff). With b.Update, importing
// the same bundle again changes nothing but the articles' update times.
func (db *DB) ImportBundle(ctx context.Context, b *masthead.ImportBundle) (masthead.ImportSummary, error) {
	var sum masthead.ImportSummary
	now := db.clock.Now()

	// Render on every core before the writer is taken, as UpsertArticles
	// does.
	ps, err := db.prepareAll(ctx, b.Articles, now)
	if err != nil {
		return sum, err
	}
	bad := masthead.Invalid{}
	slugs := map[string]int{}
	for i, p := range ps {
		if p.err != nil {
			bad.Add(fmt.Sprintf("articles[%d]", i), fmt.Sprintf("%q: %s", p.in.Slug, describe(p.err)))
			continue
		}
		if j, dup := slugs[p.in.Slug]; dup {
			bad.Add(fmt.Sprintf("articles[%d]", i), fmt.Sprintf("slug %q is also used by articles[%d]", p.in.Slug, j))
			continue
		}
		slugs[p.in.Slug] = i
	}
	if err := bad.Err(); err != nil {
		return sum, err
	}
	for _, a := range b.Authors {
		if err := validTerm(a.Slug, a.Name); err != nil {
			return sum, fmt.Errorf("store: import author %q: %w", a.Slug, err)
		}
	}

	err = db.write(ctx, func(t *tx) error {
		onConflict := `DO NOTHING`
		if b.Update {
			onConflict = `DO UPDATE SET name = excluded.name, bio = excluded.bio`
		}
		for _, a := range b.Authors {
			res, err := t.exec(ctx, `INSERT INTO authors (slug, name, bio) VALUES (?, ?, ?)
				ON CONFLICT (slug) `+onConflict, a.Slug, a.Name, a.Bio)
			if err != nil {
				return fmt.Errorf("store: import author %q: %w", a.Slug, err)
			}
			if n, err := res.RowsAffected(); err == nil && n == 0 {
				return &masthead.Error{Code: masthead.ECONFLICT, Message: fmt.Sprintf(
					"the byline %q exists here already; nothing was imported (import again to give it a new slug, or with --update to update it)", a.Slug)}
			}
			sum.Authors++
		}
		ids := make(map[string]int64, len(ps))
		for i, p := range ps {
			if p.in.By.Via == "" {
				p.in.By.Via = masthead.ChangeViaImport
			}
			if !b.Update {
				if err := t.slugFree(ctx, p.in.Slug); masthead.ErrorCode(err) == masthead.ECONFLICT {
					return &masthead.Error{Code: masthead.ECONFLICT, Message: fmt.Sprintf(
						"an article with the slug %q exists here already; nothing was imported (import again to give it a new slug, or with --update to replace it)", p.in.Slug)}
				} else if err != nil {
					return err
				}
			}
			var id int64
			err := sql.ErrNoRows // a free slug: a new article
			if b.Update {
				err = t.row(ctx, `SELECT id FROM articles WHERE slug = ?`, p.in.Slug).Scan(&id)
			}
			switch {
			case errors.Is(err, sql.ErrNoRows):
				id, err = t.insertArticle(ctx, p, now)
				sum.Created++
			case err == nil:
				err = t.updateArticle(ctx, id, p, now)
				sum.Updated++
			}
			if err != nil {
				return fmt.Errorf("store: import article %q: %w", p.in.Slug, err)
			}
			if len(b.UpdatedAt) == len(ps) && !b.UpdatedAt[i].IsZero() && !b.UpdatedAt[i].After(now) {
				if _, err := t.exec(ctx, `UPDATE articles SET updated_at = ? WHERE id = ?`, micros(b.UpdatedAt[i]), id); err != nil {
					return fmt.Errorf("store: import article %q: %w", p.in.Slug, err)
				}
			}
			ids[p.in.Slug] = id
		}
		for _, s := range b.Staff {
			created, err := t.importStaff(ctx, s, now)
			if err != nil {
				return err
			}
			if created {
				sum.Staff++
			} else {
				sum.StaffKept = append(sum.StaffKept, s.Email)
			}
		}
		for _, m := range b.Members {
			created, n, err := t.importMember(ctx, m, now)
			if err != nil {
				return err
			}
			if !created {
				sum.MembersKept++
				continue
			}
			sum.Members++
			sum.Consents += n
		}
		for _, r := range b.Redirects {
			stored, err := t.putRedirect(ctx, r, ids, b.Update, now)
			if err != nil {
				return err
			}
			if stored {
				sum.Redirects++
			} else {
				sum.RedirectsKept++
			}
		}
		return t.bumpVersion(ctx)
	})
	if err != nil {
		return masthead.ImportSummary{}, err
	}
	return sum, nil
}

// describe is the message of a validation error with its fields, for a
// list of many articles' faults.
func describe(err error) string {
	fields := masthead.ErrorFields(err)
	if len(fields) == 0 {
		return masthead.ErrorMessage(err)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	msgs := make([]string, len(keys))
	for i, k := range keys {
		msgs[i] = k + ": " + fields[k]
	}
	return strings.Join(msgs, "; ")
}

// importStaff gives a writer of the old site a staff account with their
// old role, linked to their byline, and reports whether it did. Only a
// new address gets one: an account that exists, staff or reader, is left
// exactly as it is, so an export can neither raise anyone's role nor hand
// an existing account a byline (and with it the articles under it).
// Linking such an account is `masthead user add --byline`, by hand.
func (t *tx) importStaff(ctx context.Context, s masthead.ImportedStaff, now time.Time) (bool, error) {
	email, err := masthead.NormalizeEmail(s.Email)
	if err != nil {
		return false, fmt.Errorf("store: import staff %q: %w", s.Email, err)
	}
	// ensureMember finds an account by mailbox, so another spelling of an
	// existing reader's address is that reader, left alone too.
	m, created, err := t.ensureMember(ctx, email, now)
	if err != nil {
		return false, err
	}
	if !created {
		return false, nil
	}
	role := m.Role
	if s.Role.Valid() {
		role = s.Role
	}
	if _, err := t.exec(ctx, `UPDATE members SET role = ?, name = ?, author_slug = ? WHERE id = ?`,
		string(role), strings.TrimSpace(s.Name), s.AuthorSlug, m.ID); err != nil {
		return false, fmt.Errorf("store: import staff %q: %w", email, err)
	}
	return true, nil
}

// importMember gives a reader of the old site an account with the
// newsletter consents the export records, and reports whether it did and
// how many consents it recorded. An address that already has an account
// here is left as it is: its verification and its newsletter choices are
// the reader's, made here, and an export does not overwrite them (nor
// re-subscribe someone who unsubscribed).
func (t *tx) importMember(ctx context.Context, im masthead.ImportedMember, now time.Time) (bool, int, error) {
	email, err := masthead.NormalizeEmail(im.Email)
	if err != nil {
		return false, 0, fmt.Errorf("store: import member %q: %w", im.Email, err)
	}
	created := now
	if !im.CreatedAt.IsZero() && im.CreatedAt.Before(now) {
		created = im.CreatedAt
	}
	// One mailbox is one account: another spelling of an address that has
	// an account here is that account, left as it is.
	var others int
	if err := t.row(ctx, `SELECT COUNT(*) FROM members WHERE mailbox_key = ?`, masthead.MailboxKey(email)).Scan(&others); err != nil {
		return false, 0, fmt.Errorf("store: import member %q: %w", email, err)
	}
	if others > 0 {
		return false, 0, nil
	}
	res, err := t.exec(ctx, `INSERT INTO members (email, mailbox_key, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`,
		email, masthead.MailboxKey(email), strings.TrimSpace(im.Name), micros(created))
	if err != nil {
		return false, 0, fmt.Errorf("store: import member %q: %w", email, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		if err != nil {
			return false, 0, fmt.Errorf("store: import member %q: %w", email, err)
		}
		return false, 0, nil
	}
	var id int64
	if err := t.row(ctx, `SELECT id FROM members WHERE email = ?`, email).Scan(&id); err != nil {
		return false, 0, fmt.Errorf("store: import member %q: %w", email, err)
	}
	if !im.VerifiedAt.IsZero() {
		at := im.VerifiedAt
		if at.After(now) {
			at = now
		}
		if _, err := t.exec(ctx, `UPDATE members SET verified_at = ? WHERE id = ?`, micros(at), id); err != nil {
			return false, 0, fmt.Errorf("store: import member %q: %w", email, err)
		}
	}
	n := 0
	for _, c := range im.Consents {
		if !masthead.ValidSlug(c.Newsletter) || strings.TrimSpace(c.Wording) == "" {
			return false, n, masthead.Errorf(masthead.EINVALID, "member %s: a consent needs a newsletter slug and the wording the reader saw", email)
		}
		// A choice the same as the last one recorded adds no row.
		var current bool
		err := t.row(ctx, `SELECT consented FROM newsletter_consents WHERE member_id = ? AND newsletter = ?
			ORDER BY at DESC, id DESC LIMIT 1`, id, c.Newsletter).Scan(&current)
		if err == nil && current == c.Consented {
			continue
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, n, fmt.Errorf("store: import member %q: %w", email, err)
		}
		at := c.At
		if at.IsZero() {
			at = now
		}
		if _, err := t.exec(ctx, `INSERT INTO newsletter_consents (member_id, newsletter, consented, wording, at) VALUES (?, ?, ?, ?, ?)`,
			id, c.Newsletter, c.Consented, c.Wording, micros(at)); err != nil {
			return false, n, fmt.Errorf("store: import consent of %q: %w", email, err)
		}
		n++
	}
	return true, n, nil
}

// putRedirect stores one old address and reports whether it did: an
// address an earlier import stored keeps its target unless replace is
// set. An address that is already a page of this site is not shadowed,
// since the 404 path only asks for addresses nothing else serves.
func (t *tx) putRedirect(ctx context.Context, r masthead.LegacyRedirect, ids map[string]int64, replace bool, now time.Time) (bool, error) {
	from := masthead.LegacyPath(r.From, "")
	if from == "" || from == "/" {
		return false, masthead.Errorf(masthead.EINVALID, "redirect from %q: not an address of the old site", r.From)
	}
	var article sql.NullInt64
	if r.ArticleSlug != "" {
		id, ok := ids[r.ArticleSlug]
		if !ok {
			if err := t.row(ctx, `SELECT id FROM articles WHERE slug = ?`, r.ArticleSlug).Scan(&id); err != nil {
				return false, fmt.Errorf("store: redirect %q to article %q: %w", from, r.ArticleSlug, translate(err))
			}
		}
		article = sql.NullInt64{Int64: id, Valid: true}
	} else if !strings.HasPrefix(r.To, "/") || strings.HasPrefix(r.To, "//") {
		return false, masthead.Errorf(masthead.EINVALID, "redirect from %q: target %q must be a path of this site", from, r.To)
	}
	onConflict := `DO NOTHING`
	if replace {
		onConflict = `DO UPDATE SET article_id = excluded.article_id, target = excluded.target`
	}
	res, err := t.exec(ctx, `INSERT INTO legacy_redirects (path, article_id, target, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (path) `+onConflict, from, article, r.To, micros(now))
	if err != nil {
		return false, fmt.Errorf("store: redirect %q: %w", from, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: redirect %q: %w", from, err)
	}
	return n > 0, nil
}
