package tag

import (
	"context"
	"strconv"
	"strings"

	"repertoire"
	"repertoire/internal/api"
	"repertoire/internal/community"
	"repertoire/internal/store"
)

// The tags and taggings tables.

var (
	errTagNotFound     = repertoire.Errorf(repertoire.ENOTFOUND, "tag.not_found")
	errTaggingNotFound = repertoire.Errorf(repertoire.ENOTFOUND, "tag.tagging_not_found")
)

// exportSQL is a person's taggings, for their data export.
const exportSQL = `SELECT t.name AS tag, t.community_id, g.origin_system, g.created_at
	FROM taggings g JOIN tags t ON t.id = g.tag_id WHERE g.person_id = $1 ORDER BY g.created_at, g.id`

// TaggedIn is an SQL subquery selecting the people tagged with a tag of
// the communities the subquery communities selects.
func TaggedIn(communities string) string {
	return "SELECT person_id FROM taggings WHERE tag_id IN (SELECT id FROM tags WHERE community_id IN (" + communities + "))"
}

const tagColumns = `id, community_id, name, origin_system, created_at, modified_at`

func scanTag(r store.Scanner) (*Tag, error) {
	var t Tag
	if err := r.Scan(&t.ID, &t.CommunityID, &t.Name, &t.OriginSystem, &t.CreatedAt, &t.ModifiedAt); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ModifiedAt = t.CreatedAt.UTC(), t.ModifiedAt.UTC()
	return &t, nil
}

