#!/bin/sh
# Load run of the signing path: builds repertoire, starts it on a fresh
# SQLite file (and on PostgreSQL when a DSN is given), and for each tactic of
# TACTICS (petition, pledge) creates one through the API and takes part in
# it, confirms and views it for DURATION per path of PATHS: api (the record
# helper), form (the page's form, posted as a browser does) or both (taking
# turns in phases of PHASE, figures side by side).
# Viewers ask for the page VIEW_RATE times a second in all (0: as often as
# they can); signers sign again as soon as they are answered, or, with
# SIGN_RATE, send that many submissions a second in all whatever the answers'
# pace (latency then counts from when each was due).
# LOG=on (the default) keeps the transparency log, LOG=off runs without it
# (serve --no-log), LOG=both runs each tactic off then on, each on a fresh
# database, so the log's cost is read from one run. SQLITE=off skips the
# SQLite runs (PostgreSQL only).
#
#   bench/run.sh [postgres://…]
#   DURATION=60s SIGNERS=256 VIEWERS=32 VIEW_RATE=5000 SIGN_RATE=0 bench/run.sh
#   PATHS=both TACTICS="petition pledge" DURATION=20s SIGNERS=64 bench/run.sh postgres://…
# The server trusts the load generator as its reverse proxy
# (--trusted-proxy 127.0.0.1/32): each submission names, in
# X-Forwarded-For, an address of the public Internet drawn at random, with
# a common mail provider and browser (bench/load -origins), so that the
# integrity review sees people, not one network; LOAD_FLAGS are added to
# the load's, e.g. LOAD_FLAGS="-farm 0.05" (a click farm's share).
# SERVE_FLAGS are added to serve's, e.g. SERVE_FLAGS="--integrity-every 2s"
# (the integrity review's incremental run) or "--integrity-every 0" (off).
# INTEGRITY lists values of --integrity-every to compare in one run (e.g.
# INTEGRITY="0 2s": off, then every 2 seconds), each on a fresh database,
# taking turns ROUNDS times (default 1) so that the machine's noise falls
# on each alike; read the medians of the rounds.
#   INTEGRITY="0 2s" ROUNDS=3 TACTICS=petition DURATION=20s VIEWERS=0 bench/run.sh postgres://…
# BASE names a git revision whose server runs the values of INTEGRITY
# written base:VALUE, taking turns with this tree's (the same load
# generator for both), e.g. main's detection against this one's:
#   BASE=main INTEGRITY="0 base:2s 2s" ROUNDS=3 TACTICS=petition DURATION=10s SIGNERS=64 VIEWERS=0 bench/run.sh
#   LOG=both TACTICS=petition DURATION=10s SIGNERS=64 VIEWERS=0 bench/run.sh postgres://…
# With LOAD_FLAGS="-confirmers 64" nearly every submission is confirmed by
# its mailed link, so nearly every one is a leaf of the log (the log's
# worst case on the path a crowd takes):
#   LOG=both TACTICS=petition DURATION=15s SIGNERS=64 VIEWERS=0 LOAD_FLAGS="-confirmers 64" bench/run.sh postgres://…
set -eu
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60s}
SIGNERS=${SIGNERS:-256}
VIEWERS=${VIEWERS:-32}
VIEW_RATE=${VIEW_RATE:-5000}
SIGN_RATE=${SIGN_RATE:-0}
PATHS=${PATHS:-api}
PHASE=${PHASE:-5s}
TACTICS=${TACTICS:-petition}
LOG=${LOG:-on}
SQLITE=${SQLITE:-on}
INTEGRITY=${INTEGRITY:-}
ROUNDS=${ROUNDS:-1}
case "$LOG" in
on | off) LOGS=$LOG ;;
both) LOGS="off on" ;;
*) echo "LOG is on, off or both" >&2; exit 2 ;;
esac
PORT=${PORT:-18080}
SMTP_PORT=${SMTP_PORT:-12525}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
go build -o "$work/repertoire" ./cmd/repertoire
go build -o "$work/load" ./bench/load
if [ -n "${BASE:-}" ]; then
	mkdir "$work/base"
	git archive "$BASE" | tar -x -C "$work/base"
	(cd "$work/base" && go build -o "$work/repertoire-base" ./cmd/repertoire)
fi

