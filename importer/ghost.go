package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"masthead"
)

// Ghost's JSON export (Settings → Labs → Export) is one object, either
// {"db": [{"meta": …, "data": {…}}]} or, from old versions, {"meta": …,
// "data": {…}}, where data holds one array per database table. Only the
// tables below are read; the rest (sessions, api keys, settings Masthead
// has no use for) are skipped without being decoded.

type ghostPost struct {
	ID            ghostID   `json:"id"`
	Title         string    `json:"title"`
	Slug          string    `json:"slug"`
	HTML          string    `json:"html"`
	Lexical       string    `json:"lexical"`
	Mobiledoc     string    `json:"mobiledoc"`
	Plaintext     string    `json:"plaintext"`
	FeatureImage  string    `json:"feature_image"`
	Type          string    `json:"type"`
	Page          ghostBool `json:"page"` // before Ghost 4: true for pages
	Status        string    `json:"status"`
	Visibility    string    `json:"visibility"`
	AuthorID      ghostID   `json:"author_id"`
	CreatedAt     ghostTime `json:"created_at"`
	UpdatedAt     ghostTime `json:"updated_at"`
	PublishedAt   ghostTime `json:"published_at"`
	CustomExcerpt string    `json:"custom_excerpt"`
	MetaDesc      string    `json:"meta_description"`
}

type ghostMeta struct {
	PostID       ghostID `json:"post_id"`
	MetaDesc     string  `json:"meta_description"`
	ImageAlt     string  `json:"feature_image_alt"`
	ImageCaption string  `json:"feature_image_caption"`
}

type ghostUser struct {
	ID     ghostID `json:"id"`
	Name   string  `json:"name"`
	Slug   string  `json:"slug"`
	Email  string  `json:"email"`
	Bio    string  `json:"bio"`
	Status string  `json:"status"`
}

type ghostTag struct {
	ID         ghostID `json:"id"`
	Name       string  `json:"name"`
	Slug       string  `json:"slug"`
	Visibility string  `json:"visibility"`
}

type ghostLink struct {
	PostID    ghostID   `json:"post_id"`
	AuthorID  ghostID   `json:"author_id"`
	TagID     ghostID   `json:"tag_id"`
	RoleID    ghostID   `json:"role_id"`
	UserID    ghostID   `json:"user_id"`
	SortOrder ghostNum  `json:"sort_order"`
	MemberID  ghostID   `json:"member_id"`
	NewsID    ghostID   `json:"newsletter_id"`
	CreatedAt ghostTime `json:"created_at"`
}

type ghostRole struct {
	ID   ghostID `json:"id"`
	Name string  `json:"name"`
}

type ghostMember struct {
	ID          ghostID   `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Subscribed  *bool     `json:"subscribed"`
	CreatedAt   ghostTime `json:"created_at"`
	UpdatedAt   ghostTime `json:"updated_at"`
	Newsletters []struct {
		ID   ghostID `json:"id"`
		Name string  `json:"name"`
		Slug string  `json:"slug"`
	} `json:"newsletters"`
}

type ghostNewsletter struct {
	ID   ghostID `json:"id"`
	Name string  `json:"name"`
	Slug string  `json:"slug"`
}

type ghostSetting struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// ghostID is an id written as a string ("5951f5fc…", "1") or a number.
type ghostID string

// UnmarshalJSON accepts a string, a number or null.
func (g *ghostID) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*g = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*g = ghostID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return errors.New("want an id (text or number)")
		}
		*g = ghostID(n.String())
	}
	return nil
}

// ghostNum is a number that some exports write as text.
type ghostNum float64

// UnmarshalJSON accepts a number, numeric text or null.
func (g *ghostNum) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("want a number, not %s", b)
	}
	*g = ghostNum(f)
	return nil
}

// ghostBool is true, false, 1, 0 or null.
type ghostBool bool

// UnmarshalJSON accepts booleans, 0/1 and null.
func (g *ghostBool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(b), `"`) {
	case "true", "1":
		*g = true
	case "false", "0", "null", "":
		*g = false
	default:
		return fmt.Errorf("want true or false, not %s", b)
	}
	return nil
}

