package campaign_test

import (
	"context"
	"testing"

	"repertoire"
	"repertoire/internal/campaign"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
	"repertoire/internal/web"
)

// A campaign written in two languages keeps each version, and each reader
// reads theirs, falling back to the campaign's own.
func TestCampaignInTwoLanguages(t *testing.T) {
	cat := i18n.MustLoad()
	en, fr := cat.For("en"), cat.For("fr")
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)

		in := strike(cid)
		in.Language = "EN-gb"
		in.Translations = i18n.Translations{"fr": {"title": "Grève des usagers de Facebook, 1er mai 2018"},
			"en": {"title": "dropped: the columns hold English"}}
		in.Sections[0].Translations = i18n.Translations{"fr": {"title": "Transparence totale pour les électeurs"}}
		in.Sections[0].Demands[0].Translations = i18n.Translations{"fr": {"text": "Facebook dit quand il a découvert les publicités russes."}}
		c, err := s.Create(ctx, pid, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.Language != "en" || c.Translations.Get("en", "title") != "" || c.Translations.Get("fr", "title") == "" {
			t.Fatalf("stored: %q %v", c.Language, c.Translations)
		}
		cfr, cen := c.In(fr), c.In(en)
		if cfr.Title != "Grève des usagers de Facebook, 1er mai 2018" || cen.Title != in.Title {
			t.Errorf("titles: fr %q, en %q", cfr.Title, cen.Title)
		}
		if cfr.Summary != in.Summary { // not translated: the English one
			t.Errorf("French summary falls back: %q", cfr.Summary)
		}
		if cfr.Sections[0].Title != "Transparence totale pour les électeurs" || cfr.Sections[1].Title != in.Sections[1].Title {
			t.Errorf("sections in French: %q, %q", cfr.Sections[0].Title, cfr.Sections[1].Title)
		}
		if d := cfr.Sections[0].Demands[0]; d.Text != "Facebook dit quand il a découvert les publicités russes." || d.SectionTitle != cfr.Sections[0].Title {
			t.Errorf("demand in French: %q (%q)", d.Text, d.SectionTitle)
		}
		if c.Title != in.Title { // In copies
			t.Errorf("In changed the campaign: %q", c.Title)
		}

		// Switching the campaign to French and back: each version stays.
		lang := "fr"
		title := "Grève des usagers de Facebook, 1er mai 2018"
		tr := i18n.Translations{"en": {"title": in.Title, "summary": in.Summary}}
		c, err = s.Update(ctx, c.ID, campaign.CampaignPatch{Language: &lang, Title: &title, Translations: &tr})
		if err != nil {
			t.Fatal(err)
		}
		if c.Language != "fr" || c.In(en).Title != in.Title || c.In(fr).Title != title {
			t.Errorf("after switching to French: %q, en %q, fr %q", c.Language, c.In(en).Title, c.In(fr).Title)
		}

		// A demand's and a section's translations change on their own.
		d := c.Sections[1].Demands[0]
		dt := i18n.Translations{"en": {"text": "Facebook explains what personal data it uses."}}
		if _, err := s.EditDemand(ctx, pid, c.ID, d.ID, campaign.DemandPatch{Translations: &dt}); err != nil {
			t.Fatal(err)
		}
		st := i18n.Translations{"en": {"title": "Privacy"}}
		if err := s.RenameSection(ctx, c.ID, c.Sections[1].ID, "Vie privée", &st); err != nil {
			t.Fatal(err)
		}
		c, _ = s.Get(ctx, c.ID)
		if got := c.In(en).Sections[1]; got.Title != "Privacy" || got.Demands[0].Text != "Facebook explains what personal data it uses." {
			t.Errorf("section and demand in English: %q, %q", got.Title, got.Demands[0].Text)
		}
		if got := c.In(fr).Sections[1]; got.Title != "Vie privée" || got.Demands[0].Text != d.Text {
			t.Errorf("section and demand in French: %q, %q", got.Title, got.Demands[0].Text)
		}

		// Refused: a language the site does not speak, a translation too
		// long, in a language it does not speak; nothing is written.
		de := "de"
		bad := i18n.Translations{"fr": {"title": string(make([]rune, campaign.MaxTitle+1))}, "es": {"title": "Huelga"}}
		_, err = s.Update(ctx, c.ID, campaign.CampaignPatch{Language: &de, Translations: &bad})
		fields := map[string]string{}
		for _, e := range repertoire.FieldErrors(err) {
			fields[e.Field] = e.MessageID
		}
		for f, id := range map[string]string{"language": "field.bad_language", "translations.fr.title": "field.too_long", "translations": "field.bad_language"} {
			if fields[f] != id {
				t.Errorf("%s: %q, want %q (%v)", f, fields[f], id, fields)
			}
		}
		if again, _ := s.Get(ctx, c.ID); again.Language != "fr" || again.In(en).Title != in.Title {
			t.Errorf("a refused patch wrote: %q %q", again.Language, again.In(en).Title)
		}
	})
}

