// Package server wires Repertoire together: it builds each capability with
// what it needs, mounts their routes on one ServeMux, and wraps them in the
// middleware every request goes through.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/emersion/go-smtp"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/api"
	"repertoire/internal/campaign"
	"repertoire/internal/cases"
	"repertoire/internal/community"
	"repertoire/internal/decision"
	"repertoire/internal/event"
	"repertoire/internal/gateway"
	"repertoire/internal/i18n"
	"repertoire/internal/integrity"
	"repertoire/internal/ledger"
	"repertoire/internal/legal"
	"repertoire/internal/letter"
	"repertoire/internal/message"
	"repertoire/internal/outbox"
	"repertoire/internal/participation"
	"repertoire/internal/petition"
	"repertoire/internal/pledge"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
	"repertoire/internal/tag"
	"repertoire/internal/target"
	"repertoire/internal/translog"
	"repertoire/internal/vault"
	"repertoire/internal/web"
)

// Config is everything `repertoire serve` is told.
type Config struct {
	Addr    string // listen address, e.g. 127.0.0.1:8080
	DB      string // sqlite:PATH or postgres://…
	BaseURL string // public URL, for links in mails and browser_url
	SMTP    string // smtp://user:pass@host:port; empty: no SMTP
	MailDir string // write each mail as DIR/<id>.eml instead
	// DataDir keeps the files people give (legal actions' documents);
	// empty: beside the SQLite database, ./data for PostgreSQL.
	DataDir string
	// With neither SMTP nor MailDir, each mail is written into mail/ beside
	// the SQLite database (./mail for PostgreSQL), its file named in the log.
	Demo bool // load the demo into an empty database
	// Limits are the participation abuse checks; nil: participation.DefaultLimits().
	Limits *participation.Limits
	// TrustedProxies are the reverse proxies whose Forwarded and
	// X-Forwarded-For headers name the client (web.ClientAddress); empty:
	// the TCP peer is the client.
	TrustedProxies web.TrustedProxies
	// DrainTimeout bounds the graceful shutdown: requests in flight (and
	// the group commits they wait for) get this long to finish; 0: 10 s.
	DrainTimeout time.Duration
	// LogKey is the transparency log's signing key file, made at first
	// start; empty: log.key beside the SQLite database (./log.key for
	// PostgreSQL, where every instance must be given the same file).
	LogKey string
	// NoLog keeps no transparency log (the benchmarks' switch).
	NoLog bool
	// InboundDomain is the domain of letter campaigns' inbound addresses
	// (answers+<token>@domain), where targets' answers are mailed; its MX
	// points at InboundSMTPAddr, the SMTP listener receiving them (both
	// needed; empty: no inbound mail). InboundMaxBytes bounds a mail
	// (0: letter.DefaultInboundMaxBytes).
	InboundDomain   string
	InboundSMTPAddr string
	InboundMaxBytes int64
	// GatewayNoHistory serves the data gateway without recording accesses
	// (bench/gateway's middle tier; never when serving members).
	GatewayNoHistory bool
	// VaultLimits bound a member's import into their vault; nil:
	// vault.DefaultLimits().
	VaultLimits *vault.Limits
	// IntegrityEvery is how often the integrity review looks for
	// coordinated participations among the recent ones; 0: 5 minutes,
	// negative: never (runs on demand only).
	IntegrityEvery time.Duration
	// TimeZone is the instance's IANA zone, whose clock pages show the
	// instants of audit tables on (web.Page.Moment); "" is UTC.
	TimeZone string
}

// Server is a running Repertoire.
type Server struct {
	Config   Config
	DB       *store.DB
	Log      *slog.Logger
	Handler  http.Handler
	Accounts *account.Handler
	Catalog  *i18n.Catalog // every message, loaded once
	Worker   *outbox.Worker
	// Participation is the core of signatures and commitments (its Run
	// goes beside the outbox worker).
	Participation *participation.Service
	// Gateway keeps its knowledge of data strikes current while serving.
	Gateway *gateway.Handler
	// Scheduler runs the jobs due at a time (a pledge's deadline, window).
	Scheduler *schedule.Runner
	// Inbound receives the mails to letter campaigns' addresses, on
	// InboundListener (nil without --inbound-smtp-addr).
	Inbound         *smtp.Server
	InboundListener net.Listener
	// Integrity looks for coordinated participations (its Run beside the
	// outbox worker).
	Integrity *integrity.Handler
	// Transparency is the transparency log (nil with NoLog): its Run, the
	// integrator hashing the leaves appended, goes beside the worker.
	Transparency *translog.Handler
}

