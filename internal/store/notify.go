package store

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"repertoire"
)

// listeners are the in-process subscribers of the notifications of a
// SQLite database, by channel: there every instance is this process.
type listeners struct {
	mu sync.Mutex
	m  map[string]map[*func(string)]struct{}
}

// Notify tells every instance's listeners of channel (Listen) that the
// change committed by tx happened, with payload, once tx commits and only
// then: PostgreSQL's NOTIFY inside the transaction; on SQLite, the
// in-process listeners are called after the commit. A rolled-back
// transaction notifies nobody.
func (tx *Tx) Notify(ctx context.Context, channel, payload string) error {
	if tx.Dialect == Postgres {
		if _, err := tx.Tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, payload); err != nil {
			return repertoire.Internal(err)
		}
		return nil
	}
	tx.notes = append(tx.notes, note{channel, payload})
	return nil
}

type note struct{ channel, payload string }

// deliver calls the in-process listeners of the notes of a committed
// SQLite transaction.
func (db *DB) deliver(notes []note) {
	for _, n := range notes {
		db.listen.mu.Lock()
		fns := make([]func(string), 0, len(db.listen.m[n.channel]))
		for fn := range db.listen.m[n.channel] {
			fns = append(fns, *fn)
		}
		db.listen.mu.Unlock()
		for _, fn := range fns {
			fn(n.payload)
		}
	}
}

// Listen calls fn with the payload of every notification of channel
// (Tx.Notify), from this instance or another, until ctx ends. It calls
// fn("") first, once listening, and again after each reconnection, when
// notifications may have been missed: "" means "anything may have
// changed". On PostgreSQL it holds one connection of the pool, LISTENing;
// on SQLite the notifications are the process's own. It returns once
// listening has started (or failed to start).
func (db *DB) Listen(ctx context.Context, channel string, fn func(payload string)) error {
	if db.Dialect != Postgres {
		key := &fn
		db.listen.mu.Lock()
		if db.listen.m == nil {
			db.listen.m = map[string]map[*func(string)]struct{}{}
		}
		if db.listen.m[channel] == nil {
			db.listen.m[channel] = map[*func(string)]struct{}{}
		}
		db.listen.m[channel][key] = struct{}{}
		db.listen.mu.Unlock()
		fn("")
		go func() {
			<-ctx.Done()
			db.listen.mu.Lock()
			delete(db.listen.m[channel], key)
			db.listen.mu.Unlock()
		}()
		return nil
	}
	started := make(chan error, 1)
	go func() {
		first := true
		for ctx.Err() == nil {
			err := db.listenOnce(ctx, channel, fn, func() {
				if first {
					first = false
					started <- nil
				}
			})
			if first {
				first = false
				started <- err
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond): // the database restarting: try again
			}
		}
	}()
	return <-started
}

// listenOnce LISTENs on one connection until it fails or ctx ends.
func (db *DB) listenOnce(ctx context.Context, channel string, fn func(string), listening func()) error {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return Classify(repertoire.Internal(err))
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		// The connection goes back to the pool afterwards only if it stops
		// listening; a failed one is closed.
		defer func() {
			uctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if _, err := c.Exec(uctx, `UNLISTEN *`); err != nil {
				c.Close(uctx)
			}
		}()
		if _, err := c.Exec(ctx, `LISTEN "`+channel+`"`); err != nil {
			return err
		}
		listening()
		fn("")
		for {
			n, err := c.WaitForNotification(ctx)
			if err != nil {
				return err
			}
			fn(n.Payload)
		}
	})
}
