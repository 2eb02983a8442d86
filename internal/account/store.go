package account

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/outbox"
	"repertoire/internal/store"
)

// The people table. A person's email status is the outbox's (it decides
// which mail goes out): it is read and written through outbox.

const personColumns = `p.id, p.email, p.given_name, p.family_name, p.locality, p.region, p.postal_code, p.country,
	p.preferred_language, p.custom_fields, p.origin_system, p.created_at, p.modified_at,
	a.person_id IS NOT NULL, a.confirmed_at IS NOT NULL, COALESCE(a.is_admin, FALSE), COALESCE(a.password_hash, '') <> ''`

const personFrom = ` FROM people p LEFT JOIN accounts a ON a.person_id = p.id `

func scanPerson(row interface{ Scan(...any) error }) (*Person, error) {
	var p Person
	var custom string
	err := row.Scan(&p.ID, &p.Email, &p.GivenName, &p.FamilyName, &p.Locality, &p.Region, &p.PostalCode, &p.Country,
		&p.PreferredLanguage, &custom, &p.OriginSystem, &p.CreatedAt, &p.ModifiedAt,
		&p.HasAccount, &p.Confirmed, &p.IsAdmin, &p.HasPassword)
	if err != nil {
		return nil, err
	}
	p.CustomFields = map[string]string{}
	json.Unmarshal([]byte(custom), &p.CustomFields) // written by us; a bad value reads as empty
	p.CreatedAt, p.ModifiedAt = p.CreatedAt.UTC(), p.ModifiedAt.UTC()
	return &p, nil
}

// readPerson reads one person and their email status.
func readPerson(ctx context.Context, q store.Queryer, where string, arg any) (*Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personColumns+personFrom+where, arg))
	if err != nil {
		return nil, store.NotFound(err, "person.not_found")
	}
	if p.EmailStatus, err = outbox.EmailStatus(ctx, q, p.ID); err != nil {
		return nil, err
	}
	return p, nil
}

// GetPerson reads a person by id.
func GetPerson(ctx context.Context, q store.Queryer, id string) (*Person, error) {
	return readPerson(ctx, q, `WHERE p.id = $1`, id)
}

// PersonByEmail reads a person by (normalized) email.
func PersonByEmail(ctx context.Context, q store.Queryer, email string) (*Person, error) {
	return readPerson(ctx, q, `WHERE p.email = $1`, NormalizeEmail(email))
}

// PeopleFilter selects people: each set field is one more condition.
type PeopleFilter struct {
	Email []Comparison // normalized addresses
	Dates api.Filter   // created_date and modified_date
	// Reach, when set, keeps the people the organizer OrganizerID reaches
	// (Handler.reachCondition).
	Reach       func(personCol, organizerArg string) string
	OrganizerID string
}

// Comparison is one condition of a filter: Op is an SQL operator
// (=, <>, <, <=, >, >=) and Value what it compares to.
type Comparison struct {
	Op    string
	Value any
}

var comparisonOps = []string{"=", "<>", "<", "<=", ">", ">="}

