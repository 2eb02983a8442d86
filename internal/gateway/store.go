package gateway

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/store"
)

// Store holds consumers, their keys, policies, strikes and the access
// history.
type Store struct {
	db *store.DB
}

// NewStore builds the store.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// notifyChannel is the channel every instance hears of a change of a
// community's gateway on (a strike called or joined, a policy adopted, a
// key revoked); its payload is the community's id.
const notifyChannel = "repertoire_gateway_strike"

const consumerColumns = `id, community_id, name, purpose, licence, contact, pseudonym_key, created_at, modified_at`

func scanConsumer(row store.Scanner) (*Consumer, error) {
	var c Consumer
	var key string
	if err := row.Scan(&c.ID, &c.CommunityID, &c.Name, &c.Purpose, &c.Licence, &c.Contact, &key, &c.CreatedAt, &c.ModifiedAt); err != nil {
		return nil, err
	}
	c.pseudonyms, _ = hex.DecodeString(key)
	c.CreatedAt, c.ModifiedAt = c.CreatedAt.UTC(), c.ModifiedAt.UTC()
	return &c, nil
}

// lockState takes the community's strike lock in tx, on PostgreSQL (on
// SQLite the single writer already orders every transaction): shared by
// the transactions of allowed requests, exclusive for the one that calls
// or joins a strike. It is an advisory lock, whose queue is fair: a row
// lock FOR SHARE let a stream of readers starve the strike's update for
// seconds, an exclusive advisory lock waits only for the readers already
// in, and those arriving after it wait for its commit.
func lockState(ctx context.Context, tx *store.Tx, communityID string, exclusive bool) error {
	if tx.Dialect != store.Postgres {
		return nil
	}
	q := `SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 7))`
	if exclusive {
		q = `SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`
	}
	if _, err := tx.ExecContext(ctx, q, "gateway_state:"+communityID); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// ensureState gives the community its strike version row, which every
// allowed request's transaction reads.
func ensureState(ctx context.Context, tx *store.Tx, communityID string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_state (community_id, version) VALUES ($1, 0) ON CONFLICT (community_id) DO NOTHING`,
		communityID); err != nil {
		return repertoire.Internal(err)
	}
	return nil
}

// CreateConsumer registers a consumer of a community.
func (s *Store) CreateConsumer(ctx context.Context, communityID string, in ConsumerInput) (*Consumer, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_consumers (`+consumerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			id, communityID, in.Name, in.Purpose, in.Licence, in.Contact, hex.EncodeToString(key), tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		return ensureState(ctx, tx, communityID)
	})
	if err != nil {
		return nil, err
	}
	return s.Consumer(ctx, id)
}

// Consumer finds a consumer by id, with its keys.
func (s *Store) Consumer(ctx context.Context, id string) (*Consumer, error) {
	q := s.db.Reader()
	c, err := scanConsumer(q.QueryRowContext(ctx, `SELECT `+consumerColumns+` FROM gateway_consumers WHERE id = $1`, id))
	if err != nil {
		return nil, store.NotFound(err, "gateway.not_found")
	}
	rows, err := q.QueryContext(ctx, `SELECT id, name, created_at, revoked_at FROM gateway_keys WHERE consumer_id = $1 ORDER BY created_at, id`, id)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k Key
		var revoked sql.NullTime
		if err := rows.Scan(&k.ID, &k.Name, &k.CreatedAt, &revoked); err != nil {
			return nil, repertoire.Internal(err)
		}
		k.RevokedAt = store.TimePtr(revoked)
		c.Keys = append(c.Keys, k)
	}
	return c, rows.Err()
}

