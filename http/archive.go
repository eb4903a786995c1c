package http

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"masthead"
)

// The archive: /archive lists every month with articles, /archive/2024 a
// year and /archive/2024/05 a month, both paginated. Month boundaries are
// midnight in the publication's time zone, as its readers count them.

func (s *Server) handleArchive(w http.ResponseWriter, r *http.Request) error {
	months, err := s.articles.ArchiveMonths(r.Context(), s.clock.Now(), s.cfg.Location)
	if err != nil {
		return err
	}
	v := archivePage{base: s.newBase(r, "Archive", "Every article published by "+s.site().name+", by month.", "/archive")}
	for _, m := range months {
		n := len(v.Years)
		if n == 0 || v.Years[n-1].Year != m.Year {
			v.Years = append(v.Years, archiveYear{Year: m.Year})
			n++
		}
		v.Years[n-1].Count += m.Count
		v.Years[n-1].Months = append(v.Years[n-1].Months, monthLink{Year: m.Year, Month: m.Month, Count: m.Count})
		v.Total += m.Count
	}
	return s.render(w, "archive", v)
}

func (s *Server) handleArchiveYear(w http.ResponseWriter, r *http.Request) error {
	year, ok := parseYear(r.PathValue("year"))
	if !ok {
		return errNotFound
	}
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, s.cfg.Location)
	to := from.AddDate(1, 0, 0)
	path := "/archive/" + strconv.Itoa(year)
	v, err := s.archiveList(r, from, to, path, strconv.Itoa(year))
	if err != nil {
		return err
	}
	return s.render(w, "list", v)
}

func (s *Server) handleArchiveMonth(w http.ResponseWriter, r *http.Request) error {
	year, ok := parseYear(r.PathValue("year"))
	if !ok {
		return errNotFound
	}
	ms := r.PathValue("month")
	month, err := strconv.Atoi(ms)
	if err != nil || len(ms) != 2 || month < 1 || month > 12 {
		return errNotFound
	}
	from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, s.cfg.Location)
	to := from.AddDate(0, 1, 0)
	path := fmt.Sprintf("/archive/%04d/%02d", year, month)
	v, err := s.archiveList(r, from, to, path, from.Format("January 2006"))
	if err != nil {
		return err
	}
	for i := range v.Months {
		v.Months[i].Current = v.Months[i].Month == time.Month(month)
	}
	return s.render(w, "list", v)
}

// archiveList builds the page of a year or a month. A period without
// articles is a 404, so crawlers cannot wander through empty centuries.
func (s *Server) archiveList(r *http.Request, from, to time.Time, path, heading string) (listPage, error) {
	list, p, err := s.listLive(r.Context(), masthead.ArticleFilter{From: &from, To: &to}, pageParam(r), path)
	if err != nil {
		return listPage{}, err
	}
	if p.Total == 0 {
		return listPage{}, errNotFound
	}
	months, err := s.articles.ArchiveMonths(r.Context(), s.clock.Now(), s.cfg.Location)
	if err != nil {
		return listPage{}, err
	}
	v := listPage{
		base:   s.newBase(r, pageTitle("Archive: "+heading, p), "Articles published by "+s.site().name+" in "+heading+".", pageURL(path, p.Page)),
		Kicker: "Archive", Heading: heading, Articles: list, Pager: p,
	}
	// Month navigation within the year, oldest first as a calendar reads.
	for i := len(months) - 1; i >= 0; i-- {
		if m := months[i]; m.Year == from.Year() {
			v.Months = append(v.Months, monthLink{Year: m.Year, Month: m.Month, Count: m.Count})
		}
	}
	return v, nil
}

// parseYear accepts exactly four digits.
func parseYear(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(s)
	if err != nil || y < 1000 {
		return 0, false
	}
	return y, true
}
