package masthead

// Related reading: a few articles close in content to the one being read,
// shown at the foot of every article page. They are computed after an
// article is saved, from a row the save writes in its own transaction,
// and stored, so a page reads them with one small indexed query. Only
// live articles are ever shown, whatever was stored.

// RelatedShown is how many related articles an article page shows.
const RelatedShown = 4
