package demo

// The vocabulary of the demo publication. Everything here was written for
// Masthead: lists of noun phrases and sentence templates that the generator
// combines. Templates name their slots in braces:
//
//	{S}   a subject of the article's topic ("the power grid")
//	{S2}  another subject of the same topic
//	{SH}  a short noun of the topic, usable as a modifier ("energy")
//	{A}   plural actors of the topic ("utilities"); always plural, so a
//	      template may put a verb after it without agreement trouble
//	{A2}  other actors of the same topic
//	{P}   the region as written in prose ("the Middle East")
//	{PP}  the region's possessive ("the Middle East's")
//	{PA}  the region's adjective ("Middle Eastern")
//	{C}   a city of the region
//	{Y}   a year before the article's own
//	{N}   a small number (2–39)
//	{M}   a month name
//	{R}   a source, anonymous as serious reporting often keeps them
//	{ADJ} an adjective of judgement
//	{AADJ} the same with its article ("an uneven")
//
// Subjects appear only where no verb has to agree with them, because some
// are singular and some plural.

// topicDef is one topic with the words that make its articles plausible.
type topicDef struct {
	slug, name string
	subjects   []string
	actors     []string
	short      []string
}

var topicPool = []topicDef{
	{"economy", "Economy",
		[]string{"the recovery", "household spending", "wage growth", "public debt", "the cost of living", "productivity", "the budget deficit", "consumer confidence", "tax reform", "the fiscal rules", "business investment"},
		[]string{"finance ministers", "economists", "treasury officials", "employers", "forecasters"},
		[]string{"growth", "debt", "budget", "tax", "spending"}},
	{"markets", "Markets",
		[]string{"the bond market", "equity valuations", "the dollar", "corporate credit", "bank lending", "the yield curve", "commodity prices", "private credit", "pension funds' portfolios", "currency markets"},
		[]string{"investors", "bond traders", "fund managers", "analysts", "bankers"},
		[]string{"bond", "currency", "credit", "equity", "banking"}},
	{"central-banks", "Central banks",
		[]string{"interest rates", "the inflation target", "quantitative tightening", "monetary policy", "the next rate cut", "forward guidance", "central-bank independence", "the bank's balance sheet"},
		[]string{"central bankers", "rate-setters", "monetary officials", "bank governors"},
		[]string{"inflation", "rate", "monetary", "interest-rate"}},
	{"energy", "Energy",
		[]string{"the power grid", "gas prices", "the oil market", "nuclear power", "offshore wind", "energy security", "electricity bills", "battery storage", "the refining industry", "liquefied natural gas"},
		[]string{"utilities", "energy ministers", "oil producers", "grid operators", "power traders"},
		[]string{"energy", "gas", "oil", "power", "grid"}},
	{"climate", "Climate",
		[]string{"emissions targets", "carbon pricing", "climate finance", "adaptation spending", "the transition away from coal", "heat waves", "flood defences", "climate diplomacy", "green subsidies"},
		[]string{"climate negotiators", "environmental groups", "insurers", "city planners"},
		[]string{"climate", "carbon", "emissions", "heat"}},
	{"technology", "Technology",
		[]string{"artificial intelligence", "chip supply chains", "data centres", "platform regulation", "cloud computing", "online privacy", "semiconductor subsidies", "the app economy", "cyber-security"},
		[]string{"tech firms", "regulators", "chipmakers", "start-up founders", "software engineers"},
		[]string{"chip", "AI", "data", "platform"}},
	{"trade", "Trade",
		[]string{"tariffs", "export controls", "shipping routes", "the trade deficit", "supply chains", "free-trade agreements", "customs checks", "industrial policy"},
		[]string{"exporters", "trade negotiators", "manufacturers", "shipping firms", "customs officials"},
		[]string{"trade", "tariff", "export", "shipping"}},
	{"defence", "Defence",
		[]string{"military spending", "arms production", "the alliance's eastern flank", "naval power", "deterrence", "conscription", "drone warfare", "ammunition stockpiles"},
		[]string{"defence ministers", "generals", "arms makers", "military planners"},
		[]string{"defence", "security", "arms", "military"}},
	{"diplomacy", "Diplomacy",
		[]string{"the ceasefire talks", "sanctions", "the peace process", "multilateral institutions", "the summit agenda", "foreign aid", "the border dispute"},
		[]string{"diplomats", "envoys", "foreign ministers", "mediators"},
		[]string{"diplomatic", "sanctions", "summit", "aid"}},
	{"elections", "Elections",
		[]string{"the coalition talks", "voter turnout", "the opposition's campaign", "electoral reform", "the polling gap", "campaign finance", "the party's leadership contest"},
		[]string{"voters", "party strategists", "pollsters", "campaign managers", "opposition leaders"},
		[]string{"election", "coalition", "polling", "campaign"}},
	{"public-health", "Public health",
		[]string{"hospital waiting lists", "drug prices", "vaccination rates", "the nursing shortage", "health insurance", "pandemic preparedness", "mental-health services", "primary care"},
		[]string{"doctors", "health ministers", "hospital managers", "drugmakers", "epidemiologists"},
		[]string{"health", "hospital", "drug", "care"}},
	{"labour", "Labour",
		[]string{"the minimum wage", "union membership", "remote work", "the labour shortage", "pension reform", "the four-day week", "youth unemployment", "gig work"},
		[]string{"unions", "workers", "employers", "labour ministers", "recruiters"},
		[]string{"labour", "jobs", "wage", "pension"}},
	{"housing", "Housing",
		[]string{"house prices", "rents", "mortgage rates", "social housing", "planning rules", "construction costs", "first-time buyers' prospects", "the property market"},
		[]string{"homebuyers", "landlords", "housebuilders", "tenants", "planners"},
		[]string{"housing", "property", "mortgage", "rent"}},
	{"migration", "Migration",
		[]string{"asylum policy", "border controls", "labour migration", "integration programmes", "refugee resettlement", "visa rules", "remittances"},
		[]string{"migrants", "border officials", "interior ministers", "employers", "aid agencies"},
		[]string{"migration", "asylum", "border", "visa"}},
	{"education", "Education",
		[]string{"university funding", "school funding", "teacher pay", "student debt", "exam results", "vocational training", "international student numbers"},
		[]string{"teachers", "universities", "parents", "education ministers", "students"},
		[]string{"school", "university", "exam", "skills"}},
	{"law-and-justice", "Law and justice",
		[]string{"judicial independence", "prison overcrowding", "the court backlog", "anti-corruption laws", "constitutional reform", "competition law"},
		[]string{"judges", "prosecutors", "lawyers", "lawmakers"},
		[]string{"court", "legal", "judicial", "corruption"}},
	{"food-and-farming", "Food and farming",
		[]string{"food prices", "farm subsidies", "fertiliser costs", "grain exports", "water rights", "crop yields"},
		[]string{"farmers", "food retailers", "grain traders", "agriculture ministers"},
		[]string{"food", "farm", "grain", "water"}},
	{"cities", "Cities",
		[]string{"public transport", "congestion charges", "urban regeneration", "local government finances", "city budgets", "street safety"},
		[]string{"mayors", "commuters", "city councils", "developers"},
		[]string{"transport", "city", "urban", "transit"}},
}

