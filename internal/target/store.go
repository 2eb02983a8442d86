package target

import (
	"context"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/store"
)

// The targets and target_imports tables.

var errNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "target.not_found")

// Store reads and writes the directory: what other capabilities call.
type Store struct{ db *store.DB }

// NewStore is the directory over db.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

const columns = `id, source, slug, COALESCE(community_id, ''), kind, role, name, other_names, title, organization,
	countries, languages, email, postal_address, web_form, phone, website, lead_authority_id, created_at, modified_at`

func scan(r store.Scanner) (*Target, error) {
	var t Target
	var names, countries, languages string
	if err := r.Scan(&t.ID, &t.Source, &t.Slug, &t.CommunityID, &t.Kind, &t.Role, &t.Name, &names, &t.Title, &t.Organization,
		&countries, &languages, &t.Email, &t.PostalAddress, &t.WebForm, &t.Phone, &t.Website, &t.LeadAuthorityID, &t.CreatedAt, &t.ModifiedAt); err != nil {
		return nil, err
	}
	t.OtherNames = splitLines(names)
	t.Countries = strings.Fields(countries)
	t.Languages = strings.Fields(languages)
	t.CreatedAt, t.ModifiedAt = t.CreatedAt.UTC(), t.ModifiedAt.UTC()
	return &t, nil
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// spaced is a list kept as " A B ", so that LIKE '% A %' finds a member.
func spaced(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return " " + strings.Join(items, " ") + " "
}

// searchText is what a search matches: every name, the slug, the
// organization and title, lower-cased.
func searchText(t *Target) string {
	parts := append([]string{t.Name, t.Slug, t.Organization, t.Title}, t.OtherNames...)
	return strings.ToLower(strings.Join(parts, "\n"))
}

// Get reads a target by id ("repertoire:<id>" too).
func (s *Store) Get(ctx context.Context, id string) (*Target, error) {
	t, err := scan(s.db.Reader().QueryRowContext(ctx, `SELECT `+columns+` FROM targets WHERE id = $1`, api.ParseID(id)))
	if err != nil {
		return nil, store.NotFound(err, "target.not_found")
	}
	return t, nil
}

// BySlug reads a directory target by its source's slug ("iedpc",
// "facebook" in SourceDatenanfragen).
func (s *Store) BySlug(ctx context.Context, source, slug string) (*Target, error) {
	t, err := scan(s.db.Reader().QueryRowContext(ctx, `SELECT `+columns+` FROM targets WHERE source = $1 AND slug = $2`, source, slug))
	if err != nil {
		return nil, store.NotFound(err, "target.not_found")
	}
	return t, nil
}

// Query selects targets: every condition given must hold.
type Query struct {
	Text    string // in a name, the slug, organization or title, whatever the case
	Kind    string
	Role    string
	Country string // ISO 3166-1 alpha-2: the targets that list it
	Name    string // the exact name
	// ViewerID is whose community targets are seen besides the global
	// ones: "" sees the global ones only. All sees every target (an
	// administrator).
	ViewerID string
	All      bool
	// CommunityID keeps the targets of that community only (the
	// organizers' own).
	CommunityID string
	Filter      api.Filter // created_date, modified_date
	Limit       int        // 0: 100
	Offset      int
}

// Find returns a page of the targets q selects, by name, and how many
// there are in all.
func (s *Store) Find(ctx context.Context, q Query) ([]*Target, int, error) {
	var conds []string
	var args store.Args
	arg := args.Add
	if !q.All {
		c := "community_id IS NULL"
		if q.ViewerID != "" {
			c = "(community_id IS NULL OR community_id IN (" + community.MemberOf(arg(q.ViewerID)) + "))"
		}
		conds = append(conds, c)
	}
	if q.CommunityID != "" {
		conds = append(conds, "community_id = "+arg(q.CommunityID))
	}
	if t := strings.ToLower(strings.TrimSpace(q.Text)); t != "" {
		conds = append(conds, "search_text LIKE "+arg("%"+store.EscapeLike(t)+"%")+" ESCAPE '\\'")
	}
	if q.Kind != "" {
		conds = append(conds, "kind = "+arg(q.Kind))
	}
	if q.Role != "" {
		conds = append(conds, "role = "+arg(q.Role))
	}
	if q.Country != "" {
		conds = append(conds, "countries LIKE "+arg("% "+store.EscapeLike(strings.ToUpper(q.Country))+" %")+" ESCAPE '\\'")
	}
	if q.Name != "" {
		conds = append(conds, "name = "+arg(q.Name))
	}
	conds = append(conds, q.Filter.Where("created_at", "modified_at", arg)...)
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	r := s.db.Reader()
	var total int
	if err := r.QueryRowContext(ctx, `SELECT COUNT(*) FROM targets`+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	rows, err := r.QueryContext(ctx, `SELECT `+columns+` FROM targets`+where+` ORDER BY name, id LIMIT `+arg(limit)+` OFFSET `+arg(q.Offset), args...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Target
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	return out, total, nil
}

// Authorities are the data protection authorities of a country (ISO
// 3166-1 alpha-2): where a complaint about a company there goes.
func (s *Store) Authorities(ctx context.Context, country string) ([]*Target, error) {
	ts, _, err := s.Find(ctx, Query{Kind: KindRegulator, Role: RoleDataProtection, Country: country})
	return ts, err
}

// LeadAuthority is a company's lead supervisory authority: the one set
// on it, else the only data protection authority of the country it is
// established in (EstablishmentCountry); Authority is nil when neither
// says.
func (s *Store) LeadAuthority(ctx context.Context, company *Target) (Lead, error) {
	if company.LeadAuthorityID != "" {
		t, err := s.Get(ctx, company.LeadAuthorityID)
		if repertoire.ErrorCode(err) != repertoire.ENOTFOUND {
			return Lead{Authority: t}, err
		}
	}
	country := EstablishmentCountry(company)
	if country == "" || company.Kind != KindCompany {
		return Lead{}, nil
	}
	as, err := s.Authorities(ctx, country)
	if err != nil || len(as) != 1 {
		return Lead{Country: country}, err
	}
	return Lead{Authority: as[0], Derived: true, Country: country}, nil
}

// authorityRef resolves what names a lead authority (an id, or a
// directory slug: "iedpc") to a data protection authority's id; ""
// clears it.
func (s *Store) authorityRef(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", nil
	}
	t, err := s.BySlug(ctx, SourceDatenanfragen, ref)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		t, err = s.Get(ctx, ref)
	}
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND || (err == nil && (t.Kind != KindRegulator || t.Role != RoleDataProtection || !t.Global())) {
		return "", repertoire.Invalid("lead_authority_id", "target.bad_lead_authority", nil)
	}
	if err != nil {
		return "", err
	}
	return t.ID, nil
}

// SetLeadAuthority sets a company's lead authority (ref: an id or a
// directory slug; "" to derive it again), the directory's rows too: the
// data names none, and a re-import keeps it.
func (s *Store) SetLeadAuthority(ctx context.Context, id, ref string) (*Target, error) {
	authority, err := s.authorityRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE targets SET lead_authority_id = $1, modified_at = $2 WHERE id = $3 AND kind = $4`,
			authority, tx.Now, id, KindCompany)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return repertoire.Invalid("lead_authority_id", "target.lead_authority_company", nil)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t, err := scan(s.db.Writer().QueryRowContext(ctx, `SELECT `+columns+` FROM targets WHERE id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "target.not_found")
	}
	return t, nil
}

