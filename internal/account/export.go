package account

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
	"repertoire/internal/web"
)

// ExportSection is one part of a person's data export: a query of its
// owner's store whose argument ($1) is the person's id, or a Read of rows
// the owner completes in Go. Each capability that keeps something about
// people gives its sections (PersonData), so the export stays complete as
// capabilities are added.
type ExportSection struct {
	Name      string
	One       bool // a single object (null when absent) instead of a list
	SQL       string
	WithEmail bool // the query also takes the person's address ($2): mail sent before they were known
	// Read, when set, is used instead of SQL.
	Read func(ctx context.Context, q store.Queryer, personID string) ([]map[string]any, error)
}

// Export gathers everything Repertoire holds about a person.
func (h *Handler) Export(ctx context.Context, personID string) (map[string]any, error) {
	q := h.db.Reader()
	out := map[string]any{"exported_at": api.Time(store.Now())}
	email, err := exportEmail(ctx, q, personID)
	if err != nil {
		return nil, err
	}
	sections := exportSections()
	for _, d := range h.kept {
		sections = append(sections, d.Export...)
	}
	for _, s := range sections {
		args := []any{personID}
		if s.WithEmail {
			args = append(args, email)
		}
		var rows []map[string]any
		if s.Read != nil {
			rows, err = s.Read(ctx, q, personID)
		} else {
			rows, err = QueryMaps(ctx, q, s.SQL, args...)
		}
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
	// The email status is the outbox's: it joins the person as it always
	// has.
	if person, ok := out["person"].(map[string]any); ok {
		status, err := outbox.EmailStatus(ctx, q, personID)
		if err != nil {
			return nil, err
		}
		person["email_status"] = status
	}
	return out, nil
}

// QueryMaps reads rows as column → value maps, the same on both engines
// (the rows of an export section).
func QueryMaps(ctx context.Context, q store.Queryer, query string, args ...any) ([]map[string]any, error) {
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
