package store

import (
	"context"
	"fmt"
	"time"

	"masthead"
	"masthead/search"
)

// What a search that found nothing offers instead (docs/search.md, "When
// nothing is found"): the query with its misspelt words corrected, and
// the most read articles of a topic.

// CorrectQuery returns text with each word the vocabulary of titles and
// deks lacks replaced by its nearest word there, in normal form, and
// whether anything changed. It reads titles and deks only, as the
// correction of Search does, so it never tells of text past the wall.
func (db *DB) CorrectQuery(ctx context.Context, text string) (string, bool, error) {
	q := search.Parse(text)
	if q.Empty() {
		return "", false, nil
	}
	fixed, ok, err := db.correct(ctx, q)
	if err != nil || !ok {
		return "", false, err
	}
	return fixed.String(), true, nil
}

// MostRead returns up to n live articles most read since the given time,
// of the topic with slug topic when it is not empty, from the
// dashboard's counts (docs/insights.md); when too few were read, the
// newest of the topic make up the number.
func (db *DB) MostRead(ctx context.Context, topic string, since, now time.Time, n int) ([]*masthead.Article, error) {
	if n <= 0 {
		n = 5
	}
	from, to := dayRange(masthead.InsightRange{From: since, To: now.Add(24 * time.Hour)})
	cond, args := "", append(rangeArgs(from, to), micros(now))
	if topic != "" {
		cond = ` AND a.id IN (SELECT at.article_id FROM article_topics at JOIN topics tp ON tp.id = at.topic_id WHERE tp.slug = ?)`
		args = append(args, topic)
	}
	// Each article read in the range costs a row of insight_totals and
	// at most two seeks, not a row per day (insighttotals.go).
	rows, err := db.r.query(ctx, `WITH reads AS (SELECT t.article_id, `+rangeCount+` AS n FROM insight_totals t
			WHERE t.kind = 'article_view' AND `+inRange+`)
		SELECT `+articleCols+` FROM reads JOIN articles a ON a.id = reads.article_id LEFT JOIN columns c ON c.id = a.column_id
		WHERE reads.n > 0 AND `+liveCond+cond+` ORDER BY reads.n DESC, a.published_at DESC, a.id DESC LIMIT ?`, append(args, n)...)
	if err != nil {
		return nil, fmt.Errorf("store: most read articles: %w", err)
	}
	var out []*masthead.Article
	seen := map[int64]bool{}
	for rows.Next() {
		a, err := scanArticle(rows, false)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: most read articles: %w", err)
		}
		out, seen[a.ID] = append(out, a), true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: most read articles: %w", err)
	}
	if len(out) < n {
		f := masthead.ArticleFilter{Live: true, Now: now, Limit: n + len(out), Bare: true}
		if topic != "" {
			f.Topic = &topic
		}
		newest, _, err := db.Articles(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, a := range newest {
			if len(out) < n && !seen[a.ID] {
				out = append(out, a)
			}
		}
	}
	return out, nil
}