// Consumers lists a community's consumers, oldest first.
func (s *Store) Consumers(ctx context.Context, communityID string) ([]*Consumer, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT `+consumerColumns+` FROM gateway_consumers WHERE community_id = $1
		ORDER BY created_at, id`, communityID)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Consumer
	for rows.Next() {
		c, err := scanConsumer(rows)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateKey gives a consumer a new key and returns it, the one time it is
// shown: "<key id>.<secret>", of which only the secret's hash is kept.
func (s *Store) CreateKey(ctx context.Context, consumerID, name string) (string, error) {
	name = strings.TrimSpace(name)
	if len([]rune(name)) > MaxName {
		return "", repertoire.Invalid("name", "field.too_long", map[string]any{"Max": MaxName})
	}
	id, secret := store.NewID(), store.NewToken()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO gateway_keys (id, consumer_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			id, consumerID, name, store.HashToken(secret), tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id + "." + secret, nil
}

// RevokeKey revokes a consumer's key; it opens nothing from then on.
func (s *Store) RevokeKey(ctx context.Context, consumerID, keyID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE gateway_keys SET revoked_at = $1 WHERE id = $2 AND consumer_id = $3 AND revoked_at IS NULL`,
			tx.Now, keyID, consumerID)
		if err != nil {
			return repertoire.Internal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errNotFound
		}
		var communityID string
		if err := tx.QueryRowContext(ctx, `SELECT community_id FROM gateway_consumers WHERE id = $1`, consumerID).Scan(&communityID); err != nil {
			return repertoire.Internal(err)
		}
		return tx.Notify(ctx, notifyChannel, communityID) // every instance forgets the key at once
	})
}

var errBadKey = repertoire.Errorf(repertoire.EUNAUTHORIZED, "gateway.bad_key")

// ConsumerByKey finds the consumer a key opens: the key's row by id, its
// secret's hash compared in constant time; a revoked key opens nothing.
func (s *Store) ConsumerByKey(ctx context.Context, key string) (*Consumer, error) {
	id, secret, ok := strings.Cut(key, ".")
	if !ok || id == "" || secret == "" {
		return nil, errBadKey
	}
	var consumerID, hash string
	var revoked sql.NullTime
	err := s.db.Reader().QueryRowContext(ctx, `SELECT consumer_id, secret_hash, revoked_at FROM gateway_keys WHERE id = $1`, id).
		Scan(&consumerID, &hash, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errBadKey
	}
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(store.HashToken(secret))) != 1 || revoked.Valid {
		return nil, errBadKey
	}
	c, err := scanConsumer(s.db.Reader().QueryRowContext(ctx, `SELECT `+consumerColumns+` FROM gateway_consumers WHERE id = $1`, consumerID))
	if err != nil {
		return nil, store.NotFound(err, "gateway.bad_key")
	}
	return c, nil
}

const policyColumns = `id, community_id, consumer_id, categories, level, min_group, rate_per_min, items_per_day, purpose, starts_at, ends_at,
	decision_id, adopted_at, created_at`