// ghostTime is a time as Ghost versions wrote them: ISO 8601 text, MySQL
// "2006-01-02 15:04:05" text (UTC), or milliseconds since the epoch.
type ghostTime struct{ time.Time }

// UnmarshalJSON accepts the forms above and null.
func (g *ghostTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || ms < 0 || ms > 1<<50 {
			return fmt.Errorf("want a date, not %s", b)
		}
		g.Time = time.UnixMilli(ms).UTC()
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	for _, l := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(l, s); err == nil {
			g.Time = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("%q is not a date", s)
}

// ghostRow is one table row with where it starts in the file.
type ghostRow struct {
	off int64
	raw json.RawMessage
}

// ghostDoc is the export cut into tables.
type ghostDoc struct {
	name   string
	src    []byte
	prefix string // path of the data object: "db[0].data" or "data"
	tables map[string][]ghostRow
	errs   ExportErrors
}

// errAt records a problem at byte offset off, with the JSON path where.
func (d *ghostDoc) errAt(off int64, where, msg string) {
	line, col := lineCol(d.src, off)
	d.errs = append(d.errs, &ExportError{Path: d.name, Line: line, Column: col, Where: where, Message: msg})
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(src []byte, off int64) (int, int) {
	off = max(0, min(off, int64(len(src))))
	before := src[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// jsonFail turns a decoder error into an ExportError at its offset.
func (d *ghostDoc) jsonFail(dec *json.Decoder, where string, err error) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		d.errAt(se.Offset, where, "not valid JSON: "+se.Error())
	case errors.As(err, &te):
		d.errAt(te.Offset, where, fmt.Sprintf("want %s, not %s", te.Type, te.Value))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		d.errAt(int64(len(d.src)), where, "the file ends in the middle of the export; is it truncated?")
	default:
		d.errAt(dec.InputOffset(), where, err.Error())
	}
}

// wanted are the tables read.
var wantedTables = map[string]bool{
	"posts": true, "posts_meta": true, "users": true, "tags": true, "posts_tags": true,
	"posts_authors": true, "roles": true, "roles_users": true, "members": true,
	"newsletters": true, "members_newsletters": true, "settings": true,
}

// scan walks the export's structure with the streaming decoder, keeping
// each row's raw bytes and offset so problems inside a row can be placed.
func (d *ghostDoc) scan() {
	dec := json.NewDecoder(bytes.NewReader(d.src))
	dec.UseNumber()
	if !d.expectDelim(dec, '{', "the export") {
		return
	}
	found := false
	for dec.More() {
		key, ok := d.key(dec, "")
		if !ok {
			return
		}
		switch key {
		case "db":
			if !d.expectDelim(dec, '[', "db") {
				return
			}
			for i := 0; dec.More(); i++ {
				if i > 0 {
					if !d.skip(dec, fmt.Sprintf("db[%d]", i)) {
						return
					}
					continue
				}
				if !d.database(dec, "db[0]") {
					return
				}
				found = true
			}
			if !d.expectDelim(dec, ']', "db") {
				return
			}
		case "data":
			d.prefix = "data"
			if !d.data(dec, "data") {
				return
			}
			found = true
		default:
			if !d.skip(dec, key) {
				return
			}
		}
	}
	if !d.expectDelim(dec, '}', "the export") {
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		d.errAt(dec.InputOffset(), "", "unexpected content after the export's closing brace")
	}
	if !found {
		d.errAt(0, "", `no "db" or "data" in this JSON: is it a Ghost export (Settings → Labs → Export content)?`)
	}
}

func (d *ghostDoc) database(dec *json.Decoder, path string) bool {
	if !d.expectDelim(dec, '{', path) {
		return false
	}
	for dec.More() {
		key, ok := d.key(dec, path)
		if !ok {
			return false
		}
		if key == "data" {
			d.prefix = path + ".data"
			if !d.data(dec, d.prefix) {
				return false
			}
			continue
		}
		if !d.skip(dec, path+"."+key) {
			return false
		}
	}
	return d.expectDelim(dec, '}', path)
}

func (d *ghostDoc) data(dec *json.Decoder, path string) bool {
	if !d.expectDelim(dec, '{', path) {
		return false
	}
	for dec.More() {
		table, ok := d.key(dec, path)
		if !ok {
			return false
		}
		tpath := path + "." + table
		if !wantedTables[table] {
			if !d.skip(dec, tpath) {
				return false
			}
			continue
		}
		if !d.expectDelim(dec, '[', tpath) {
			return false
		}
		for dec.More() {
			off := d.valueStart(dec.InputOffset())
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				d.jsonFail(dec, fmt.Sprintf("%s[%d]", tpath, len(d.tables[table])), err)
				return false
			}
			d.tables[table] = append(d.tables[table], ghostRow{off: off, raw: raw})
		}
		if !d.expectDelim(dec, ']', tpath) {
			return false
		}
	}
	return d.expectDelim(dec, '}', path)
}

// valueStart moves past the separators between the decoder's offset and
// the next value.
func (d *ghostDoc) valueStart(off int64) int64 {
	for off < int64(len(d.src)) && strings.IndexByte(" \t\r\n,:", d.src[off]) >= 0 {
		off++
	}
	return off
}

func (d *ghostDoc) key(dec *json.Decoder, path string) (string, bool) {
	tok, err := dec.Token()
	if err != nil {
		d.jsonFail(dec, path, err)
		return "", false
	}
	k, ok := tok.(string)
	if !ok {
		d.errAt(dec.InputOffset(), path, fmt.Sprintf("want a key, not %v", tok))
		return "", false
	}
	return k, true
}

func (d *ghostDoc) expectDelim(dec *json.Decoder, want json.Delim, path string) bool {
	tok, err := dec.Token()
	if err != nil {
		d.jsonFail(dec, path, err)
		return false
	}
	if got, ok := tok.(json.Delim); !ok || got != want {
		what := map[json.Delim]string{'{': "an object", '[': "a list", '}': "the end of the object", ']': "the end of the list"}[want]
		d.errAt(dec.InputOffset(), path, fmt.Sprintf("want %s here, not %v", what, tok))
		return false
	}
	return true
}

func (d *ghostDoc) skip(dec *json.Decoder, path string) bool {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		d.jsonFail(dec, path, err)
		return false
	}
	return true
}

