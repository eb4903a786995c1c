package demo

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// slot is a placeholder in a template; see the list at the top of words.go.
type slot uint8

const (
	slotNone slot = iota
	slotS
	slotS2
	slotSH
	slotA
	slotA2
	slotP
	slotPP
	slotPA
	slotC
	slotY
	slotN
	slotM
	slotR
	slotADJ
	slotAADJ
	slotT // topic name, lower case, for link text
	slotU // link target: never counted as words
)

var slotNames = map[string]slot{
	"S": slotS, "S2": slotS2, "SH": slotSH, "A": slotA, "A2": slotA2, "P": slotP, "PP": slotPP,
	"PA": slotPA, "C": slotC, "Y": slotY, "N": slotN, "M": slotM, "R": slotR, "ADJ": slotADJ, "AADJ": slotAADJ,
	"T": slotT, "U": slotU,
}

// piece is a literal followed by an optional slot. Cap marks a slot that
// opens a sentence, whose first letter must be upper case.
type piece struct {
	lit  string
	slot slot
	cap  bool
}

// template is parsed once, when a Generator is made, so that filling the
// millions of sentences of a large library does no string searching.
type template []piece

func parseTemplate(s string) template {
	var t template
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			t = append(t, piece{lit: s})
			return t
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			panic("demo: unclosed slot in template " + strconv.Quote(s))
		}
		name := s[i+1 : i+j]
		sl, ok := slotNames[name]
		if !ok {
			panic("demo: unknown slot {" + name + "}")
		}
		lit := s[:i]
		opens := lit == "" && len(t) == 0 || strings.HasSuffix(lit, ". ") ||
			strings.HasSuffix(lit, "? ") || strings.HasSuffix(lit, "“")
		t = append(t, piece{lit: lit, slot: sl, cap: opens})
		s = s[i+j+1:]
	}
}

func parseAll(ss []string) []template {
	out := make([]template, len(ss))
	for i, s := range ss {
		out[i] = parseTemplate(s)
	}
	return out
}

// vocab is the parsed form of words.go, built per Generator.
type vocab struct {
	sentences, quotes, headings, listIntros, listItems []template
	daily, inDepth, briefing                           []template
	deks, inDepthDeks, briefingDeks                    []template
	links, captions                                    []template
}

func newVocab() *vocab {
	return &vocab{
		sentences:    parseAll(sentences),
		quotes:       parseAll(quotes),
		headings:     parseAll(headings),
		listIntros:   parseAll(listIntros),
		listItems:    parseAll(listItems),
		daily:        parseAll(dailyTitles),
		inDepth:      parseAll(inDepthTitles),
		briefing:     parseAll(briefingTitles),
		deks:         parseAll(deks),
		inDepthDeks:  parseAll(inDepthDeks),
		briefingDeks: parseAll(briefingDeks),
		links:        parseAll(linkSentences),
		captions:     parseAll(captions),
	}
}

// writer fills templates for one article into a buffer and counts the
// words it wrote the way the Markdown renderer counts them in the HTML,
// so the generator can stop at its word target without rendering.
type writer struct {
	b      *strings.Builder
	words  int
	rng    *rand.Rand
	topic  *topicDef
	region *regionDef
	s, a   string // the article's main subject and actors
	year   int    // the article's own year
	link   string
}

func (w *writer) pick(ss []string) string { return ss[w.rng.IntN(len(ss))] }

// other picks an element of ss different from not, when there is one.
func (w *writer) other(ss []string, not string) string {
	for range 4 {
		if s := ss[w.rng.IntN(len(ss))]; s != not {
			return s
		}
	}
	return ss[0]
}

func (w *writer) value(s slot) string {
	switch s {
	case slotS:
		return w.s
	case slotS2:
		return w.other(w.topic.subjects, w.s)
	case slotSH:
		return w.pick(w.topic.short)
	case slotA:
		return w.a
	case slotA2:
		return w.other(w.topic.actors, w.a)
	case slotP:
		return w.region.prose
	case slotPP:
		return w.region.poss
	case slotPA:
		return w.region.adj
	case slotC:
		return w.pick(w.region.cities)
	case slotY:
		return strconv.Itoa(w.year - 1 - w.rng.IntN(12))
	case slotN:
		return strconv.Itoa(2 + w.rng.IntN(38))
	case slotM:
		return w.pick(months)
	case slotR:
		return w.pick(sources)
	case slotADJ:
		return w.pick(adjectives)
	case slotAADJ:
		a := w.pick(adjectives)
		if strings.IndexByte("aeiou", a[0]) >= 0 {
			return "an " + a
		}
		return "a " + a
	case slotT:
		return strings.ToLower(w.topic.name)
	case slotU:
		return w.link
	}
	return ""
}

// fill writes t and counts its words, except those of link targets.
func (w *writer) fill(t template) {
	for _, p := range t {
		w.text(p.lit)
		if p.slot == slotNone {
			continue
		}
		v := w.value(p.slot)
		if p.cap {
			v = upperFirst(v)
		}
		if p.slot == slotU {
			w.b.WriteString(v)
		} else {
			w.text(v)
		}
	}
}