// regionDef is one region: its taxonomy name and the forms prose needs.
type regionDef struct {
	slug, name       string
	prose, poss, adj string
	cities           []string
}

var regionPool = []regionDef{
	{"europe", "Europe", "Europe", "Europe's", "European", []string{"Brussels", "Berlin", "Paris", "Madrid", "Rome", "Warsaw", "Vienna", "Amsterdam"}},
	{"united-states", "United States", "America", "America's", "American", []string{"Washington", "New York", "Chicago", "Houston", "Los Angeles", "Atlanta"}},
	{"britain", "Britain", "Britain", "Britain's", "British", []string{"London", "Manchester", "Edinburgh", "Cardiff", "Birmingham", "Belfast"}},
	{"china", "China", "China", "China's", "Chinese", []string{"Beijing", "Shanghai", "Shenzhen", "Chongqing", "Wuhan", "Guangzhou"}},
	{"east-asia", "East Asia", "East Asia", "East Asia's", "East Asian", []string{"Tokyo", "Seoul", "Taipei", "Osaka", "Busan"}},
	{"south-asia", "South Asia", "South Asia", "South Asia's", "South Asian", []string{"Delhi", "Mumbai", "Dhaka", "Karachi", "Colombo", "Bangalore"}},
	{"south-east-asia", "South-East Asia", "South-East Asia", "South-East Asia's", "South-East Asian", []string{"Jakarta", "Manila", "Hanoi", "Bangkok", "Kuala Lumpur", "Singapore"}},
	{"middle-east", "Middle East", "the Middle East", "the Middle East's", "Middle Eastern", []string{"Riyadh", "Cairo", "Amman", "Beirut", "Doha", "Istanbul"}},
	{"africa", "Africa", "Africa", "Africa's", "African", []string{"Nairobi", "Lagos", "Johannesburg", "Addis Ababa", "Accra", "Dakar"}},
	{"latin-america", "Latin America", "Latin America", "Latin America's", "Latin American", []string{"São Paulo", "Mexico City", "Buenos Aires", "Bogotá", "Lima", "Santiago"}},
	{"central-asia", "Central Asia", "Central Asia", "Central Asia's", "Central Asian", []string{"Almaty", "Tashkent", "Astana", "Bishkek"}},
	{"australia-and-pacific", "Australia and the Pacific", "Australia", "Australia's", "Australian", []string{"Sydney", "Melbourne", "Canberra", "Auckland", "Perth"}},
}