// devMailDir is where mail goes without SMTP or a mail directory: mail/
// beside the SQLite database, ./mail for PostgreSQL.
func devMailDir(dsn string) string {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(path), "mail")
	}
	return "mail"
}

// dataDir is where files people give are kept (a legal action's
// documents): --data-dir, else beside the SQLite database, ./data for
// PostgreSQL.
func dataDir(cfg Config) string {
	if cfg.DataDir != "" {
		return cfg.DataDir
	}
	if path, ok := strings.CutPrefix(cfg.DB, "sqlite:"); ok {
		return filepath.Dir(path)
	}
	return "data"
}

func vaultLimits(cfg Config) vault.Limits {
	if cfg.VaultLimits != nil {
		return *cfg.VaultLimits
	}
	return vault.DefaultLimits()
}

// devLogKey is where the log's key is without --log-key: log.key beside
// the SQLite database, ./log.key for PostgreSQL.
func devLogKey(dsn string) string {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(path), "log.key")
	}
	return "log.key"
}

// New builds the server on an open, migrated database.
func New(cfg Config, db *store.DB, log *slog.Logger) (*Server, error) {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cat, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	pages, err := web.NewRenderer(log, account.Templates, community.Templates, campaign.Templates, outbox.Templates, participation.Templates, petition.Templates, pledge.Templates, target.Templates, cases.Templates, ledger.Templates, decision.Templates, letter.Templates, legal.Templates, translog.Templates, event.Templates, vault.Templates, gateway.Templates, integrity.Templates, message.Templates)
	if err != nil {
		return nil, err
	}
	if err := pages.SetZone(cfg.TimeZone); err != nil {
		return nil, fmt.Errorf("--time-zone: %w", err)
	}
	transport, err := outbox.NewTransport(cfg.SMTP, cfg.MailDir, devMailDir(cfg.DB), log)
	if err != nil {
		return nil, err
	}
	limits := participation.DefaultLimits()
	if cfg.Limits != nil {
		limits = *cfg.Limits
	}
	// Each capability is built with what it uses...
	scheduler := schedule.NewRunner(db, log)
	accounts := account.New(db, pages, cat, log, cfg.BaseURL)
	communities := community.New(db, pages, cat, log, cfg.BaseURL)
	campaigns := campaign.New(db, pages, cat, log, cfg.BaseURL, communities.Store)
	unsubscribe := outbox.NewHandler(db, pages, log)
	parts := participation.New(db, pages, cat, cfg.BaseURL, log, limits)
	petitions := petition.New(db, pages, cat, log, cfg.BaseURL, communities.Store, campaigns.Store, parts)
	pledges := pledge.New(db, pages, cat, log, cfg.BaseURL, communities.Store, campaigns.Store, parts, scheduler)
	letters := letter.New(db, pages, cat, log, cfg.BaseURL, communities.Store, campaigns.Store, parts)
	tags := tag.New(db, log, cfg.BaseURL, communities.Store, accounts)
	targets := target.New(db, pages, cat, log, cfg.BaseURL, communities.Store)
	letters.Store.Directory = targets.Store // letters write to the directory's targets too
	letters.Store.InboundDomain = cfg.InboundDomain
	library := cases.New(db, pages, cat, log, cfg.BaseURL, communities.Store)
	ledgers := ledger.New(db, pages, log, cfg.BaseURL, communities.Store, campaigns.Store)
	legals := legal.New(db, pages, cat, log, cfg.BaseURL, communities.Store, campaigns.Store, targets.Store, parts, scheduler,
		filepath.Join(dataDir(cfg), "legal-files"))
	// The seed's cases are in the library from the first start on.
	if err := cases.Seed(context.Background(), db); err != nil {
		return nil, err
	}
	events := event.New(db, pages, cat, log, cfg.BaseURL, communities.Store, campaigns.Store, parts, scheduler)
	vaults := vault.New(db, pages, log, cfg.BaseURL, dataDir(cfg), vaultLimits(cfg))
	gateways := gateway.New(db, pages, cat, log, cfg.BaseURL, communities.Store, vaults.Store)
	gateways.NoHistory = cfg.GatewayNoHistory
	vaults.Asks = gateways.Asks // the vault page shows the policies that ask about "ask me" categories
	decisions := decision.New(db, pages, cat, log, cfg.BaseURL, communities.Store, campaigns.Store, pledges.Store, gateways.Store, scheduler.Kick)
	// The integrity review reads the participations of a community's
	// tactics, each tactic's ids selected by its owner; its figure shows
	// beside the counts of petitions and pledges.
	review := integrity.New(db, pages, log, cfg.BaseURL, communities.Store, parts)
	review.ActionsOf = tacticsOf
	switch {
	case cfg.IntegrityEvery > 0:
		review.Every = cfg.IntegrityEvery
	case cfg.IntegrityEvery < 0:
		review.Every = 0
	}
	petitions.Integrity, pledges.Integrity = review, review
	messages := message.New(db, pages, cat, log, cfg.BaseURL, communities.Store, parts, tacticsOf, scheduler.Kick)
	logs, err := transparencyLog(cfg, db, pages, log, parts)
	if err != nil {
		return nil, err
	}

	// An organizer's token reaches the people of the communities its
	// holder runs, each kind of tie written by the owner of its table:
	// members, confirmed participants of their campaigns' tactics, people
	// tagged with their tags (and account's own contacts).
	accounts.Reach = account.Reach{Communities: community.OrganizedBy, People: []func(string) string{
		community.MembersOf,
		func(communities string) string {
			return participation.ParticipantsOf(tacticsOf(campaign.CampaignsOf(communities)))
		},
		tag.TaggedIn,
	}}
	accounts.Lists = tags

	// ...then offers the others what it has, each handed to whom it
	// concerns: its routes, what it keeps about people (their export and
	// erasure), its jobs, its tactics for the campaign page, its campaigns
	// for the community page.
	mux := http.NewServeMux()
	// The log comes first: its step of an erasure (the person's salt)
	// runs last, after the core has appended the erase leaves.
	// The integrity review after the core: its step of an erasure (the
	// person's flags) runs before the core deletes their participations.
	capabilities := []capability{accounts, communities, campaigns, unsubscribe, parts, review, petitions, pledges, letters, legals, events, tags, targets, library, ledgers, gateways, decisions, vaults, messages}
	if logs != nil {
		capabilities = append([]capability{logs}, capabilities...)
	} else {
		capabilities = append(capabilities, translog.Unlogged{Pages: pages})
	}
	for _, c := range capabilities {
		c.Routes(mux)
		if o, ok := c.(keepsPersonData); ok {
			accounts.Keep(o.PersonData())
		}
		if o, ok := c.(runsJobs); ok {
			for kind, h := range o.Jobs() {
				scheduler.Handle(kind, h)
			}
		}
		if o, ok := c.(listsTactics); ok {
			campaigns.Tactics = append(campaigns.Tactics, o.TacticLister())
		}
		if o, ok := c.(listsCampaigns); ok {
			communities.Campaigns = o.CampaignLister()
		}
		if o, ok := c.(addsCampaignSection); ok {
			campaigns.Blocks = append(campaigns.Blocks, o.CampaignSection())
		}
		if o, ok := c.(linksCommunity); ok {
			communities.Links = append(communities.Links, o.CommunityLinks()...)
		}
		if o, ok := c.(removesWithCommunity); ok {
			communities.Store.Removers = append(communities.Store.Removers, o.CommunityRemover())
		}
		if o, ok := c.(listsEvents); ok {
			communities.Events = o.EventLister()
		}
		if o, ok := c.(linksAccount); ok {
			accounts.Links = append(accounts.Links, o.AccountLinks()...)
		}
		if o, ok := c.(addsToDashboard); ok {
			campaigns.Dashboard = append(campaigns.Dashboard, o.Dashboard())
		}
	}
	mux.Handle("GET /static/", web.Static())
	mux.HandleFunc("GET /lang/{lang}", web.SwitchLanguage)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ready(ctx); err != nil {
			w.Header().Set("Retry-After", repertoire.RetryAfter)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", metricsHandler(db, parts))
	mux.HandleFunc("GET "+api.Prefix, entryPoint(cfg.BaseURL, mux))
	mux.HandleFunc(api.Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		api.Problem(w, r, log, notFound)
	})

	// Outermost first: metrics, language (so that even a refusal speaks the
	// person's), cross-origin refusal, then who is asking (session cookie
	// for pages, token for the API).
	var h http.Handler = mux
	h = communities.MarkAdmins(h) // inside the sessions: it asks who is signed in
	h = consumerKeys(api.Authenticate(accounts, log)(h), mux)
	h = accounts.Sessions(h)
	h = crossOrigin(h, pages)
	h = web.Language(cat)(h)
	h = web.SecurityHeaders(strings.HasPrefix(cfg.BaseURL, "https://"))(h)
	h = api.TrailingSlash(h)
	if len(cfg.TrustedProxies) > 0 {
		h = web.ClientAddresses(cfg.TrustedProxies)(h) // without proxies, web.ClientIP reads the peer
	}
	h = measure(h)
	// Standard Prometheus text: # HELP and # TYPE before each family.
	metrics.ExposeMetadata(true)
	srv := &Server{Config: cfg, DB: db, Log: log, Handler: h, Accounts: accounts, Catalog: cat,
		Worker: outbox.NewWorker(db, transport, log), Participation: parts, Scheduler: scheduler, Gateway: gateways, Integrity: review, Transparency: logs}
	if cfg.InboundSMTPAddr != "" {
		if cfg.InboundDomain == "" {
			return nil, fmt.Errorf("--inbound-smtp-addr needs --inbound-domain: the domain of the addresses it receives for")
		}
		if srv.InboundListener, err = net.Listen("tcp", cfg.InboundSMTPAddr); err != nil {
			return nil, fmt.Errorf("inbound SMTP: %w", err)
		}
		// Mail to people bounces to this listener (outbox.Bounces).
		srv.Worker.BounceDomain = cfg.InboundDomain
		srv.Inbound = letter.NewInboundServer(letters.Store, cfg.InboundDomain, cfg.InboundMaxBytes, log, outbox.NewBounces(db, cfg.InboundDomain))
	}
	return srv, nil
}