// text writes s as counted prose.
func (w *writer) text(s string) {
	w.b.WriteString(s)
	w.words += countWords(s)
}

// markup writes Markdown syntax, which is not prose.
func (w *writer) markup(s string) { w.b.WriteString(s) }

// fillString fills t into a fresh string, for titles, deks and captions;
// their words do not count towards the body's.
func (w *writer) fillString(t template) string {
	saved, words := w.b, w.words
	w.b = new(strings.Builder)
	w.fill(t)
	s := w.b.String()
	w.b, w.words = saved, words
	return s
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// countWords counts runs of letters and digits, letting apostrophes and
// hyphens join a word, as markdown's counter does on the rendered HTML.
// It may count a word split across two calls twice; templates never split
// a word at a slot boundary.
func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			if !in {
				n++
			}
			in = true
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if !in {
				n++
			}
			in = true
		case r == '\'' || r == '’' || r == '-':
		default:
			in = false
		}
	}
	return n
}

// sentencer deals sentence templates in a shuffled order, so an article
// repeats none until it has used them all.
type sentencer struct {
	order []int
	next  int
}

func (s *sentencer) deal(rng *rand.Rand, n int) int {
	if s.next == len(s.order) {
		if s.order == nil {
			s.order = make([]int, n)
			for i := range s.order {
				s.order[i] = i
			}
		}
		rng.Shuffle(len(s.order), func(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] })
		s.next = 0
	}
	s.next++
	return s.order[s.next-1]
}

// body writes the article's Markdown: a lede, then sections under ##
// headings until the word target is met, with a quote, a list, a link and
// a bold lead placed along the way as plan says.
type bodyPlan struct {
	target           int
	quotes           int
	list, link, bold bool
	briefing         bool
}

func (w *writer) body(v *vocab, plan bodyPlan) string {
	w.b = new(strings.Builder)
	w.b.Grow(plan.target * 7)
	var deck sentencer
	para := func(min, max int) {
		k := min + w.rng.IntN(max-min+1)
		for i := range k {
			if i > 0 {
				w.markup(" ")
			}
			w.fill(v.sentences[deck.deal(w.rng, len(v.sentences))])
		}
		w.markup("\n\n")
	}
	list := func(items int, numbered bool) {
		w.fill(v.listIntros[w.rng.IntN(len(v.listIntros))])
		w.markup("\n\n")
		perm := w.rng.Perm(len(v.listItems))
		for i := range items {
			if numbered {
				w.markup(strconv.Itoa(i+1) + ". ")
			} else {
				w.markup("- ")
			}
			w.fill(v.listItems[perm[i]])
			w.markup("\n")
		}
		w.markup("\n")
	}
	heading := func(t template) {
		w.markup("## ")
		w.fill(t)
		w.markup("\n\n")
	}

	// The lede: short, as ledes are.
	para(2, 3)
	if plan.bold {
		w.markup("**")
		w.text(boldLeads[w.rng.IntN(len(boldLeads))])
		w.markup("** ")
	}
	para(2, 4)

	if plan.briefing {
		w.markup("## ")
		w.text("The essentials")
		w.markup("\n\n")
		list(4+w.rng.IntN(2), false)
		hs := w.rng.Perm(len(v.headings))
		for i := 0; w.words < plan.target; i++ {
			if i < len(briefingHeadings) {
				w.markup("## ")
				w.text(briefingHeadings[i])
				w.markup("\n\n")
			} else {
				heading(v.headings[hs[i%len(hs)]])
			}
			para(3, 5)
			if plan.quotes > 0 && i == 0 {
				w.markup("> ")
				w.fill(v.quotes[w.rng.IntN(len(v.quotes))])
				w.markup("\n\n")
			}
			if w.words < plan.target {
				para(2, 3)
			}
			if plan.link && i == 1 {
				w.fill(v.links[w.rng.IntN(len(v.links))])
				w.markup("\n\n")
			}
		}
		return w.b.String()
	}

	hs := w.rng.Perm(len(v.headings))
	quotes := plan.quotes
	for sec := 0; w.words < plan.target; sec++ {
		heading(v.headings[hs[sec%len(hs)]])
		for p := 0; p < 2+w.rng.IntN(3) && w.words < plan.target; p++ {
			para(3, 5)
			switch {
			case p == 0 && quotes > 0 && (sec == 0 || sec == 2):
				w.markup("> ")
				w.fill(v.quotes[w.rng.IntN(len(v.quotes))])
				w.markup("\n\n")
				quotes--
			case p == 0 && plan.list && sec == 1:
				list(3+w.rng.IntN(3), w.rng.IntN(3) == 0)
			case p == 1 && plan.link && sec == 1:
				w.fill(v.links[w.rng.IntN(len(v.links))])
				w.markup("\n\n")
			}
		}
	}
	return w.b.String()
}