// columnDef is a recurring series. weekday is the day a weekly column
// appears (0 = Sunday), or -1 for one that appears when it has something to
// say.
type columnDef struct {
	slug, name, description string
	weekday                 int
	kind                    string
	topics                  []string
}

var columnPool = []columnDef{
	{"the-long-view", "The Long View", "A weekly essay on the history behind the headlines, published every Sunday.", 0, "in-depth", nil},
	{"ledger", "Ledger", "Money, markets and the people who move them. A weekly column, every Monday.", 1, "daily", []string{"markets", "central-banks", "economy"}},
	{"state-of-play", "State of Play", "The politics behind the policy, every Monday morning.", 1, "daily", []string{"elections", "law-and-justice"}},
	{"current-account", "Current Account", "The world economy, one number at a time. Published on Tuesdays.", 2, "daily", []string{"economy", "trade"}},
	{"machine-room", "Machine Room", "Technology, industry and the economics of computing, every Tuesday.", 2, "daily", []string{"technology"}},
	{"the-fine-print", "The Fine Print", "Where law, regulation and power meet. Every Wednesday.", 3, "daily", []string{"law-and-justice", "technology"}},
	{"grid-lines", "Grid Lines", "A weekly column on energy and the climate transition, every Wednesday.", 3, "daily", []string{"energy", "climate"}},
	{"the-interpreter", "The Interpreter", "Diplomacy and security decoded, every Thursday.", 4, "daily", []string{"diplomacy", "defence"}},
	{"second-opinion", "Second Opinion", "A weekly argument against the conventional wisdom, every Friday.", 5, "daily", nil},
	{"common-ground", "Common Ground", "Work, schools, health and the ties that hold communities together. Every Saturday.", 6, "in-depth", []string{"labour", "education", "public-health", "migration"}},
	{"field-notes", "Field Notes", "Reporting from the places where policy meets daily life.", -1, "in-depth", []string{"cities", "housing", "food-and-farming"}},
	{"by-the-numbers", "By the Numbers", "The figures behind the week's biggest stories, explained briefly.", -1, "briefing", nil},
}

// Names of the demo staff, combined into a dozen bylines.
var firstNames = []string{
	"Amara", "Tomás", "Ingrid", "Kwame", "Mei", "Rafael", "Sofia", "Daniel", "Leila", "Hiroshi",
	"Clara", "Nikhil", "Esther", "Jonas", "Priya", "Mateo", "Hannah", "Yusuf", "Margot", "Oliver",
	"Aisha", "Lukas", "Beatriz", "Samuel", "Elena", "Kofi", "Rosa", "Anders", "Nadia", "Felix",
}

var lastNames = []string{
	"Okafor", "Lindqvist", "Moreau", "Castellano", "Nakamura", "Brennan", "Haddad", "Kowalski", "Mensah", "Iyer",
	"Ferreira", "Whitfield", "Achterberg", "Delacroix", "Osei", "Varga", "Sandoval", "Thornton", "Reyes", "Halvorsen",
	"Abiodun", "Marchetti", "Tanaka", "Fischer", "Quinn", "Baptiste", "Novak", "Eriksen", "Calloway", "Demir",
}