func scanPolicy(row store.Scanner) (*Policy, error) {
	var p Policy
	var cats string
	var decision sql.NullString
	var adopted sql.NullTime
	if err := row.Scan(&p.ID, &p.CommunityID, &p.ConsumerID, &cats, &p.Level, &p.MinGroup, &p.RatePerMin, &p.ItemsPerDay, &p.Purpose,
		&p.StartsAt, &p.EndsAt, &decision, &adopted, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.Categories = strings.Split(cats, ",")
	p.DecisionID, p.AdoptedAt = decision.String, store.TimePtr(adopted)
	p.StartsAt, p.EndsAt, p.CreatedAt = p.StartsAt.UTC(), p.EndsAt.UTC(), p.CreatedAt.UTC()
	return &p, nil
}

func readPolicies(ctx context.Context, q store.Queryer, cond string, args ...any) ([]*Policy, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+policyColumns+` FROM gateway_policies WHERE `+cond+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Policy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ProposePolicy writes a policy for a consumer of the community; it takes
// effect only once a decision of kind data_policy adopted it.
func (s *Store) ProposePolicy(ctx context.Context, communityID string, in PolicyInput) (*Policy, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	c, err := s.Consumer(ctx, in.ConsumerID)
	if err != nil || c.CommunityID != communityID {
		return nil, repertoire.Invalid("consumer", "gateway.consumer_unknown", nil)
	}
	id := store.NewID()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO gateway_policies (id, community_id, consumer_id, categories, level, min_group, rate_per_min,
			items_per_day, purpose, starts_at, ends_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			id, communityID, in.ConsumerID, strings.Join(in.Categories, ","), in.Level, in.MinGroup, in.RatePerMin, in.ItemsPerDay,
			in.Purpose, in.StartsAt, in.EndsAt, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Policy(ctx, id)
}

// Policy finds a policy by id.
func (s *Store) Policy(ctx context.Context, id string) (*Policy, error) {
	ps, err := readPolicies(ctx, s.db.Reader(), `id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errNotFound
	}
	return ps[0], nil
}

// Policies lists a community's policies, adopted or proposed.
func (s *Store) Policies(ctx context.Context, communityID string) ([]*Policy, error) {
	return readPolicies(ctx, s.db.Reader(), `community_id = $1`, communityID)
}

// ConsumerPolicies lists the policies adopted for a consumer.
func (s *Store) ConsumerPolicies(ctx context.Context, consumerID string) ([]*Policy, error) {
	return readPolicies(ctx, s.db.Reader(), `consumer_id = $1 AND adopted_at IS NOT NULL`, consumerID)
}

// PolicyOf tells the community of a policy not yet adopted, for the
// decision that would adopt it; "" when there is none such.
func PolicyOf(ctx context.Context, q store.Queryer, id string) (string, error) {
	var communityID string
	err := q.QueryRowContext(ctx, `SELECT community_id FROM gateway_policies WHERE id = $1 AND adopted_at IS NULL`, id).Scan(&communityID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return communityID, nil
}

// AdoptPolicy puts a policy in force, in the transaction of the decision
// that passed it (decision's closing): the passed-decision hook of kind
// data_policy.
func AdoptPolicy(ctx context.Context, tx *store.Tx, policyID, decisionID string, at time.Time) error {
	var communityID string
	err := tx.QueryRowContext(ctx, `UPDATE gateway_policies SET decision_id = $1, adopted_at = $2 WHERE id = $3 AND adopted_at IS NULL
		RETURNING community_id`, decisionID, at, policyID).Scan(&communityID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // adopted already, or deleted
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	if err := ensureState(ctx, tx, communityID); err != nil {
		return err
	}
	return tx.Notify(ctx, notifyChannel, communityID) // in force at once on every instance
}

const strikeColumns = `s.id, s.community_id, s.scope, s.reason, s.starts_at, s.ends_at, s.decision_id, s.called_at, s.created_at,
	(SELECT COUNT(*) FROM gateway_strikers j WHERE j.strike_id = s.id)`

func scanStrike(row store.Scanner) (*Strike, error) {
	var st Strike
	var decision sql.NullString
	var called sql.NullTime
	if err := row.Scan(&st.ID, &st.CommunityID, &st.Scope, &st.Reason, &st.StartsAt, &st.EndsAt, &decision, &called, &st.CreatedAt,
		&st.Strikers); err != nil {
		return nil, err
	}
	st.DecisionID, st.CalledAt = decision.String, store.TimePtr(called)
	st.StartsAt, st.EndsAt, st.CreatedAt = st.StartsAt.UTC(), st.EndsAt.UTC(), st.CreatedAt.UTC()
	return &st, nil
}

func readStrikes(ctx context.Context, q store.Queryer, cond string, args ...any) ([]*Strike, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+strikeColumns+` FROM gateway_strikes s WHERE `+cond+` ORDER BY s.starts_at, s.id`, args...)
	if err != nil {
		return nil, repertoire.Internal(err)
	}
	defer rows.Close()
	var out []*Strike
	for rows.Next() {
		st, err := scanStrike(rows)
		if err != nil {
			return nil, repertoire.Internal(err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// ProposeStrike writes a data strike of the community; it denies nothing
// until a decision of kind data_strike calls it.
func (s *Store) ProposeStrike(ctx context.Context, communityID string, in StrikeInput) (*Strike, error) {
	if err := in.normalize(); err != nil {
		return nil, err
	}
	id := store.NewID()
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO gateway_strikes (id, community_id, scope, reason, starts_at, ends_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, communityID, in.Scope, in.Reason, in.StartsAt, in.EndsAt, tx.Now)
		if err != nil {
			return repertoire.Internal(err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Strike(ctx, id)
}

// Strike finds a strike by id.
func (s *Store) Strike(ctx context.Context, id string) (*Strike, error) {
	ss, err := readStrikes(ctx, s.db.Reader(), `s.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, errNotFound
	}
	return ss[0], nil
}

// Strikes lists a community's strikes, proposed, called and past.
func (s *Store) Strikes(ctx context.Context, communityID string) ([]*Strike, error) {
	return readStrikes(ctx, s.db.Reader(), `s.community_id = $1`, communityID)
}

// StrikeOf tells the community of a strike not yet called, for the
// decision that would call it; "" when there is none such.
func StrikeOf(ctx context.Context, q store.Queryer, id string) (string, error) {
	var communityID string
	err := q.QueryRowContext(ctx, `SELECT community_id FROM gateway_strikes WHERE id = $1 AND called_at IS NULL`, id).Scan(&communityID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", repertoire.Internal(err)
	}
	return communityID, nil
}

// CallStrike calls a strike in the transaction of the decision that
// passed it (the passed-decision hook of kind data_strike): it raises the
// community's strike version, which every allowed request's transaction
// reads, and notifies every instance once it commits.
func CallStrike(ctx context.Context, tx *store.Tx, strikeID, decisionID string, at time.Time) error {
	var communityID string
	err := tx.QueryRowContext(ctx, `UPDATE gateway_strikes SET decision_id = $1, called_at = $2 WHERE id = $3 AND called_at IS NULL
		RETURNING community_id`, decisionID, at, strikeID).Scan(&communityID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return repertoire.Internal(err)
	}
	return raiseVersion(ctx, tx, communityID)
}

// raiseVersion raises the community's strike version under its exclusive
// strike lock, and notifies every instance once tx commits.
func raiseVersion(ctx context.Context, tx *store.Tx, communityID string) error {
	if err := lockState(ctx, tx, communityID, true); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_state (community_id, version) VALUES ($1, 1)
		ON CONFLICT (community_id) DO UPDATE SET version = gateway_state.version + 1`, communityID); err != nil {
		return repertoire.Internal(err)
	}
	return tx.Notify(ctx, notifyChannel, communityID)
}

// JoinStrike adds a member to a strike of scope "joined". Joining a
// strike already called raises the version too, so that no instance serves
// the new striker's data after the commit.
func (s *Store) JoinStrike(ctx context.Context, strikeID, personID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		var communityID, scope string
		var called sql.NullTime
		var ends time.Time
		err := tx.QueryRowContext(ctx, `SELECT community_id, scope, called_at, ends_at FROM gateway_strikes WHERE id = $1`, strikeID).
			Scan(&communityID, &scope, &called, &ends)
		if err != nil {
			return store.NotFound(err, "gateway.not_found")
		}
		if scope != ScopeJoined || !tx.Now.Before(ends) {
			return repertoire.Errorf(repertoire.ECONFLICT, "gateway.strike_not_joinable")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gateway_strikers (strike_id, person_id, joined_at) VALUES ($1, $2, $3)
			ON CONFLICT (strike_id, person_id) DO NOTHING`, strikeID, personID, tx.Now); err != nil {
			return repertoire.Internal(err)
		}
		if !called.Valid {
			return nil
		}
		return raiseVersion(ctx, tx, communityID)
	})
}