// rows decodes every row of table into out, recording each bad row.
func ghostRows[T any](d *ghostDoc, table string) []T {
	rows := d.tables[table]
	out := make([]T, 0, len(rows))
	for i, r := range rows {
		var v T
		if err := json.Unmarshal(r.raw, &v); err != nil {
			where := fmt.Sprintf("%s.%s[%d]", d.prefix, table, i)
			var te *json.UnmarshalTypeError
			var se *json.SyntaxError
			switch {
			case errors.As(err, &te):
				if te.Field != "" {
					where += "." + te.Field
				}
				d.errAt(r.off+te.Offset, where, fmt.Sprintf("want %s, not %s", jsonKind(te.Type.String()), te.Value))
			case errors.As(err, &se):
				d.errAt(r.off+se.Offset, where, se.Error())
			default:
				d.errAt(r.off, where, err.Error())
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

func jsonKind(goType string) string {
	switch {
	case goType == "string":
		return "text"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "importer.") || strings.HasPrefix(goType, "struct"):
		return "an object"
	}
	return goType
}

// ghostRoles maps Ghost's staff roles to Masthead's.
var ghostRoles = map[string]masthead.Role{
	"Owner": masthead.RoleAdmin, "Administrator": masthead.RoleAdmin,
	"Editor": masthead.RoleEditor, "Author": masthead.RoleAuthor, "Contributor": masthead.RoleAuthor,
	"Super Editor": masthead.RoleEditor,
}

// ghostAccess maps a post's visibility to an access level: public posts
// are free, members-only posts are metered (a registered reader spends a
// credit), paid and tier-restricted posts are for subscribers.
func ghostAccess(visibility string, public masthead.Access) masthead.Access {
	switch strings.TrimSpace(visibility) {
	case "public", "":
		return cmpOr(public, masthead.AccessFree)
	case "members":
		return masthead.AccessMetered
	}
	return masthead.AccessSubscribers // "paid", "tiers", or an NQL filter
}

// readGhost turns a Ghost export into a bundle.
func readGhost(name string, src []byte, opt ExportOptions) (*masthead.ImportBundle, ExportReport, error) {
	rep := ExportReport{Source: "Ghost", Warnings: Warnings{}}
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	d := &ghostDoc{name: name, src: src, prefix: "db[0].data", tables: map[string][]ghostRow{}}
	d.scan()
	if len(d.errs) > 0 {
		return nil, rep, d.errs
	}
	posts := ghostRows[ghostPost](d, "posts")
	metas := ghostRows[ghostMeta](d, "posts_meta")
	users := ghostRows[ghostUser](d, "users")
	tags := ghostRows[ghostTag](d, "tags")
	postTags := ghostRows[ghostLink](d, "posts_tags")
	postAuthors := ghostRows[ghostLink](d, "posts_authors")
	roles := ghostRows[ghostRole](d, "roles")
	roleUsers := ghostRows[ghostLink](d, "roles_users")
	members := ghostRows[ghostMember](d, "members")
	newsletters := ghostRows[ghostNewsletter](d, "newsletters")
	memberNews := ghostRows[ghostLink](d, "members_newsletters")
	settings := ghostRows[ghostSetting](d, "settings")
	if len(d.errs) > 0 {
		return nil, rep, d.errs
	}

	set := map[string]string{}
	for _, s := range settings {
		var v string
		if json.Unmarshal(s.Value, &v) == nil {
			set[s.Key] = v
		}
	}
	siteTitle := cmpOr(set["title"], "the old site")
	oldURL := strings.TrimRight(opt.OldURL, "/")
	m := mapping{opt.Map}
	now := opt.Clock.Now()
	b := &masthead.ImportBundle{Source: "Ghost"}

	// Authors: every user who wrote a post, and staff accounts for users
	// with an address and a staff role.
	userByID := map[ghostID]ghostUser{}
	authorSlugs := map[ghostID]string{}
	postSlugs, authorPool := opt.pools(&rep)
	for _, u := range users {
		userByID[u.ID] = u
		slug := authorPool.slugFor(cmpOr(strings.TrimSpace(u.Name), u.Slug), "author-"+string(u.ID), u.Slug, u.Name)
		authorSlugs[u.ID] = slug
		b.Authors = append(b.Authors, masthead.Author{Slug: slug, Name: cmpOr(strings.TrimSpace(u.Name), nameFromSlug(slug)), Bio: strings.TrimSpace(u.Bio)})
		if u.Slug != "" {
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/author/" + u.Slug, To: "/authors/" + slug})
		}
	}
	roleName := map[ghostID]string{}
	for _, r := range roles {
		roleName[r.ID] = r.Name
	}
	userRole := map[ghostID]masthead.Role{}
	for _, ru := range roleUsers {
		if r, ok := ghostRoles[roleName[ru.RoleID]]; ok && r.Rank() > userRole[ru.UserID].Rank() {
			userRole[ru.UserID] = r
		}
	}
	for _, u := range users {
		if u.Status == "inactive" || u.Status == "locked" {
			continue
		}
		email, err := masthead.NormalizeEmail(u.Email)
		if err != nil {
			rep.Warnings.add("staff user without a valid email address: byline kept, no account")
			continue
		}
		role := userRole[u.ID]
		if role == "" {
			role = masthead.RoleAuthor
		}
		b.Staff = append(b.Staff, masthead.ImportedStaff{Email: email, Name: u.Name, Role: role, AuthorSlug: authorSlugs[u.ID]})
	}

	tagByID := map[ghostID]ghostTag{}
	for _, t := range tags {
		tagByID[t.ID] = t
		// Internal tags (#hash) organise the old theme, not readers'
		// topics.
		if t.Visibility == "internal" || strings.HasPrefix(t.Name, "#") {
			continue
		}
		if p := termPath(m, t.Slug, false); p != "" && t.Slug != "" {
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/tag/" + t.Slug, To: p})
		}
	}
	tagsOf := map[ghostID][]ghostLink{}
	for _, pt := range postTags {
		tagsOf[pt.PostID] = append(tagsOf[pt.PostID], pt)
	}
	authorsOf := map[ghostID][]ghostLink{}
	for _, pa := range postAuthors {
		authorsOf[pa.PostID] = append(authorsOf[pa.PostID], pa)
	}
	metaOf := map[ghostID]ghostMeta{}
	for _, mt := range metas {
		metaOf[mt.PostID] = mt
	}

	// Links between posts are rewritten to the new addresses once every
	// slug is known, so a first pass fixes slugs.
	slugOf := make([]string, len(posts))
	oldPaths := map[string]string{} // LegacyPath → new slug
	for i, p := range posts {
		slugOf[i] = postSlugs.slugFor(titleText(p.Title), "post-"+strings.ToLower(string(p.ID)), p.Slug, p.Title)
		oldPaths["/"+strings.ToLower(p.Slug)] = slugOf[i]
	}
	conv := &HTMLConverter{Link: func(h string) string {
		return ghostHref(h, oldURL, oldPaths)
	}}

	var adds ExportErrors
	for i, p := range posts {
		where := fmt.Sprintf("%s.posts[%d]", d.prefix, i)
		add := func(w, msg string) {
			line, col := lineCol(src, d.tables["posts"][i].off)
			adds = append(adds, &ExportError{Path: name, Line: line, Column: col, Where: w + " (" + strconv.Quote(p.Slug) + ")", Message: msg})
		}
		page := p.Type == "page" || bool(p.Page)
		if page {
			rep.Pages++
		} else {
			rep.Posts++
		}
		in := masthead.ArticleInput{
			Slug:  slugOf[i],
			Title: titleText(p.Title),
			Dek:   plainText(cmpOr(p.CustomExcerpt, cmpOr(metaOf[p.ID].MetaDesc, p.MetaDesc))),
			Kind:  masthead.KindDaily,
		}
		body, w, err := ghostBody(p, conv)
		rep.Warnings.merge(w)
		if err != nil {
			add(where+".lexical", err.Error())
			continue
		}
		in.BodyMarkdown = body
		if in.Title == "" {
			in.Title = cmpOr(titleFrom(p.HTML), "Untitled")
			rep.Warnings.add("post without a title: titled from its first words")
		}
		switch p.Status {
		case "published":
			in.Status = masthead.StatusPublished
			in.PublishedAt = p.PublishedAt.Time
		case "scheduled":
			in.Status = masthead.StatusScheduled
			in.PublishedAt = p.PublishedAt.Time
		case "sent":
			// Sent by email only, never shown on the old site.
			in.Status = masthead.StatusDraft
			rep.Warnings.add("email-only post imported as a draft")
		default:
			in.Status = masthead.StatusDraft
		}
		if in.Status != masthead.StatusDraft && in.PublishedAt.IsZero() {
			in.PublishedAt = cmpTime(p.CreatedAt.Time, p.UpdatedAt.Time)
		}
		in.Access = ghostAccess(cmpOr(p.Visibility, set["default_content_visibility"]), opt.PublicAccess)
		if page {
			// Pages (about, contact, privacy) are never walled.
			in.Access = masthead.AccessFree
			in.Kind = masthead.KindBriefing
		}
		if img := ghostURL(p.FeatureImage, oldURL); img != "" {
			in.Image = masthead.Image{URL: img, Alt: metaOf[p.ID].ImageAlt, Caption: plainText(metaOf[p.ID].ImageCaption)}
		}

		ab := articleBuilder{in: &in, names: map[string]string{}, mapped: &mappedBits{}}
		links := authorsOf[p.ID]
		slices.SortStableFunc(links, func(a, b ghostLink) int { return int(a.SortOrder - b.SortOrder) })
		for _, l := range links {
			if s, ok := authorSlugs[l.AuthorID]; ok {
				in.AuthorSlugs = append(in.AuthorSlugs, s)
			}
		}
		if len(in.AuthorSlugs) == 0 && p.AuthorID != "" {
			if s, ok := authorSlugs[p.AuthorID]; ok {
				in.AuthorSlugs = append(in.AuthorSlugs, s)
			}
		}
		tl := tagsOf[p.ID]
		slices.SortStableFunc(tl, func(a, b ghostLink) int { return int(a.SortOrder - b.SortOrder) })
		for _, l := range tl {
			t, ok := tagByID[l.TagID]
			if !ok || t.Visibility == "internal" || strings.HasPrefix(t.Name, "#") {
				continue
			}
			slug := t.Slug
			if !masthead.ValidSlug(slug) {
				slug = masthead.Slugify(decodePercent(cmpOr(t.Slug, t.Name)))
			}
			ab.addTerm(m, slug, t.Name, false)
		}
		for _, a := range b.Authors {
			if slices.Contains(in.AuthorSlugs, a.Slug) {
				ab.names[a.Slug] = a.Name
			}
		}
		if len(ab.names) > 0 {
			in.Names = ab.names
		}
		finishArticle(&in, now, add, where)
		b.Articles = append(b.Articles, in)
		b.UpdatedAt = append(b.UpdatedAt, p.UpdatedAt.Time)
		// Ghost's default permalink is /{slug}/ for posts and pages.
		if p.Slug != "" {
			b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: "/" + p.Slug, ArticleSlug: in.Slug})
		}
		if tmpl := set["permalinks"]; !page && tmpl != "" && tmpl != "/{slug}/" {
			if from := ghostPermalink(tmpl, p, in); from != "" {
				b.Redirects = append(b.Redirects, masthead.LegacyRedirect{From: from, ArticleSlug: in.Slug})
			}
		}
	}

	// Readers and their newsletter consent.
	newsName := map[ghostID]string{}
	for _, n := range newsletters {
		newsName[n.ID] = cmpOr(n.Name, n.Slug)
	}
	subsOf := map[ghostID][]string{}
	for _, mn := range memberNews {
		subsOf[mn.MemberID] = append(subsOf[mn.MemberID], cmpOr(newsName[mn.NewsID], "a newsletter"))
	}
	for i, mem := range members {
		email, err := masthead.NormalizeEmail(mem.Email)
		if err != nil {
			line, col := lineCol(src, d.tables["members"][i].off)
			adds = append(adds, &ExportError{Path: name, Line: line, Column: col, Where: fmt.Sprintf("%s.members[%d].email", d.prefix, i),
				Message: fmt.Sprintf("%q is not a valid email address", mem.Email)})
			continue
		}
		im := masthead.ImportedMember{Email: email, Name: strings.TrimSpace(mem.Name), CreatedAt: mem.CreatedAt.Time}
		lists := subsOf[mem.ID]
		for _, n := range mem.Newsletters {
			lists = append(lists, cmpOr(n.Name, n.Slug))
		}
		subscribed := len(lists) > 0 || (mem.Subscribed != nil && *mem.Subscribed)
		if subscribed {
			// Ghost was mailing this address: it confirmed it on
			// sign-up, and the newsletter goes on reaching it.
			im.VerifiedAt = cmpTime(mem.CreatedAt.Time, now)
			what := "the newsletter"
			if len(lists) > 0 {
				what = strings.Join(lists, ", ")
			}
			im.Consents = append(im.Consents, masthead.NewsletterConsent{
				Newsletter: masthead.NewsletterFree,
				Consented:  true,
				Wording:    fmt.Sprintf("Subscribed to %s of %s on Ghost; consent carried over by the import of its export.", what, siteTitle),
				At:         cmpTime(mem.CreatedAt.Time, mem.UpdatedAt.Time),
			})
		}
		b.Members = append(b.Members, im)
	}
	if len(adds) > 0 {
		return nil, rep, adds
	}
	return b, rep, nil
}

// nameFromSlug names an author who has only a slug, as the store
// does for new taxonomy.
func nameFromSlug(slug string) string {
	words := strings.Split(slug, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

func cmpOr[S ~string](a, b S) S {
	if strings.TrimSpace(string(a)) != "" {
		return a
	}
	return b
}

func cmpTime(a, b time.Time) time.Time {
	if !a.IsZero() {
		return a
	}
	return b
}

// ghostURL resolves Ghost's __GHOST_URL__ placeholder against the old
// site's address, or to a site path when none is known, and makes
// protocol-relative addresses https.
func ghostURL(u, oldURL string) string {
	u = strings.TrimSpace(u)
	if rest, ok := strings.CutPrefix(u, "__GHOST_URL__"); ok {
		u = oldURL + rest
		if oldURL == "" && !strings.HasPrefix(u, "/") {
			u = "/" + u
		}
	}
	if strings.HasPrefix(u, "//") {
		u = "https:" + u
	}
	return u
}

// ghostHref rewrites a link in a post: links to another imported post
// go to its new address; the rest get ghostURL's treatment.
func ghostHref(h, oldURL string, oldPaths map[string]string) string {
	if rest, ok := strings.CutPrefix(h, "__GHOST_URL__"); ok {
		path, frag, _ := strings.Cut(rest, "#")
		if slug, ok := oldPaths[masthead.LegacyPath(path, "")]; ok {
			if frag != "" {
				return "/articles/" + slug + "#" + frag
			}
			return "/articles/" + slug
		}
	}
	if oldURL != "" && strings.HasPrefix(h, oldURL+"/") {
		if u, err := url.Parse(h); err == nil {
			if slug, ok := oldPaths[masthead.LegacyPath(u.Path, "")]; ok {
				return "/articles/" + slug
			}
		}
	}
	return ghostURL(h, oldURL)
}

// ghostPermalink expands a custom permalink setting for a post.
func ghostPermalink(tmpl string, p ghostPost, in masthead.ArticleInput) string {
	t := p.PublishedAt.Time
	if t.IsZero() {
		return ""
	}
	r := strings.NewReplacer("{year}", t.Format("2006"), "{month}", t.Format("01"), "{day}", t.Format("02"),
		"{slug}", p.Slug, "{id}", string(p.ID))
	out := r.Replace(tmpl)
	if strings.Contains(out, "{") {
		return "" // {primary_tag}, {primary_author}: not kept
	}
	return out
}

// ghostBody picks the body: the rendered html when the export has it,
// else the Lexical document converted, else the mobiledoc one.
func ghostBody(p ghostPost, conv *HTMLConverter) (string, Warnings, error) {
	h := p.HTML
	w := Warnings{}
	if strings.TrimSpace(h) == "" && strings.TrimSpace(p.Lexical) != "" {
		var err error
		h, err = lexicalHTML(p.Lexical, w)
		if err != nil {
			return "", w, err
		}
	}
	if strings.TrimSpace(h) == "" && strings.TrimSpace(p.Mobiledoc) != "" {
		var err error
		h, err = mobiledocHTML(p.Mobiledoc, w)
		if err != nil {
			return "", w, err
		}
	}
	if strings.TrimSpace(h) == "" && p.Plaintext != "" {
		h = "<p>" + strings.ReplaceAll(htmlEscape(p.Plaintext), "\n\n", "</p><p>") + "</p>"
	}
	md, cw := conv.Convert(h)
	w.merge(cw)
	return md, w, nil
}