// beats are the staff's jobs and the topics each covers most.
var beats = []struct {
	title  string
	topics []string
}{
	{"economics editor", []string{"economy", "central-banks"}},
	{"diplomatic editor", []string{"diplomacy", "defence"}},
	{"energy and climate correspondent", []string{"energy", "climate"}},
	{"Europe editor", []string{"elections", "migration"}},
	{"technology correspondent", []string{"technology", "trade"}},
	{"data editor", []string{"economy", "housing"}},
	{"senior writer", []string{"labour", "cities"}},
	{"Asia correspondent", []string{"trade", "defence"}},
	{"chief political commentator", []string{"elections", "law-and-justice"}},
	{"health and science correspondent", []string{"public-health", "education"}},
	{"Latin America correspondent", []string{"food-and-farming", "markets"}},
	{"deputy editor", []string{"diplomacy", "economy"}},
	{"markets columnist", []string{"markets", "central-banks"}},
	{"Middle East correspondent", []string{"energy", "diplomacy"}},
	{"labour and society correspondent", []string{"labour", "education"}},
}

var previousWork = []string{
	"covered financial markets", "reported on elections across three continents", "worked as an economist at a development bank",
	"ran a regional newsroom", "reported on the energy industry", "covered courts and legislatures",
	"worked as a data scientist", "reported from conflict zones", "taught public policy", "edited a weekly business magazine",
}

var bioTemplates = []string{
	"{NAME} is our {BEAT}. Before joining in {JOINED}, {FIRST} {WORK} and was based in {CITY} and {CITY2}.",
	"{NAME} is our {BEAT}, writing about {TOPIC} and {TOPIC2}. {FIRST} {WORK} for more than a decade, most recently from {CITY}.",
	"{NAME}, our {BEAT}, has written for us since {JOINED}. {FIRST} previously {WORK} and now divides the week between {CITY} and the newsroom.",
	"{NAME} joined in {JOINED} and is now our {BEAT}. {FIRST} {WORK} in {CITY}, and writes most often about {TOPIC}.",
}

var adjectives = []string{
	"fragile", "uneven", "stubborn", "costly", "overdue", "quiet", "messy", "awkward", "remarkable",
	"modest", "sharp", "slow", "risky", "unfinished", "familiar", "reluctant", "fitful", "lopsided",
}

var months = []string{
	"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December",
}

var sources = []string{
	"a senior official", "an economist at a large bank", "a former minister", "one veteran negotiator",
	"a researcher at a think-tank", "a lawyer who advises the government", "a trade-union official",
	"an executive at a large manufacturer", "a diplomat", "a fund manager", "a local councillor",
	"a professor of public policy", "an adviser to the finance ministry", "a senior industry figure",
	"a retired judge", "a pollster",
}

// Titles by kind. Sentence case, as a serious publication writes them.
var dailyTitles = []string{
	"Why {A} are losing patience with {S}",
	"{PP} {SH} problem is not going away",
	"The quiet shift in {S}",
	"What the fight over {S} says about {P}",
	"{A} are betting on {S}. They may lose",
	"The real risk for {P} is {S}",
	"Who gains from {PP} new approach to {S}",
	"How {S} became the issue {A} cannot ignore",
	"The case against the consensus on {S}",
	"A turning point for {S} in {P}",
	"{P} rethinks {S}",
	"Behind the numbers on {S}",
	"The {SH} squeeze comes to {C}",
	"{A} in {C} brace for a harder year",
	"What {A} get wrong about {S}",
	"The uncomfortable truth about {S}",
	"Don't expect {S} to save {P}",
	"{PP} {ADJ} bargain over {S}",
	"The trouble with {PP} {SH} plans",
	"Forget {S2}: the real story is {S}",
	"The {SH} debate {P} keeps postponing",
	"{A} and the limits of {S}",
	"{AADJ} truce on {S} in {C}",
	"The {SH} outlook darkens in {P}",
}