// Joined tells which of the strikes the person joined.
func (s *Store) Joined(ctx context.Context, personID string) (map[string]bool, error) {
	ids, err := store.Strings(ctx, s.db.Reader(), `SELECT strike_id FROM gateway_strikers WHERE person_id = $1`, personID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// strikeState is what an instance knows of a community's strikes: the
// version it read, the strikes called, and the strikers of those of scope
// joined.
type strikeState struct {
	version  int64
	strikes  []*Strike
	strikers map[string]map[string]bool // strike id → person ids
}

// readState reads a community's strike state.
func readState(ctx context.Context, q store.Queryer, communityID string) (*strikeState, error) {
	st := &strikeState{strikers: map[string]map[string]bool{}}
	err := q.QueryRowContext(ctx, `SELECT version FROM gateway_state WHERE community_id = $1`, communityID).Scan(&st.version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, repertoire.Internal(err)
	}
	if st.strikes, err = readStrikes(ctx, q, `s.community_id = $1 AND s.called_at IS NOT NULL`, communityID); err != nil {
		return nil, err
	}
	for _, s := range st.strikes {
		if s.Scope != ScopeJoined {
			continue
		}
		ids, err := store.Strings(ctx, q, `SELECT person_id FROM gateway_strikers WHERE strike_id = $1`, s.ID)
		if err != nil {
			return nil, err
		}
		st.strikers[s.ID] = map[string]bool{}
		for _, id := range ids {
			st.strikers[s.ID][id] = true
		}
	}
	return st, nil
}

// stateVersion reads the version in an allowed request's transaction,
// under the community's shared strike lock: a strike being called waits
// for this transaction, or this one for the strike's commit.
func stateVersion(ctx context.Context, tx *store.Tx, communityID string) (int64, error) {
	if err := lockState(ctx, tx, communityID, false); err != nil {
		return 0, err
	}
	var v int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM gateway_state WHERE community_id = $1`, communityID).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, repertoire.Internal(err)
	}
	return v, nil
}