// listPeople reads one page of the people f selects, oldest first, and
// how many it selects in all.
func listPeople(ctx context.Context, q store.Queryer, f PeopleFilter, limit, offset int) ([]*Person, int, error) {
	var where []string
	var args store.Args
	for _, c := range []struct {
		column string
		cmp    []Comparison
	}{{"p.email", f.Email}} {
		for _, cmp := range c.cmp {
			if !slices.Contains(comparisonOps, cmp.Op) {
				return nil, 0, repertoire.Internal(errors.New("account: unknown comparison " + cmp.Op))
			}
			args = append(args, cmp.Value)
			where = append(where, c.column+" "+cmp.Op+" $"+strconv.Itoa(len(args)))
		}
	}
	where = append(where, f.Dates.Where("p.created_at", "p.modified_at", args.Add)...)
	if f.Reach != nil {
		args = append(args, f.OrganizerID)
		where = append(where, f.Reach("p.id", "$"+strconv.Itoa(len(args))))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p`+cond, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	n := len(args)
	rows, err := q.QueryContext(ctx, `SELECT `+personColumns+personFrom+cond+` ORDER BY p.created_at, p.id LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var people []*Person
	var ids []string
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		people = append(people, p)
		ids = append(ids, p.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	rows.Close()
	statuses, err := outbox.EmailStatuses(ctx, q, ids)
	if err != nil {
		return nil, 0, err
	}
	for _, p := range people {
		p.EmailStatus = statuses[p.ID]
	}
	return people, total, nil
}

// upsertRows bounds the people of one multi-row upsert: SQLite looks up
// numbered parameters by scanning, so statements with thousands of them
// get slow; fifty rows keep that cheap while sparing most per-statement
// overhead.
const upsertRows = 50

// upsertPeopleTail is the rule of UpsertPeople: what a person told us
// last wins, empty fields keep what we had.
const upsertPeopleTail = `
	ON CONFLICT (email) DO UPDATE SET
	given_name = CASE WHEN excluded.given_name <> '' THEN excluded.given_name ELSE people.given_name END,
	family_name = CASE WHEN excluded.family_name <> '' THEN excluded.family_name ELSE people.family_name END,
	locality = CASE WHEN excluded.locality <> '' THEN excluded.locality ELSE people.locality END,
	region = CASE WHEN excluded.region <> '' THEN excluded.region ELSE people.region END,
	postal_code = CASE WHEN excluded.postal_code <> '' THEN excluded.postal_code ELSE people.postal_code END,
	country = CASE WHEN excluded.country <> '' THEN excluded.country ELSE people.country END,
	modified_at = excluded.modified_at
	RETURNING id, email`

// UpsertPeople matches each person by email or creates them, inside tx,
// and returns their ids in the order of people. Non-empty fields overwrite
// what was stored: the latest thing a person told us about themselves
// wins; a new person gets the input's language and origin. Each input must
// have passed PersonInput.Validate. An address given twice is written once,
// with its last input (PostgreSQL refuses to update a row twice in one
// statement). Rows are written in email order, the order every writer
// takes its row locks in, fifty a statement.
func UpsertPeople(ctx context.Context, tx *store.Tx, people []PersonInput) ([]string, error) {
	last := make(map[string]int, len(people))
	emails := make([]string, 0, len(people))
	for i, in := range people {
		if in.Email == "" {
			return nil, repertoire.Internal(errors.New("account: a person without an address"))
		}
		if _, ok := last[in.Email]; !ok {
			emails = append(emails, in.Email)
		}
		last[in.Email] = i
	}
	slices.Sort(emails)
	ids := make(map[string]string, len(emails))
	for start := 0; start < len(emails); start += upsertRows {
		chunk := emails[start:min(start+upsertRows, len(emails))]
		args := make([]any, 0, len(chunk)*12)
		for _, e := range chunk {
			in := &people[last[e]]
			args = append(args, store.NewID(), e, in.GivenName, in.FamilyName, in.Locality, in.Region,
				in.PostalCode, in.Country, in.language(), in.origin(), tx.Now, tx.Now)
		}
		// Full chunks share their text: on SQLite store.Tx prepares it once.
		rows, err := tx.QueryContext(ctx, `INSERT INTO people (id, email, given_name, family_name, locality, region, postal_code, country,
			preferred_language, origin_system, created_at, modified_at) VALUES `+store.Rows(tx.Dialect, len(chunk), 12)+upsertPeopleTail, args...)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		for rows.Next() {
			var id, email string
			if err := rows.Scan(&id, &email); err != nil {
				rows.Close()
				return nil, repertoire.Internal(err)
			}
			ids[email] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, repertoire.Internal(err)
		}
	}
	out := make([]string, len(people))
	for i, in := range people {
		if out[i] = ids[in.Email]; out[i] == "" {
			return nil, repertoire.Internal(errors.New("account: a person was not upserted"))
		}
	}
	return out, nil
}

// errEmailInUse is the answer when another person has the address.
func errEmailInUse() *repertoire.Error {
	return repertoire.Errorf(repertoire.ECONFLICT, "account.email_in_use")
}

// updatePerson writes every field of p, its email status through the
// outbox when it is not the one stored (was). Another person's address is
// errEmailInUse.
func updatePerson(ctx context.Context, tx *store.Tx, p *Person, was string) error {
	custom, err := json.Marshal(p.CustomFields)
	if err != nil {
		return repertoire.Internal(err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE people SET email = $2, given_name = $3, family_name = $4, locality = $5, region = $6,
		postal_code = $7, country = $8, preferred_language = $9, custom_fields = $10, origin_system = $11, modified_at = $12
		WHERE id = $1`, p.ID, p.Email, p.GivenName, p.FamilyName, p.Locality, p.Region, p.PostalCode, p.Country,
		p.PreferredLanguage, string(custom), p.OriginSystem, tx.Now)
	if store.IsUniqueViolation(err) {
		return errEmailInUse()
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	if p.EmailStatus != was {
		return outbox.SetEmailStatus(ctx, tx, p.ID, p.EmailStatus)
	}
	return nil
}

// setProfile saves what a person edits on their own page.
func setProfile(ctx context.Context, tx *store.Tx, personID, given, family, lang string) error {
	_, err := tx.ExecContext(ctx, `UPDATE people SET given_name = $2, family_name = $3, preferred_language = $4, modified_at = $5 WHERE id = $1`,
		personID, given, family, lang, tx.Now)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// setLanguage makes lang the person's language.
func setLanguage(ctx context.Context, tx *store.Tx, personID, lang string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE people SET preferred_language = $2 WHERE id = $1`, personID, lang); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// setEmail gives the person a new address; another person's is
// errEmailInUse.
func setEmail(ctx context.Context, tx *store.Tx, personID, email string) error {
	_, err := tx.ExecContext(ctx, `UPDATE people SET email = $2, modified_at = $3 WHERE id = $1`, personID, email, tx.Now)
	if store.IsUniqueViolation(err) {
		return errEmailInUse()
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// deletePerson erases a person; the schema's cascades take what is theirs.
func deletePerson(ctx context.Context, tx *store.Tx, personID string) error {
	// A change of address someone else asked for, to this one: the link
	// mailed to it dies with it.
	if _, err := tx.ExecContext(ctx, `DELETE FROM mail_tokens WHERE new_email = (SELECT email FROM people WHERE id = $1)`, personID); err != nil {
		return repertoire.Internal(err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM people WHERE id = $1`, personID)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return repertoire.Errorf(repertoire.ENOTFOUND, "person.not_found")
	}
	return nil
}

// personToErase reads the address and name of the person about to be
// erased, locking their row first on PostgreSQL: the group-commit writers
// lock people before participations and counters, and so does an erasure.
func personToErase(ctx context.Context, tx *store.Tx, personID string) (email, name string, err error) {
	q := `SELECT email, given_name, family_name FROM people WHERE id = $1`
	if tx.Dialect == store.Postgres {
		q += ` FOR UPDATE`
	}
	var given, family string
	if err := tx.QueryRowContext(ctx, q, personID).Scan(&email, &given, &family); err != nil {
		return "", "", store.NotFound(err, "person.not_found")
	}
	return email, strings.TrimSpace(given + " " + family), nil
}

// Contact is what another capability needs to name or mail a person.
type Contact struct {
	ID         string
	Email      string
	GivenName  string
	FamilyName string
	Language   string
}

// Created reads when each of ids became a person of this instance (id →
// time), for the integrity checks' account age; unknown ids are left out.
func Created(ctx context.Context, q store.Queryer, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	err := store.EachByID(ctx, q, `SELECT id, created_at FROM people WHERE id IN $ids`, ids, func(r store.Scanner) error {
		var id string
		var at time.Time
		if err := r.Scan(&id, &at); err != nil {
			return repertoire.Internal(err)
		}
		out[id] = at.UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Contacts reads the people with the given ids (store.EachByID: a few
// hundred a statement, so a mailing to many people is one read per chunk);
// an unknown id is absent from the map. q may be a transaction, which
// reads what it wrote.
func Contacts(ctx context.Context, q store.Queryer, ids []string) (map[string]Contact, error) {
	out := make(map[string]Contact, len(ids))
	err := store.EachByID(ctx, q, `SELECT id, email, given_name, family_name, preferred_language FROM people WHERE id IN $ids`, ids,
		func(r store.Scanner) error {
			var c Contact
			if err := r.Scan(&c.ID, &c.Email, &c.GivenName, &c.FamilyName, &c.Language); err != nil {
				return repertoire.Internal(err)
			}
			out[c.ID] = c
			return nil
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