var inDepthTitles = []string{
	"The long unravelling of {S} in {P}",
	"Inside {PP} struggle over {S}",
	"How {S} remade {P}",
	"After the boom: {S} and the limits of policy in {P}",
	"The hidden costs of {S}",
	"Power, money and {S}: a reckoning in {P}",
	"What went wrong with {S}",
	"The people who pay for {S}",
	"{C} and the new {SH} politics",
	"A decade of {S}, and what it taught {P}",
	"The {SH} gamble that divided {P}",
	"Beyond {C}: the unfinished story of {S}",
	"Why {P} cannot settle the question of {S}",
	"The slow-motion crisis in {S}",
}

var briefingTitles = []string{
	"Briefing: {S} in {P}",
	"{P} at a glance: {S}",
	"What to watch this week: {S}",
	"Five questions on {S}",
	"The essentials: {S} in {P}",
	"{S} in {P}: what we know so far",
	"Explainer: the row over {S}",
	"Briefing: the {SH} week in {P}",
	"Briefing: why {A} are worried about {S}",
}

var deks = []string{
	"{A} in {P} say they have {S} under control. The evidence is less reassuring.",
	"The debate over {S} is really about who pays, and when.",
	"For years {S} looked settled. {P} is finding out otherwise.",
	"{AADJ} shift in {S} has exposed the limits of {S2}, and of the {A} who manage it.",
	"Why the argument over {S} in {P} matters well beyond {C}.",
	"What {A} get wrong about {S}, and what it will cost them.",
	"{PP} approach to {S} is being copied elsewhere. It may not travel well.",
	"The headline numbers on {S} look good. The detail tells a different story.",
	"{A} are betting on {S}. History suggests they should hedge.",
	"Officials in {C} want to move fast on {S}. {A2} want them to slow down.",
	"{AADJ} compromise on {S2} bought time. It settled nothing.",
	"The choices made now on {S} will shape {P} for a generation.",
}

var inDepthDeks = []string{
	"A long look at how {S} reshaped {P}, and at the people left to deal with the consequences.",
	"Drawing on interviews in {C} and beyond, we examine what went wrong with {S}.",
	"Over a decade, {S} went from an afterthought to the centre of {PA} politics. How it happened, and what comes next.",
	"The story of {S} in {P} is one of good intentions, bad timing and {AADJ} reckoning.",
}

var briefingDeks = []string{
	"The essentials on {S}: what happened, why it matters and what to watch.",
	"Everything you need to know about {S} in {P}, in a few minutes.",
	"A short guide to the row over {S}, and to the {A} at the centre of it.",
	"What changed this week in {S}, and what did not.",
}

