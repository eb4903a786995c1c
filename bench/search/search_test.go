package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestNDCG(t *testing.T) {
	if got := ndcg([]float64{1, 1, 1}, 3, 10); math.Abs(got-1) > 1e-9 {
		t.Errorf("perfect ranking: %v", got)
	}
	if got := ndcg([]float64{0, 0, 0}, 3, 10); got != 0 {
		t.Errorf("no relevant result: %v", got)
	}
	// One relevant document at rank 2 of 1 relevant: 1/log2(3).
	if got, want := ndcg([]float64{0, 1}, 1, 10), 1/math.Log2(3); math.Abs(got-want) > 1e-9 {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := ndcg(nil, 0, 10); got != 0 {
		t.Errorf("no judgments: %v", got)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(i))
	}
	if p := percentile(d, 50); p != 100 {
		t.Errorf("p50 = %d", p)
	}
	if p := percentile(d, 99); p != 198 {
		t.Errorf("p99 = %d", p)
	}
}

func TestStoryMarkdown(t *testing.T) {
	md := storyMarkdown(reutersStory{ID: "7", Title: `COCOA "REVIEW"`, Date: "26-FEB-1987 15:01:01.79",
		Body: "Showers continued\nin the zone.\n    The dry *period* <b>means</b>.", Topics: []string{"cocoa"}, Places: []string{"el-salvador"}})
	for _, want := range []string{`title: "COCOA \"REVIEW\""`, "slug: reuters-7", "date: 1987-02-26T15:01:01Z",
		"topics: [cocoa]", "regions: [el-salvador]", "Showers continued in the zone.\n\nThe dry \\*period\\* &lt;b>means&lt;/b>."} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-engines", "sqlite", "-articles", "100"})
	if err != nil || len(o.engines) != 1 || o.articles != 100 {
		t.Errorf("%+v %v", o, err)
	}
	if _, err := parseFlags([]string{"-engines", "mysql"}); err == nil {
		t.Error("unknown engine accepted")
	}
	if o.readers == nil || strings.Join(o.readers, ",") != "subscriber,anonymous" {
		t.Errorf("default readers %v", o.readers)
	}
	if o, err := parseFlags([]string{"-readers", "anonymous"}); err != nil || strings.Join(o.readers, ",") != "anonymous" {
		t.Errorf("-readers anonymous: %v %v", o.readers, err)
	}
	if _, err := parseFlags([]string{"-readers", "editor"}); err == nil {
		t.Error("unknown reader accepted")
	}
}

// TestReutersSets: the places make a second judged set beside the
// topics, worded for readers, with the label on most stories left out.
func TestReutersSets(t *testing.T) {
	var stories []reutersStory
	for i := range 60 {
		s := reutersStory{ID: string(rune('a'+i%26)) + strings.Repeat("x", i/26), Topics: []string{"crude"}, Places: []string{"usa"}}
		if i%2 == 0 {
			s.Places = append(s.Places, "west-germany")
		}
		stories = append(stories, s)
	}
	sets := reutersSets(stories)
	if len(sets) != 2 || sets[0].name != "topics" || sets[1].name != "places" {
		t.Fatalf("sets %+v", sets)
	}
	if q := sets[0].queries; len(q) != 1 || q[0].query != "crude oil" || len(q[0].relevant) != 60 {
		t.Errorf("topics %+v", q)
	}
	if q := sets[1].queries; len(q) != 1 || q[0].query != "west germany" || len(q[0].relevant) != 30 {
		t.Errorf("places %+v", q)
	}
}