// consumerKeys sends the data gateway's consumer API past the API token
// check: its Bearer keys are the gateway's consumers', not people's tokens.
func consumerKeys(authenticated, mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, gateway.APIPrefix+"/") {
			mux.ServeHTTP(w, r)
			return
		}
		authenticated.ServeHTTP(w, r)
	})
}

// tacticsOf is an SQL subquery selecting the ids of every tactic's actions
// of the campaigns the subquery campaigns selects, each written by its
// table's owner.
func tacticsOf(campaigns string) string {
	return petition.ActionsOf(campaigns) + " UNION " + pledge.ActionsOf(campaigns) + " UNION " + letter.ActionsOf(campaigns) +
		" UNION " + legal.ActionsOf(campaigns) + " UNION " + event.ActionsOf(campaigns)
}

// transparencyLog builds the log (nil with NoLog) and turns it on in the
// participation core; its key is made at first start.
func transparencyLog(cfg Config, db *store.DB, pages *web.Renderer, log *slog.Logger, parts *participation.Service) (*translog.Handler, error) {
	if cfg.NoLog {
		return nil, nil
	}
	path := cfg.LogKey
	if path == "" {
		path = devLogKey(cfg.DB)
	}
	origin := "repertoire/log"
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
		origin = u.Host + "/log"
	}
	key, err := translog.LoadKey(path, origin)
	if err != nil {
		return nil, err
	}
	logs := translog.New(db, pages, cfg.BaseURL, key, log)
	logs.Count = func(ctx context.Context, q store.Queryer, actionID string) (int, bool, error) {
		c, err := participation.CountsOf(ctx, q, actionID)
		if err != nil || c == (participation.Counts{}) {
			return 0, false, err
		}
		// A draft's count is not public: not found, as the draft is.
		if draft, err := parts.Draft(ctx, q, actionID); err != nil || draft {
			return 0, false, err
		}
		return c.Total(), true, nil
	}
	logs.Place = parts.LogPlace // imports' receipts, which have no row of the log's
	parts.KeepLog()
	if err := parts.BackfillLog(context.Background()); err != nil {
		return nil, err
	}
	return logs, nil
}