// A timeline entry the system writes is read in each reader's language;
// an organizer's own, and those written before, read as written.
func TestSystemTimelineEntriesReadInEachLanguage(t *testing.T) {
	cat := i18n.MustLoad()
	en, fr := cat.For("en"), cat.For("fr")
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		cid, pid := seedCommunity(t, db, "users", "public")
		s := campaign.NewStore(db)
		c, err := s.Create(ctx, pid, strike(cid))
		if err != nil {
			t.Fatal(err)
		}
		title := i18n.Versions("en", "Stop tracking us", i18n.Translations{"fr": {"title": "Arrêtez de nous pister"}}, "title")
		told := &campaign.Told{Title: i18n.Msg("petition.timeline.edited", "Title", title),
			Body: []i18n.Message{i18n.Msg("petition.timeline.goal", "Before", 1000, "After", 12000)}}
		err = db.Write(ctx, func(tx *store.Tx) error {
			return campaign.RecordUpdate(ctx, tx, pid, c.ID, campaign.UpdateInput{Title: told.Title.Render(en, nil), Told: told})
		})
		if err != nil {
			t.Fatal(err)
		}
		// A demand's status moved by a target's answer: its note too.
		note := i18n.Msg("letter.answer.note", "Target", "Facebook, Inc.")
		demand := c.Sections[0].Demands[0].ID
		err = db.Write(ctx, func(tx *store.Tx) error {
			return campaign.RecordDemandStatus(ctx, tx, pid, c.ID, demand, campaign.StatusChange{Status: campaign.StatusMet, Note: note.Render(en, nil), Told: &note})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddUpdate(ctx, pid, c.ID, campaign.UpdateInput{Title: "La grève est lancée", Body: "Rendez-vous le 1er mai."}); err != nil {
			t.Fatal(err)
		}
		c, _ = s.Get(ctx, c.ID)
		var auto, own campaign.Update
		for _, u := range c.Updates {
			if u.Told != nil {
				auto = u
			} else {
				own = u
			}
		}
		wantEN := en.T("petition.timeline.edited", "Title", "Stop tracking us")
		wantFR := fr.T("petition.timeline.edited", "Title", "Arrêtez de nous pister")
		if got := auto.In(en, "en"); got.Title != wantEN || got.Body != en.T("petition.timeline.goal", "Before", web.FormatNumber("en", 1000), "After", web.FormatNumber("en", 12000)) {
			t.Errorf("English reader: %q / %q", got.Title, got.Body)
		}
		frBody := fr.T("petition.timeline.goal", "Before", web.FormatNumber("fr", 1000), "After", web.FormatNumber("fr", 12000))
		if got := auto.In(fr, "en"); got.Title != wantFR || got.Body != frBody || wantFR == wantEN {
			t.Errorf("French reader: %q / %q, want %q / %q", got.Title, got.Body, wantFR, frBody)
		}
		if fr.T("letter.answer.note", "Target", "x") == en.T("letter.answer.note", "Target", "x") {
			t.Fatal("the note reads the same in both languages")
		}
		for _, l := range []*i18n.Localizer{en, fr} {
			h := c.In(l).Sections[0].Demands[0].History
			if got, want := h[len(h)-1].Note, l.T("letter.answer.note", "Target", "Facebook, Inc."); got != want {
				t.Errorf("%s: the status note %q, want %q", l.Lang, got, want)
			}
			if got := own.In(l, "en"); got.Title != "La grève est lancée" || got.Body != "Rendez-vous le 1er mai." {
				t.Errorf("%s: the organizer's own entry changed: %q", l.Lang, got.Title)
			}
		}
	})
}
