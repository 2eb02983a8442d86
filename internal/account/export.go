package account

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// ExportSection is one part of a person's data export: a query whose only
// argument ($1) is the person's id. Each capability that keeps something
// about people adds its sections (Handler.AddExport), so the export stays
// complete as participations are added.
type ExportSection struct {
	Name string
	One  bool // a single object (null when absent) instead of a list
	SQL  string
}

// exportSections are what this package and the foundation schema hold.
// Secrets (password hash, token hashes) are never selected.
func exportSections() []ExportSection {
	return []ExportSection{
		{Name: "person", One: true, SQL: `SELECT id, email, given_name, family_name, locality, region, postal_code, country,
			preferred_language, email_status, custom_fields, origin_system, created_at, modified_at FROM people WHERE id = $1`},
		{Name: "account", One: true, SQL: `SELECT created_at, confirmed_at, CASE WHEN is_admin THEN 'yes' ELSE 'no' END AS is_admin,
			CASE WHEN password_hash <> '' THEN 'yes' ELSE 'no' END AS has_password FROM accounts WHERE person_id = $1`},
		{Name: "sessions", One: true, SQL: `SELECT COUNT(*) AS active FROM sessions WHERE person_id = $1`},
		{Name: "api_tokens", SQL: `SELECT name, created_at, last_used_at FROM api_tokens WHERE person_id = $1 ORDER BY created_at`},
		{Name: "mail_links", SQL: `SELECT purpose, created_at, expires_at, used_at FROM mail_tokens WHERE person_id = $1 ORDER BY created_at`},
		{Name: "memberships", SQL: `SELECT c.slug AS community, c.name AS community_name, m.role, m.status, m.created_at, m.modified_at
			FROM memberships m JOIN communities c ON c.id = m.community_id WHERE m.person_id = $1 ORDER BY m.created_at`},
		{Name: "communities_created", SQL: `SELECT slug, name, created_at FROM communities WHERE created_by = $1 ORDER BY created_at`},
		{Name: "campaigns_created", SQL: `SELECT slug, title, created_at FROM campaigns WHERE created_by = $1 ORDER BY created_at`},
		{Name: "demand_status_changes", SQL: `SELECT d.text AS demand, s.status, s.note, s.evidence_url, s.changed_at
			FROM demand_status_changes s JOIN demands d ON d.id = s.demand_id WHERE s.changed_by = $1 ORDER BY s.changed_at`},
		{Name: "campaign_updates", SQL: `SELECT c.slug AS campaign, u.title, u.published_at
			FROM campaign_updates u JOIN campaigns c ON c.id = u.campaign_id WHERE u.created_by = $1 ORDER BY u.published_at`},
		{Name: "mails", SQL: `SELECT subject, status, created_at, sent_at FROM outbox
			WHERE person_id = $1 OR to_address = (SELECT email FROM people WHERE id = $1) ORDER BY created_at`},
	}
}

// AddExport adds sections to the data export (called while wiring the
// server, before it serves).
func (h *Handler) AddExport(sections ...ExportSection) {
	h.exports = append(h.exports, sections...)
}

// Export gathers everything Repertoire holds about a person.
func (h *Handler) Export(ctx context.Context, personID string) (map[string]any, error) {
	q := h.db.Reader()
	out := map[string]any{"exported_at": api.Time(store.Now())}
	for _, s := range append(exportSections(), h.exports...) {
		rows, err := queryMaps(ctx, q, s.SQL, personID)
		if err != nil {
			return nil, err
		}
		switch {
		case !s.One:
			out[s.Name] = rows
		case len(rows) > 0:
			out[s.Name] = rows[0]
		default:
			out[s.Name] = nil
		}
	}
	return out, nil
}

// queryMaps reads rows as column → value maps, the same on both engines.
func queryMaps(ctx context.Context, q store.Queryer, query string, args ...any) ([]map[string]any, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, repertoire.Internal(err)
		}
		m := map[string]any{}
		for i, c := range cols {
			switch v := vals[i].(type) {
			case []byte:
				m[c] = string(v)
			case time.Time:
				m[c] = api.Time(v)
			default:
				m[c] = v
			}
		}
		if cf, ok := m["custom_fields"].(string); ok && json.Valid([]byte(cf)) { // stored as JSON text
			m["custom_fields"] = json.RawMessage(cf)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, repertoire.Internal(err)
	}
	return out, nil
}

func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	v := web.RequireViewer(w, r)
	if v == nil {
		return
	}
	data, err := h.Export(r.Context(), v.PersonID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="repertoire-my-data.json"`)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(data)
}