// Sentences of the body. Each is complete; a paragraph strings several.
var sentences = []string{
	"For most of the past decade, {P} treated {S} as a technical matter, best left to specialists.",
	"That is no longer the case.",
	"The numbers tell part of the story: by one common measure, the burden of {S} has grown by about {N}% since {Y}.",
	"{A} have noticed, even if they are reluctant to say so in public.",
	"The harder question is what follows.",
	"In {C}, the mood among {A} is more cautious than the official line suggests.",
	"Officials insist that the change in {S} is temporary; few outside government believe them.",
	"The argument over {S} is, at bottom, an argument about who bears the cost.",
	"Seen from {C}, the debate looks rather different.",
	"{PP} experience since {Y} offers a warning.",
	"There are three reasons to think the pressure on {S} will persist.",
	"The first is arithmetic.",
	"None of this means that a crisis is imminent.",
	"It does mean that the margin for error has narrowed.",
	"{A} tend to overestimate how quickly {S} can change, and to underestimate how long the effects last.",
	"{AADJ} compromise on {S2} bought time, but it did not settle anything.",
	"The last time {A} faced a choice like this, in {Y}, they hesitated, and paid for it.",
	"Critics argue that the focus on {S} distracts from the real problem, which is {S2}.",
	"They have a point.",
	"Yet the alternative, doing nothing, carries risks of its own.",
	"The government's own projections assume that the pressure on {S} will ease by the end of next year; private forecasters are less sure.",
	"A survey published in {M} found that {N}% of {A} expect conditions to worsen before they improve.",
	"The politics are awkward.",
	"Few {A} want to be seen to blink first.",
	"Behind the scenes, however, the conversation has moved on.",
	"In private, {A} in {C} describe {S} as the issue that keeps them up at night.",
	"Much depends on decisions that will be taken far from {C}.",
	"The effect on {S2} is likely to be felt first, and most sharply.",
	"History suggests caution: a similar effort in {Y} produced {ADJ} results.",
	"It would be a mistake to read too much into a single month of data.",
	"But the trend is hard to ignore.",
	"What happens in {P} rarely stays there.",
	"Neighbouring governments are watching closely, and some are already drawing their own conclusions.",
	"The cost of getting this wrong would fall hardest on those with the least room to adjust.",
	"That is why the debate over {S} has become so heated.",
	"There is a more hopeful reading.",
	"If {A} can agree on the basics, {S} could become a source of stability rather than strain.",
	"That remains a big if.",
	"Supporters of the plan point to early gains in {S2}.",
	"Sceptics reply that the gains are small and may not last.",
	"Both sides agree on one thing: the status quo cannot hold for long.",
	"The immediate test comes in {M}, when {A} meet in {C} to set out their plans.",
	"Expectations are low, which may be the best thing that can be said about the meeting.",
	"Still, low expectations have a way of being exceeded.",
	"Consider the case of {C}, where the rules on {S} were overhauled in {Y}.",
	"The results were mixed: {S2} improved, but at a cost few had anticipated.",
	"The lessons of that episode are being relearned, slowly.",
	"Markets have so far taken the news calmly.",
	"That calm may be deceptive.",
	"The underlying problem is structural, not cyclical.",
	"It has been building for years, under governments of every stripe.",
	"Fixing it will take longer than a single electoral cycle.",
	"That is an uncomfortable message for politicians who must face voters within {N} months.",
	"The most likely outcome is a messy middle course.",
	"{A} will muddle through, making concessions on {S2} to protect what they care about most.",
	"Whether that is enough depends on factors outside anyone's control.",
	"This is not the first time {P} has been here.",
	"Each previous episode ended with a promise that things would be different next time.",
	"The data are incomplete, and revisions are common.",
	"Even so, the direction of travel is clear.",
	"Officials in {C} have begun to prepare for a range of outcomes, including some they would rather not discuss.",
	"A memo circulated among {A} in {M} set out the options in blunt terms.",
	"The most striking thing about the memo was what it left out: any serious discussion of {S2}.",
	"Several people involved in the talks say a deal is closer than it looks.",
	"Others caution that the details have barely been discussed.",
	"The gap between rhetoric and reality is wide, and widening.",
	"To outsiders, the fight over {S} can seem arcane.",
	"To those living with its consequences, it is anything but.",
	"For households, the effects show up in bills, jobs and prices long before they show up in official statistics.",
	"For firms, the uncertainty itself is the cost.",
	"Investment decisions are being delayed, and some may never be made.",
	"{PA} officials like to say that the worst is behind them.",
	"They said the same in {Y}.",
	"What is different now is the scale of the challenge and the speed at which it is moving.",
	"The technical details matter less than the signal they send.",
	"A credible plan for {S} would reassure {A}; a muddled one would do the opposite.",
	"Rival proposals are circulating, each with its own champions and its own blind spots.",
	"One would put {S} first; another would start with {S2}.",
	"Neither has a majority.",
	"The {SH} figures published in {M} were worse than almost anyone had forecast.",
	"Some of the damage is self-inflicted.",
	"Years of {ADJ} decisions on {S2} left little room to manoeuvre when conditions changed.",
	"It is tempting to blame outside forces, and some of the blame is deserved.",
	"But the choices that matter most are being made at home.",
	"{A2} have begun to organise, and their demands are getting louder.",
	"In {C}, a coalition of {A2} and local officials has drafted its own proposal.",
	"Its central idea is simple: spread the burden of adjustment over a longer period.",
	"The trouble is that time is the one thing in short supply.",
	"Each month of delay raises the eventual bill.",
	"The comparison with {Y} is instructive, if imperfect.",
	"Then, as now, {A} underestimated how quickly sentiment could turn.",
	"Unlike then, the institutions meant to manage the shock are themselves under strain.",
	"A closer look at the figures suggests a more complicated picture.",
	"The headline number hides wide differences between regions, sectors and generations.",
	"Younger people, in particular, have borne a disproportionate share of the cost.",
	"There is no shortage of ideas; there is a shortage of political will.",
	"That may change after the next round of {SH} talks, though few are counting on it.",
	"Nobody expects a clean resolution.",
	"The best that can be hoped for is a framework that makes the next crisis less severe.",
	"On that narrower goal, there has been real, if {ADJ}, progress.",
	"{PP} neighbours face versions of the same dilemma, and none has found a satisfying answer.",
	"The risk is that {P} learns the wrong lesson from its own success.",
	"What worked in {Y} may not work again, because the conditions that made it possible have gone.",
	"That argues for humility, a quality in short supply in {C} these days.",
	"{A} say they are ready to compromise on {S2}, but not on {S}.",
	"That position may be harder to hold than they think.",
}

