package cases

import (
	"context"

	"repertoire/internal/store"
)

// seeded are the cases the seed ("Why Facebook users' strikes don't work
// (and how can we fix them)?", 2018) cites: actions that won through
// petitions, lobbying, complaints and litigation, and the lone strikes of
// 2018 that did not. The seed's text carries no links: each source is the
// public record of the case.
var seeded = []struct {
	Slug string
	Input
}{
	{"beacon-2007", Input{Platform: "Facebook", Year: 2007, Title: "Beacon petition",
		Community: "Facebook users, with the advocacy group MoveOn.org",
		Tactics:   []string{"petition"}, Numbers: "50,000 signatures",
		Outcome: "After the introduction of Beacon, which broadcast users' purchases on other sites to their friends, a 50,000-strong petition led to its discontinuation.",
		Won:     true, Sources: []string{"https://en.wikipedia.org/wiki/Facebook_Beacon"}}},
	{"tuenti-2009", Input{Platform: "Tuenti", Year: 2009, Title: "Tuenti users' strike",
		Community: "Users of the Spanish social network Tuenti",
		Tactics:   []string{"strike"},
		Outcome:   "A huelga de los usuarios (users' strike) against the terms of service; the seed cites it as an early users' strike, not as a win.",
		Won:       false, Sources: []string{"https://en.wikipedia.org/wiki/Tuenti"}}},
	{"like-button-2010", Input{Platform: "Facebook", Year: 2010, Title: "Lobbying against the \"like\" button social plugin",
		Community: "Several users' groups",
		Tactics:   []string{"lobbying", "complaint"},
		Outcome:   "Users' groups organized and lobbied US senators and the Federal Trade Commission (FTC) to oppose the \"like\" button social plugin on external websites; the seed counts it among the actions of lobbying that were heard.",
		Won:       true, Sources: []string{"https://en.wikipedia.org/wiki/Facebook_like_button"}}},
	{"europe-v-facebook-2011", Input{Platform: "Facebook", Year: 2011, Title: "Europe versus Facebook",
		Community: "The association Europe versus Facebook",
		Tactics:   []string{"complaint", "litigation"}, Numbers: "numerous complaints and a class action",
		Outcome: "Filed numerous complaints with the Irish Data Protection Commissioner (DPC) and a class action brought before the Court of Justice of the European Union.",
		Won:     true, Sources: []string{"https://en.wikipedia.org/wiki/Max_Schrems", "http://europe-v-facebook.org/"}}},
	{"reddit-2015", Input{Platform: "Reddit", Year: 2015, Title: "Reddit revolt",
		Community: "Reddit users and the moderators of its forums",
		Tactics:   []string{"disruption", "strike"},
		Outcome:   "Users disrupted the platform, revolting en masse in solidarity with a wrongly terminated employee: moderators took their forums private, and the interim chief executive resigned within days.",
		Won:       true, Sources: []string{"https://en.wikipedia.org/wiki/History_of_Reddit"}}},
	{"free-basics-2016", Input{Platform: "Free Basics", Year: 2016, Title: "Free Basics banned in India",
		Community: "Indian net neutrality activists and users",
		Tactics:   []string{"protest", "lobbying", "complaint"},
		Outcome:   "Real-life protests and a general mobilization against the introduction of Free Basics in India led to its ban by the telecommunication authority TRAI, over net neutrality and privacy concerns.",
		Won:       true, Sources: []string{"https://en.wikipedia.org/wiki/Free_Basics"}}},
	{"faceblock-2018", Input{Platform: "Facebook", Year: 2018, Title: "The \"Faceblock\"",
		Community: "\"A couple of friends\" in several countries",
		Tactics:   []string{"boycott"}, Numbers: "24 hours, April 11, 2018",
		Outcome: "A 24-hour boycott of Instagram, Facebook and WhatsApp after the Cambridge Analytica scandal; nothing changed.",
		Won:     false, Sources: []string{"https://en.wikipedia.org/wiki/Facebook%E2%80%93Cambridge_Analytica_data_scandal"}}},
	{"facebook-strikes-2018", Input{Platform: "Facebook", Year: 2018, Title: "The 2018 Facebook users' strikes",
		Community: "Individuals: a journalist, a pseudonymous \"Odd Bert\", anonymous users",
		Tactics:   []string{"strike"}, Numbers: "calls for May 1, May 18 and May 25 – June 1, 2018",
		Outcome: "Calls to log out, launched by individuals rather than existing communities, relying on the strike alone and engaging no official or regulator; no demand was met.",
		Won:     false, Sources: []string{"https://en.wikipedia.org/wiki/Facebook%E2%80%93Cambridge_Analytica_data_scandal"}}},
}

// Seed adds the seed's cases that are missing (by slug), in one
// transaction: at every start it adds nothing once they are there.
func Seed(ctx context.Context, db *store.DB) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		for _, s := range seeded {
			in := s.Input
			if err := in.Normalize(tx.Now); err != nil {
				return err
			}
			if err := insert(ctx, tx, &Case{Slug: s.Slug, Platform: in.Platform, Year: in.Year, Title: in.Title,
				Community: in.Community, Tactics: in.Tactics, Numbers: in.Numbers, Outcome: in.Outcome, Won: in.Won,
				Sources: in.Sources}, true); err != nil {
				return err
			}
		}
		return nil
	})
}
