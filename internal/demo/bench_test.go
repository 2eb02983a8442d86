package demo_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"repertoire/internal/demo"
	"repertoire/internal/i18n"
	"repertoire/internal/store"
	"repertoire/internal/store/storetest"
)

// BenchmarkLoad times loading the demo into a fresh database, on each
// engine available (opening and migrating the database is not timed).
func BenchmarkLoad(b *testing.B) {
	engines := map[string]func(testing.TB) *store.DB{"sqlite": storetest.OpenSQLite}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines["postgres"] = storetest.OpenPostgres
	}
	for name, open := range engines {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			for range b.N {
				b.StopTimer()
				db := open(b)
				b.StartTimer()
				if err := demo.Load(ctx, db, i18n.MustLoad(), log); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