var quotes = []string{
	"“Everyone agrees on the diagnosis. Nobody agrees on the cure,” says {R} in {C}.",
	"“We are spending our energy on the wrong fight,” says {R}. “The real issue is {S2}.”",
	"“If you had told me in {Y} that we would still be arguing about this, I would not have believed you,” says {R}.",
	"“There is no painless way out,” says {R} in {C}. “There are only choices about who feels the pain first.”",
	"“The numbers are moving in the right direction, but slowly,” says {R}.",
	"“People underestimate how much {S} matters to ordinary families,” says {R} in {C}.",
	"“This is a test of credibility as much as of policy,” says {R}.",
	"“We have been here before, and we did not learn enough,” says {R}.",
	"“Nobody wants to be the first to blink,” says {R} in {C}.",
	"“The danger is complacency, not panic,” says {R}.",
	"“Every plan looks good until it meets the budget,” says {R}.",
	"“You cannot fix {S} from {C} alone,” says {R}.",
}

var headings = []string{
	"The {SH} question",
	"What {A} want",
	"{AADJ} precedent",
	"Where the money goes",
	"The view from {C}",
	"What comes next",
	"Counting the cost",
	"The politics of {S}",
	"Lessons from {Y}",
	"Winners and losers",
	"A test of credibility",
	"The numbers behind the noise",
	"Why {C} matters",
	"The risks ahead",
	"An uneasy consensus",
	"The limits of policy",
	"Reading the signals",
	"A longer view",
	"The case for patience",
	"Who decides",
}

var listIntros = []string{
	"Three things to watch in the coming months:",
	"The main options on the table:",
	"What has changed since {Y}:",
	"The proposal, in brief:",
	"Where the pressure is building:",
}

var listItems = []string{
	"Whether {A} accept a slower timetable for {S}.",
	"The effect on {S2}, which has so far been modest.",
	"How quickly {PA} officials move to clarify their plans.",
	"The response of {A2} in {C}.",
	"Any sign that the pressure on {S} is easing.",
	"A review of {S2}, due in {M}.",
	"Pressure from {A} for compensation.",
	"The next set of official figures, due in {M}.",
	"New rules on {S2}, expected before the end of the year.",
	"Spending on {S}, which has risen by {N}% since {Y}.",
	"The mood in {C}, where {A2} have threatened to walk away.",
	"Talks between {A} and {A2}, which resume in {M}.",
}

// Briefings follow a fixed skeleton, as briefings do.
var briefingHeadings = []string{"Why it matters", "The background", "What to watch"}

var boldLeads = []string{"The short version:", "In brief:", "Put simply:"}

var linkSentences = []string{
	"For more on the background, see our [coverage of {T}]({U}).",
	"We have followed the story closely; our [reporting on {T}]({U}) has the earlier chapters.",
	"Readers new to the subject may want to start with our [guide to {T}]({U}).",
}

var captions = []string{
	"{C}, where the argument over {S} has been loudest.",
	"An illustration for our coverage of {S}.",
	"{A} in {C} have been at the centre of the debate.",
	"The view from {C}.",
}

// Colours of the generated illustrations, with the words their alt text
// uses.
var palette = []struct{ name, hex string }{
	{"deep blue", "#1d3557"}, {"teal", "#2a9d8f"}, {"amber", "#e9c46a"}, {"terracotta", "#e76f51"},
	{"slate grey", "#4a5568"}, {"olive", "#6b705c"}, {"crimson", "#9b2226"}, {"sand", "#ddb892"},
	{"ivory", "#f1ede4"}, {"forest green", "#2d6a4f"},
}