// getTag reads a tag by id.
func getTag(ctx context.Context, q store.Queryer, id string) (*Tag, error) {
	t, err := scanTag(q.QueryRowContext(ctx, `SELECT `+tagColumns+` FROM tags WHERE id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "tag.not_found")
	}
	return t, nil
}

// createTag adds a tag to a community; a name the community has, whatever
// its case, is a conflict on field.
func createTag(ctx context.Context, tx *store.Tx, communityID, name, origin, field string) (*Tag, error) {
	t := &Tag{ID: store.NewID(), CommunityID: communityID, Name: name, OriginSystem: origin, CreatedAt: tx.Now, ModifiedAt: tx.Now}
	_, err := tx.ExecContext(ctx, `INSERT INTO tags (id, community_id, name, name_key, origin_system, created_at, modified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, t.ID, communityID, name, key(name), origin, tx.Now)
	if store.IsUniqueViolation(err) {
		return nil, &repertoire.Error{Code: repertoire.ECONFLICT, Field: field, MessageID: "tag.name_taken"}
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return t, nil
}

// ensureTag is the community's tag of that name, created when missing.
func ensureTag(ctx context.Context, tx *store.Tx, communityID, name string) (*Tag, error) {
	_, err := tx.ExecContext(ctx, `INSERT INTO tags (id, community_id, name, name_key, origin_system, created_at, modified_at)
		VALUES ($1, $2, $3, $4, '', $5, $5) ON CONFLICT (community_id, name_key) DO NOTHING`,
		store.NewID(), communityID, name, key(name), tx.Now)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	t, err := scanTag(tx.QueryRowContext(ctx, `SELECT `+tagColumns+` FROM tags WHERE community_id = $1 AND name_key = $2`,
		communityID, key(name)))
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	return t, nil
}

// renameTag gives a tag a new name (a conflict on field when the
// community has it).
func renameTag(ctx context.Context, tx *store.Tx, id, name, field string) error {
	_, err := tx.ExecContext(ctx, `UPDATE tags SET name = $2, name_key = $3, modified_at = $4 WHERE id = $1`, id, name, key(name), tx.Now)
	if store.IsUniqueViolation(err) {
		return &repertoire.Error{Code: repertoire.ECONFLICT, Field: field, MessageID: "tag.name_taken"}
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// deleteTag deletes a tag and its taggings (the cascade).
func deleteTag(ctx context.Context, tx *store.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE id = $1`, id); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// listTags reads a page of tags, by name: every community's with
// organizerID "" (an administrator), else those of the communities they
// run; with names, only those named so (whatever the case).
func listTags(ctx context.Context, q store.Queryer, organizerID string, names []string, dates api.Filter, limit, offset int) ([]*Tag, int, error) {
	var conds []string
	var args store.Args
	if organizerID != "" {
		args = append(args, organizerID)
		conds = append(conds, `community_id IN (`+community.OrganizedBy("$1")+`)`)
	}
	for _, n := range names {
		args = append(args, key(n))
		conds = append(conds, `name_key = $`+strconv.Itoa(len(args)))
	}
	conds = append(conds, dates.Where("created_at", "modified_at", args.Add)...)
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tags`+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	n := len(args)
	rows, err := q.QueryContext(ctx, `SELECT `+tagColumns+` FROM tags`+where+` ORDER BY name_key, id LIMIT $`+strconv.Itoa(n+1)+
		` OFFSET $`+strconv.Itoa(n+2), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Tag
	for rows.Next() {
		t, err := scanTag(rows)
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

const taggingColumns = `id, tag_id, person_id, origin_system, created_at, modified_at`

func scanTagging(r store.Scanner) (*Tagging, error) {
	var g Tagging
	if err := r.Scan(&g.ID, &g.TagID, &g.PersonID, &g.OriginSystem, &g.CreatedAt, &g.ModifiedAt); err != nil {
		return nil, err
	}
	g.CreatedAt, g.ModifiedAt = g.CreatedAt.UTC(), g.ModifiedAt.UTC()
	return &g, nil
}

// tagPerson tags the person once: created tells a new tagging from the one
// they had.
func tagPerson(ctx context.Context, tx *store.Tx, tagID, personID, origin string) (*Tagging, bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO taggings (id, tag_id, person_id, origin_system, created_at, modified_at)
		VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (tag_id, person_id) DO NOTHING`, store.NewID(), tagID, personID, origin, tx.Now)
	if err != nil {
		return nil, false, repertoire.Internal(err)
	}
	n, _ := res.RowsAffected()
	g, err := scanTagging(tx.QueryRowContext(ctx, `SELECT `+taggingColumns+` FROM taggings WHERE tag_id = $1 AND person_id = $2`, tagID, personID))
	if err != nil {
		return nil, false, repertoire.Internal(err)
	}
	return g, n > 0, nil
}

// untagByName removes the person's tagging with the community's tag of
// that name key, when they have it.
func untagByName(ctx context.Context, tx *store.Tx, communityID, personID, nameKey string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM taggings WHERE person_id = $1
		AND tag_id IN (SELECT id FROM tags WHERE community_id = $2 AND name_key = $3)`, personID, communityID, nameKey)
	if err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// getTagging reads one of a tag's taggings.
func getTagging(ctx context.Context, q store.Queryer, tagID, id string) (*Tagging, error) {
	g, err := scanTagging(q.QueryRowContext(ctx, `SELECT `+taggingColumns+` FROM taggings WHERE id = $1 AND tag_id = $2`, id, tagID))
	if err != nil {
		return nil, store.NotFound(err, "tag.tagging_not_found")
	}
	return g, nil
}

// deleteTagging removes one of a tag's taggings.
func deleteTagging(ctx context.Context, tx *store.Tx, tagID, id string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM taggings WHERE id = $1 AND tag_id = $2`, id, tagID)
	if err != nil {
		return repertoire.Internal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errTaggingNotFound
	}
	return nil
}

// listTaggings reads a page of taggings, oldest first, and how many there
// are: where is a condition on the taggings (alias g) with its arguments.
func listTaggings(ctx context.Context, q store.Queryer, where string, args []any, limit, offset int) ([]*Tagging, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM taggings g WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	n := len(args)
	rows, err := q.QueryContext(ctx, `SELECT `+taggingColumns+` FROM taggings g WHERE `+where+` ORDER BY g.created_at, g.id LIMIT $`+
		strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Tagging
	for rows.Next() {
		g, err := scanTagging(rows)
		if err != nil {
			return nil, 0, repertoire.Internal(err)
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, repertoire.Internal(err)
	}
	return out, total, nil
}

// ofTag is the listTaggings condition of one tag's taggings.
func ofTag(tagID string) (string, []any) { return `g.tag_id = $1`, []any{tagID} }

// ofPerson is the listTaggings condition of a person's taggings: every
// one with organizerID "" (an administrator), else those with the tags of
// the communities they run.
func ofPerson(personID, organizerID string) (string, []any) {
	if organizerID == "" {
		return `g.person_id = $1`, []any{personID}
	}
	return `g.person_id = $1 AND g.tag_id IN (SELECT id FROM tags WHERE community_id IN (` + community.OrganizedBy("$2") + `))`,
		[]any{personID, organizerID}
}