// capability is a part of Repertoire the server mounts: every one has
// routes; what else it offers is read from the optional methods in New.
type capability interface{ Routes(*http.ServeMux) }

// What a capability may offer besides its routes: what it keeps about
// people, its jobs, its tactics, its campaigns.
type keepsPersonData interface {
	PersonData() account.PersonData
}

type linksAccount interface {
	AccountLinks() []account.PageLink
}

type runsJobs interface {
	Jobs() map[string]schedule.Handler
}

type listsTactics interface {
	TacticLister() campaign.TacticLister
}

type listsEvents interface {
	EventLister() community.EventLister
}

type listsCampaigns interface {
	CampaignLister() community.CampaignLister
}

type addsCampaignSection interface {
	CampaignSection() campaign.Block
}

type addsToDashboard interface {
	Dashboard() community.Dashboarder
}

type linksCommunity interface {
	CommunityLinks() []community.PageLink
}

type removesWithCommunity interface {
	CommunityRemover() community.Remover
}

// crossOrigin refuses state-changing browser requests from other sites
// (Go's CrossOriginProtection, which reads Sec-Fetch-Site and Origin). API
// clients send no such headers and authenticate with tokens instead.
func crossOrigin(next http.Handler, pages *web.Renderer) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := web.Localizer(r.Context())
		http.Error(w, l.T("error.csrf"), http.StatusForbidden)
	}))
	return cop.Handler(next)
}

