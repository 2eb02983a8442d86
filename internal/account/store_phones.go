package account

import (
	"context"
	"database/sql"

	"repertoire"
	"repertoire/internal/store"
)

// The phone_numbers table: a person's numbers, erased with them.

const phoneColumns = `person_id, number, is_primary, number_type, extension, description, operator, country, sms_capable, do_not_call, status`

// phonesOf reads the numbers of the people with the given ids, primary
// first then in the order they were given.
func phonesOf(ctx context.Context, q store.Queryer, ids []string) (map[string][]Phone, error) {
	out := map[string][]Phone{}
	err := store.EachByID(ctx, q, `SELECT `+phoneColumns+` FROM phone_numbers WHERE person_id IN $ids
		ORDER BY person_id, is_primary DESC, created_at, id`, ids, func(r store.Scanner) error {
		var p Phone
		var person string
		var sms sql.NullBool
		if err := r.Scan(&person, &p.Number, &p.Primary, &p.NumberType, &p.Extension, &p.Description, &p.Operator,
			&p.Country, &sms, &p.DoNotCall, &p.Status); err != nil {
			return repertoire.Internal(err)
		}
		if sms.Valid {
			p.SMSCapable = &sms.Bool
		}
		out[person] = append(out[person], p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// savePhones writes the person's numbers: each upserted by number (the
// list is what mergePhones made of the stored ones and those sent).
func savePhones(ctx context.Context, tx *store.Tx, personID string, phones []Phone) error {
	for _, p := range phones {
		var sms any
		if p.SMSCapable != nil {
			sms = *p.SMSCapable
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO phone_numbers (id, `+phoneColumns+`, created_at, modified_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
			ON CONFLICT (person_id, number) DO UPDATE SET is_primary = excluded.is_primary, number_type = excluded.number_type,
			extension = excluded.extension, description = excluded.description, operator = excluded.operator,
			country = excluded.country, sms_capable = excluded.sms_capable, do_not_call = excluded.do_not_call,
			status = excluded.status, modified_at = excluded.modified_at`,
			store.NewID(), personID, p.Number, p.Primary, p.NumberType, p.Extension, p.Description, p.Operator, p.Country,
			sms, p.DoNotCall, p.Status, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
	}
	return nil
}
