package participation

import (
	"context"

	"repertoire/internal/account"
	"repertoire/internal/store"
)

// PersonData is the person's participations in their data export: what
// they took part in, its state, dates, comment and consents, and the links
// mailed for them after the first, with the choices each confirms. Never
// the IP address, the email domain kept for the rate limits, or a token
// hash. Each action's title comes from its tactic (Action.Titles).
// Their erasure takes their participations out of the counters (erase);
// the links go with the participations.
func (s *Service) PersonData() account.PersonData {
	return account.PersonData{Export: []account.ExportSection{{Name: "participations", Read: s.exportRows(exportSQL)},
		{Name: "participation_links", Read: s.exportRows(exportLinksSQL)}}, Erase: s.erase}
}

// exportRows reads a section of query, whose rows name their action by
// kind and action_id, and names the action by its title instead.
func (s *Service) exportRows(query string) func(ctx context.Context, q store.Queryer, personID string) ([]map[string]any, error) {
	return func(ctx context.Context, q store.Queryer, personID string) ([]map[string]any, error) {
		return s.titled(ctx, q, query, personID)
	}
}

func (s *Service) titled(ctx context.Context, q store.Queryer, query, personID string) ([]map[string]any, error) {
	rows, err := account.QueryMaps(ctx, q, query, personID)
	if err != nil {
		return nil, err
	}
	ids := map[Kind][]string{}
	for _, r := range rows {
		k, id := Kind(asString(r["kind"])), asString(r["action_id"])
		ids[k] = append(ids[k], id)
	}
	titles := map[string]string{}
	for k, list := range ids {
		a := s.action(k)
		if a == nil {
			continue
		}
		t, err := a.Titles(ctx, q, list)
		if err != nil {
			return nil, err
		}
		for id, title := range t {
			titles[id] = title
		}
	}
	for _, r := range rows {
		r["action_title"] = titles[asString(r["action_id"])]
		delete(r, "action_id")
	}
	return rows, nil
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

// TitlesOf reads (id, title) rows for ids with a tactic's query, whose list
// is "IN $ids" (store.EachByID): what each tactic's Titles runs.
func TitlesOf(ctx context.Context, q store.Queryer, query string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	err := store.EachByID(ctx, q, query, ids, func(r store.Scanner) error {
		var id, title string
		if err := r.Scan(&id, &title); err != nil {
			return err
		}
		out[id] = title
		return nil
	})
	return out, err
}