var notFound = repertoire.Errorf(repertoire.ENOTFOUND, "error.not_found")

// requestSeconds are the buckets of the request latency histogram: 1 ms to
// 8 s, doubling.
var requestSeconds = metrics.ExponentialBuckets(0.001, 2, 14)

func measure(next http.Handler) http.Handler {
	durations := map[string]*metrics.PrometheusHistogram{}
	for _, kind := range []string{"page", "api"} {
		durations[kind] = metrics.GetOrCreatePrometheusHistogramExt(fmt.Sprintf(`repertoire_http_request_duration_seconds{kind=%q}`, kind), requestSeconds)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(sw, r)
		kind := "page"
		if strings.HasPrefix(r.URL.Path, api.Prefix) {
			kind = "api"
		}
		metrics.GetOrCreateCounter(fmt.Sprintf(`repertoire_http_requests_total{kind=%q,code="%d"}`, kind, sw.status)).Inc()
		durations[kind].UpdateDuration(start)
	})
}

// metricsHandler serves /metrics: the process-wide counters and
// histograms, then the gauges of this server's queues, read at scrape
// time: the mails waiting in the outbox and the submissions waiting for
// the group-commit writer.
func metricsHandler(db *store.DB, parts *participation.Service) http.Handler {
	queues := metrics.NewSet()
	backlog := queues.NewGauge("repertoire_outbox_backlog", nil)
	queues.NewGauge("repertoire_participation_queue_depth", func() float64 { return float64(parts.QueueLen()) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		n, err := outbox.Backlog(ctx, db.Reader())
		cancel()
		if err != nil {
			backlog.Set(math.NaN()) // unknown, rather than an old value
		} else {
			backlog.Set(float64(n))
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		metrics.WritePrometheus(w, true)
		queues.WritePrometheus(w)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// entryLinks are what the entry point may link: OSDI's collections and
// helpers, then ours. A helper's link is templated when it takes an id.
var entryLinks = []struct {
	rel, method, path string
}{
	{"osdi:people", "GET", "/people"},
	{"osdi:person_signup_helper", "POST", "/people"},
	{"osdi:petitions", "GET", "/petitions"},
	{"osdi:record_signature_helper", "POST", "/petitions/{petition_id}/signatures"},
	{"osdi:advocacy_campaigns", "GET", "/advocacy_campaigns"},
	{"osdi:record_outreach_helper", "POST", "/advocacy_campaigns/{advocacy_campaign_id}/outreaches"},
	{"osdi:tags", "GET", "/tags"},
	{"osdi:events", "GET", "/events"},
	{"osdi:record_attendance_helper", "POST", "/events/{event_id}/attendances"},
	{"repertoire:communities", "GET", "/communities"},
	{"repertoire:campaigns", "GET", "/campaigns"},
	{"repertoire:targets", "GET", "/targets"},
	{"repertoire:cases", "GET", "/cases"},
	{"repertoire:pledges", "GET", "/pledges"},
	{"repertoire:record_commitment_helper", "POST", "/pledges/{pledge_id}/commitments"},
	{"repertoire:decisions", "GET", "/decisions"},
	{"repertoire:gateway_policies", "GET", "/gateway/policies"},
	{"repertoire:gateway_strikes", "GET", "/gateway/strikes"},
	{"repertoire:legal_actions", "GET", "/legal_actions"},
	{"repertoire:integrity_groups", "GET", "/integrity/groups"},
	{"osdi:messages", "GET", "/messages"},
}

// entryPoint is the OSDI API entry point. It links each collection and
// helper of entryLinks that mux serves, so a capability mounted (or not)
// is advertised (or not) without another list to keep.
func entryPoint(baseURL string, mux *http.ServeMux) http.HandlerFunc {
	links := api.Links{
		"self": api.Link{Href: baseURL + api.Prefix},
		"curies": []map[string]any{
			{"name": "osdi", "href": "https://opensupporter.github.io/osdi-docs/{rel}", "templated": true},
		},
	}
	ids := strings.NewReplacer("{petition_id}", "0", "{pledge_id}", "0", "{advocacy_campaign_id}", "0", "{event_id}", "0")
	for _, l := range entryLinks {
		probe, err := http.NewRequest(l.method, baseURL+api.Prefix+ids.Replace(l.path), nil)
		if err != nil {
			continue
		}
		if _, pattern := mux.Handler(probe); pattern == "" || pattern == api.Prefix+"/" {
			continue
		}
		links[l.rel] = api.Link{Href: baseURL + api.Prefix + l.path, Templated: strings.Contains(l.path, "{")}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		api.JSON(w, http.StatusOK, map[string]any{
			"motd":         "Repertoire: collective action for the users and workers of digital platforms",
			"vendor_name":  "Repertoire",
			"product_name": "Repertoire",
			"osdi_version": "1.2.0",
			"max_pagesize": api.MaxPageSize,
			"namespace":    "repertoire",
			"_links":       links,
		})
	}
}

// Run serves until ctx ends, with the outbox worker beside it, then shuts
// down gracefully: the listener closes, the requests in flight finish
// (each waits for the group commit holding its participation, so whatever
// was answered is stored), up to Config.DrainTimeout; then the outbox
// worker finishes the mail it is sending and the scheduler its job.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	fresh := newFreshConns()
	srv.ConnState = fresh.track
	workerDone := make(chan struct{})
	wctx, stopWorker := context.WithCancel(context.Background())
	go func() { s.Worker.Run(wctx); close(workerDone) }()
	go s.Participation.Run(wctx)
	if err := s.Gateway.Run(wctx); err != nil {
		// Each request then reads the strikes from the database.
		s.Log.Warn("gateway: not listening for data strikes", "err", err)
	}
	go s.Integrity.Run(wctx)
	logDone := make(chan struct{})
	go func() {
		if s.Transparency != nil {
			s.Transparency.Run(wctx)
		}
		close(logDone)
	}()
	schedDone := make(chan struct{})
	go func() { s.Scheduler.Run(wctx); close(schedDone) }()
	go s.watchDatabase(wctx, time.Second)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if s.Inbound != nil {
		go func() {
			if err := s.Inbound.Serve(s.InboundListener); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
				s.Log.Error("inbound SMTP stopped", "err", err)
			}
		}()
		defer s.Inbound.Close()
	}
	select {
	case err := <-errc:
		stopWorker()
		<-workerDone
		<-schedDone
		<-logDone
		return err
	case <-ctx.Done():
	}
	drain := s.Config.DrainTimeout
	if drain <= 0 {
		drain = 10 * time.Second
	}
	s.Log.Info("shutting down: finishing the requests in flight", "deadline", drain.String())
	sctx, cancel := context.WithTimeout(context.Background(), drain)
	defer cancel()
	err := shutdown(sctx, srv, fresh)
	if err != nil {
		s.Log.Error("shutdown deadline passed with requests in flight", "err", err)
	}
	stopWorker()
	<-workerDone
	<-schedDone
	<-logDone
	return err
}

// watchDatabase checks the database every period and logs when it becomes
// unavailable (unreachable, or full) and when it is back: once each, while
// every request meanwhile answers 503 without a log line of its own.
func (s *Server) watchDatabase(ctx context.Context, period time.Duration) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	down := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := s.DB.Ready(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil && !down:
			s.Log.Error("database unavailable: answering 503 until it is back", "err", err)
		case err == nil && down:
			s.Log.Info("database available again")
		}
		down = err != nil
	}
}