# run loads a fresh database: a server per tactic, so that one tactic's
# mails left in the outbox are not delivered during the next one's run.
run() {
	name=$1 dsn=$2 tactic=$3 log=$4 every=${5:-}
	bin="$work/repertoire"
	case "$every" in
	base:*) bin="$work/repertoire-base" every=${every#base:} name="$name-base" ;;
	esac
	integrity=""
	if [ -n "$every" ]; then
		integrity="--integrity-every $every"
		echo "== $name $tactic $PATHS log=$log integrity-every=$every"
	else
		echo "== $name $tactic $PATHS log=$log"
	fi
	nolog=""
	[ "$log" = off ] && nolog=--no-log
	"$bin" migrate --db "$dsn" >/dev/null
	printf 'bench password 1\n' | "$bin" user create --db "$dsn" --email "bench-$$@bench.example" --name Bench >/dev/null
	token=$("$bin" token create --db "$dsn" --email "bench-$$@bench.example")
	"$bin" serve --db "$dsn" --addr "127.0.0.1:$PORT" --smtp "smtp://127.0.0.1:$SMTP_PORT" --no-rate-limits --trusted-proxy 127.0.0.1/32 $nolog \
		$integrity ${SERVE_FLAGS:-} 2>"$work/$name-$tactic-$log.log" &
	server=$!
	for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
	cpu0=$(cpu "$dsn")
	"$work/load" -url "http://127.0.0.1:$PORT" -token "$token" -tactic "$tactic" -path "$PATHS" -phase "$PHASE" \
		-duration "$DURATION" -signers "$SIGNERS" -viewers "$VIEWERS" -view-rate "$VIEW_RATE" -sign-rate "$SIGN_RATE" \
		-smtp "127.0.0.1:$SMTP_PORT" ${LOAD_FLAGS:-} | tee "$work/out"
	cpu1=$(cpu "$dsn")
	# The CPU time the run cost (the server's, and on PostgreSQL its
	# backends'), a figure the load of others on a shared machine moves
	# less than the rates.
	awk -v a="$cpu0" -v b="$cpu1" '$2 == "submissions" { n += $3 } END {
		split(a, x); split(b, y); s = (y[1] - x[1]) / 100; p = (y[2] - x[2]) / 100
		printf "cpu               server %.1f s, postgres %.1f s, %.0f µs a submission\n", s, p, n ? (s + p) * 1e6 / n : 0 }' "$work/out"
	kill "$server"; wait "$server" 2>/dev/null || true
}

# cpu prints the clock ticks of CPU time spent by the server and, for a
# PostgreSQL DSN, by the backends serving it (those named by its
# application_name, found through $PGBASE): "server postgres".
cpu() {
	s=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$server/stat")
	p=0
	case "$1" in
	postgres*)
		for pid in $(psql "$PGBASE" -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = 'repertoire_bench_$$' AND pid <> pg_backend_pid()"); do
			t=$(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
			p=$((p + t))
		done ;;
	esac
	echo "$s $p"
}

# variants are the INTEGRITY values, or one run with serve's default.
variants=${INTEGRITY:-default}
[ "$SQLITE" = off ] || for round in $(seq "$ROUNDS"); do
	for tactic in $TACTICS; do
		for log in $LOGS; do
			for v in $variants; do
				every=$v
				[ "$v" = default ] && every=""
				db="$work/$tactic-$log-$(echo "$v" | tr -c 'a-z0-9\n' _)-$round.db"
				run sqlite "sqlite:$db" "$tactic" "$log" "$every"
				rm -f "$db" "$db-wal" "$db-shm"
			done
		done
	done
done
if [ $# -ge 1 ]; then
	# A schema of its own per tactic, dropped afterwards: mail left in
	# another run's outbox would otherwise be delivered (and confirmed)
	# first.
	schemas=""
	trap 'kill $server 2>/dev/null || true; for s in $schemas; do PGOPTIONS=--client-min-messages=warning psql "$1" -qc "DROP SCHEMA IF EXISTS $s CASCADE"; done; rm -rf "$work"' EXIT INT TERM
	case "$1" in *\?*) sep='&' ;; *) sep='?' ;; esac
	PGBASE=$1
	for round in $(seq "$ROUNDS"); do
		for tactic in $TACTICS; do
			for log in $LOGS; do
				for v in $variants; do
					every=$v
					[ "$v" = default ] && every=""
					schema="bench_$$_${tactic}_${log}_$(echo "$v" | tr -c 'a-z0-9\n' _)_$round"
					schemas="$schemas $schema"
					psql "$1" -qc "CREATE SCHEMA $schema"
					run postgres "$1${sep}search_path=$schema&application_name=repertoire_bench_$$" "$tactic" "$log" "$every"
				done
			done
		done
	done
fi