// Create adds an organizer's target to a community ("" for a global one,
// which only an administrator may add: the caller checks).
func (s *Store) Create(ctx context.Context, communityID string, in Input) (*Target, error) {
	if err := s.normalize(ctx, &in); err != nil {
		return nil, err
	}
	var t *Target
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		id := store.NewID()
		t = fromInput(in)
		t.ID, t.Slug, t.CommunityID, t.CreatedAt, t.ModifiedAt = id, id, communityID, tx.Now, tx.Now
		_, err := tx.ExecContext(ctx, `INSERT INTO targets (id, source, slug, community_id, kind, role, name, other_names, title,
			organization, countries, languages, email, postal_address, web_form, phone, website, search_text, created_at, modified_at,
			lead_authority_id)
			VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19)`,
			t.ID, t.Slug, nullable(communityID), t.Kind, t.Role, t.Name, strings.Join(t.OtherNames, "\n"), t.Title, t.Organization,
			spaced(t.Countries), spaced(t.Languages), t.Email, t.PostalAddress, t.WebForm, t.Phone, t.Website, searchText(t), tx.Now,
			t.LeadAuthorityID)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	return t, err
}

// Update rewrites an organizer's target; the directory's own rows are
// the import's (the caller refuses them).
func (s *Store) Update(ctx context.Context, id string, in Input) (*Target, error) {
	if err := s.normalize(ctx, &in); err != nil {
		return nil, err
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		t := fromInput(in)
		t.Slug = id
		res, err := tx.ExecContext(ctx, `UPDATE targets SET kind = $2, role = $3, name = $4, other_names = $5, title = $6,
			organization = $7, countries = $8, languages = $9, email = $10, postal_address = $11, web_form = $12, phone = $13,
			website = $14, search_text = $15, modified_at = $16, lead_authority_id = $17 WHERE id = $1 AND source = ''`,
			id, t.Kind, t.Role, t.Name, strings.Join(t.OtherNames, "\n"), t.Title, t.Organization, spaced(t.Countries),
			spaced(t.Languages), t.Email, t.PostalAddress, t.WebForm, t.Phone, t.Website, searchText(t), tx.Now, t.LeadAuthorityID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	t, err := scan(s.db.Writer().QueryRowContext(ctx, `SELECT `+columns+` FROM targets WHERE id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "target.not_found")
	}
	return t, nil
}

// Delete removes an organizer's target.
func (s *Store) Delete(ctx context.Context, id string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM targets WHERE id = $1 AND source = ''`, id)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		return nil
	})
}

func fromInput(in Input) *Target {
	return &Target{Kind: in.Kind, Role: in.Role, Name: in.Name, OtherNames: in.OtherNames, Title: in.Title,
		Organization: in.Organization, Countries: in.Countries, Languages: in.Languages, Email: in.Email,
		PostalAddress: in.PostalAddress, WebForm: in.WebForm, Phone: in.Phone, Website: in.Website, LeadAuthorityID: in.LeadAuthority}
}

// normalize checks an organizer's input (Input.Normalize) and resolves
// its lead authority to an authority's id: only a company has one.
func (s *Store) normalize(ctx context.Context, in *Input) error {
	err := in.Normalize()
	es := repertoire.FieldErrors(err)
	if err != nil && len(es) == 0 {
		return err
	}
	if strings.TrimSpace(in.LeadAuthority) != "" {
		if in.Kind != KindCompany {
			es = append(es, repertoire.Invalid("lead_authority_id", "target.lead_authority_company", nil))
		} else if id, err := s.authorityRef(ctx, in.LeadAuthority); err != nil {
			if fes := repertoire.FieldErrors(err); len(fes) == 0 {
				return err
			}
			es = append(es, repertoire.FieldErrors(err)...)
		} else {
			in.LeadAuthority = id
		}
	}
	return es.Err()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// importedHash is the content hash last imported from source ("" when
// never).
func importedHash(ctx context.Context, q store.Queryer, source string) (string, error) {
	hs, err := store.Strings(ctx, q, `SELECT hash FROM target_imports WHERE source = $1`, source)
	if err != nil || len(hs) == 0 {
		return "", err
	}
	return hs[0], nil
}

// importChunk is how many targets one statement writes: 19 arguments
// each, under PostgreSQL's 65,535 and SQLite's 32,766.
const importChunk = 500

// upsertDirectory writes a source's targets, importChunk rows a
// statement (a known slug is rewritten, keeping its id), and records the
// hash of what was loaded.
func upsertDirectory(ctx context.Context, tx *store.Tx, source, hash string, ts []Target) error {
	const cols = 19
	for start := 0; start < len(ts); start += importChunk {
		chunk := ts[start:min(start+importChunk, len(ts))]
		args := make([]any, 0, len(chunk)*cols)
		for i := range chunk {
			t := &chunk[i]
			args = append(args, store.NewID(), source, t.Slug, t.Kind, t.Role, t.Name, strings.Join(t.OtherNames, "\n"), t.Title,
				t.Organization, spaced(t.Countries), spaced(t.Languages), t.Email, t.PostalAddress, t.WebForm, t.Phone, t.Website,
				searchText(t), tx.Now, tx.Now)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO targets (id, source, slug, kind, role, name, other_names, title, organization,
			countries, languages, email, postal_address, web_form, phone, website, search_text, created_at, modified_at)
			VALUES `+store.Rows(tx.Dialect, len(chunk), cols)+`
			ON CONFLICT (source, slug) DO UPDATE SET kind = excluded.kind, role = excluded.role, name = excluded.name,
			other_names = excluded.other_names, title = excluded.title, organization = excluded.organization,
			countries = excluded.countries, languages = excluded.languages, email = excluded.email,
			postal_address = excluded.postal_address, web_form = excluded.web_form, phone = excluded.phone,
			website = excluded.website, search_text = excluded.search_text, modified_at = excluded.modified_at`, args...)
		if err != nil {
			return repertoire.Internal(err)
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO target_imports (source, hash, rows_loaded, imported_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source) DO UPDATE SET hash = excluded.hash, rows_loaded = excluded.rows_loaded, imported_at = excluded.imported_at`,
		source, hash, len(ts), tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}
