package outbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	gomail "github.com/wneessen/go-mail"

	"repertoire"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// Worker drains the outbox. Its settings may be changed before Run.
type Worker struct {
	From string // overrides the sender stored with each mail ("Name <addr>")
	// BounceDomain is the inbound domain the bounces of mails to people
	// go to (each its own envelope sender, BounceAddress); "" leaves the
	// sender's address as envelope sender.
	BounceDomain string
	Senders      int           // messages delivered at once
	Batch        int           // messages claimed per transaction
	Poll         time.Duration // how often to look for due mail when idle
	Backoff      time.Duration // wait after the first failure; doubles each time
	MaxBackoff   time.Duration
	MaxAttempts  int           // then the message is marked failed
	Lease        time.Duration // how long a claimed message is hidden from other workers
	// RecordEvery is how often Run records what was sent: a crash loses
	// at most that much of the record, and those mails go again.
	RecordEvery time.Duration
	// KeepFailed is how long a failed mail keeps its body (for a look at
	// what went wrong) before the sweep drops it, run every SweepEvery.
	KeepFailed time.Duration
	SweepEvery time.Duration

	db   *store.DB
	t    Transport
	log  *slog.Logger
	kick chan struct{}

	sent, failed, attempts, errs *metrics.Counter
	duration                     *metrics.PrometheusHistogram
}

// NewWorker builds the worker.
func NewWorker(db *store.DB, t Transport, log *slog.Logger) *Worker {
	return &Worker{
		Senders:     32,
		Batch:       512,
		Poll:        500 * time.Millisecond,
		Backoff:     30 * time.Second,
		MaxBackoff:  time.Hour,
		MaxAttempts: 10,
		Lease:       5 * time.Minute,
		RecordEvery: 500 * time.Millisecond,
		KeepFailed:  7 * 24 * time.Hour,
		SweepEvery:  time.Hour,
		db:          db,
		t:           t,
		log:         log,
		kick:        make(chan struct{}, 1),
		sent:        metrics.GetOrCreateCounter("repertoire_mail_sent_total"),
		failed:      metrics.GetOrCreateCounter("repertoire_mail_failed_total"),
		attempts:    metrics.GetOrCreateCounter("repertoire_mail_attempts_total"),
		errs:        metrics.GetOrCreateCounter("repertoire_mail_attempt_errors_total"),
		duration:    metrics.GetOrCreatePrometheusHistogramExt("repertoire_mail_send_duration_seconds", metrics.ExponentialBuckets(0.001, 2, 16)), // 1 ms to 33 s
	}
}

// Kick wakes the worker now rather than at its next poll. It never blocks.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. A message being sent when ctx ends is
// finished and recorded; claimed messages not yet attempted are released.
//
// Claiming, sending and recording overlap: the next batch is claimed
// while the last is still being sent (at most two batches in flight),
// and outcomes are recorded every RecordEvery or batch, whichever comes
// first, while the senders go on. A database busy with a writer (SQLite
// has one) no longer stops every sender at each batch's end. The lease
// keeps a claimed mail from any other worker until it is recorded.
func (w *Worker) Run(ctx context.Context) {
	if c, ok := w.t.(io.Closer); ok {
		defer c.Close()
	}
	batch := max(1, w.Batch)
	limit := 2 * batch // claimed and not yet recorded
	jobs := make(chan row, batch)
	results := make(chan result, limit) // never full: senders do not wait for the recorder
	var inFlight atomic.Int64
	room := make(chan struct{}, 1)
	var senders sync.WaitGroup
	for range max(1, w.Senders) {
		senders.Go(func() {
			for r := range jobs {
				if ctx.Err() != nil {
					results <- result{o: outcome{ID: r.ID}}
					continue
				}
				o, attempted := w.deliver(ctx, r)
				results <- result{o: o, attempted: attempted}
			}
		})
	}
	recorded := make(chan struct{})
	go func() {
		w.recordAll(results, batch, &inFlight, room)
		close(recorded)
	}()
	defer func() {
		close(jobs)
		senders.Wait()
		close(results)
		<-recorded
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var swept time.Time
	for {
		if time.Since(swept) >= w.SweepEvery {
			swept = time.Now()
			if _, err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
				w.log.Error("outbox sweep", "err", err)
			}
		}
		// A whole batch a claim, as DeliverDue claims: the database's
		// writer (SQLite has one) is shared with whatever writes the
		// mail, and small claims would take it ever more often.
		free := limit - int(inFlight.Load())
		if free < batch {
			select {
			case <-ctx.Done():
				return
			case <-room:
			}
			continue
		}
		rows, err := claim(ctx, w.db, batch, store.Now().Add(w.Lease))
		// An unavailable database is logged once, by the server.
		if err != nil && ctx.Err() == nil && repertoire.ErrorCode(err) != repertoire.EUNAVAILABLE {
			w.log.Error("outbox", "err", err)
		}
		inFlight.Add(int64(len(rows)))
		for i, r := range rows {
			select {
			case jobs <- r:
				continue
			case <-ctx.Done():
			}
			for _, r := range rows[i:] {
				results <- result{o: outcome{ID: r.ID}}
			}
			break
		}
		if ctx.Err() != nil {
			return
		}
		if len(rows) > 0 && err == nil {
			continue // there may be more
		}
		timer.Reset(w.Poll)
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-timer.C:
		}
	}
}

// result is a sender's word on one claimed mail: its outcome, or that it
// was not attempted (to release).
type result struct {
	o         outcome
	attempted bool
}

// recordAll records the senders' results until results closes: every
// RecordEvery, or as soon as a batch of them is waiting. The recording
// outlives Run's ctx: a mail handed to SMTP is recorded sent.
func (w *Worker) recordAll(results <-chan result, batch int, inFlight *atomic.Int64, room chan<- struct{}) {
	var outs []outcome
	var unsent []string
	flush := func() {
		if len(outs)+len(unsent) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := errors.Join(record(ctx, w.db, outs), release(ctx, w.db, unsent)); err != nil &&
			repertoire.ErrorCode(err) != repertoire.EUNAVAILABLE {
			w.log.Error("outbox: recording deliveries", "err", err)
		}
		// Unrecorded, a mail stays leased and is tried again when its
		// lease ends.
		inFlight.Add(-int64(len(outs) + len(unsent)))
		outs, unsent = outs[:0], unsent[:0]
		select {
		case room <- struct{}{}:
		default:
		}
	}
	tick := time.NewTicker(max(time.Millisecond, w.RecordEvery))
	defer tick.Stop()
	for {
		select {
		case res, ok := <-results:
			if !ok {
				flush()
				return
			}
			if res.attempted {
				outs = append(outs, res.o)
			} else {
				unsent = append(unsent, res.o.ID)
			}
			if len(outs)+len(unsent) >= batch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// Sweep drops the body, headers and attachments of the mails that failed
// more than KeepFailed ago: long enough to look into what went wrong, and
// the links they carry (sign-in, confirmation) must not lie in the
// database for good. It returns how many it emptied.
func (w *Worker) Sweep(ctx context.Context) (int, error) {
	return dropFailedBodies(ctx, w.db, store.Now().Add(-w.KeepFailed))
}

// DeliverDue claims one batch of due messages, delivers them and records
// the outcome. It returns how many it attempted.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	rows, err := claim(ctx, w.db, max(1, w.Batch), store.Now().Add(w.Lease))
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	jobs := make(chan row)
	var mu sync.Mutex
	var outs []outcome
	var unsent []string
	var wg sync.WaitGroup
	for range min(max(1, w.Senders), len(rows)) {
		wg.Go(func() {
			for r := range jobs {
				o, attempted := w.deliver(ctx, r)
				mu.Lock()
				if attempted {
					outs = append(outs, o)
				} else {
					unsent = append(unsent, r.ID)
				}
				mu.Unlock()
			}
		})
	}
	for i, r := range rows {
		select {
		case jobs <- r:
			continue
		case <-ctx.Done():
		}
		mu.Lock()
		for _, r := range rows[i:] {
			unsent = append(unsent, r.ID)
		}
		mu.Unlock()
		break
	}
	close(jobs)
	wg.Wait()
	// Recording must happen even when ctx just ended: the mail is out.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = errors.Join(record(bg, w.db, outs), release(bg, w.db, unsent))
	return len(outs), err
}

// deliver composes and sends one message and says what to record. It
// reports attempted=false when ctx ended before anything was sent (a dial
// cut short by shutdown is not the mail's fault).
func (w *Worker) deliver(ctx context.Context, r row) (o outcome, attempted bool) {
	o = outcome{ID: r.ID, Attempts: r.Attempts + 1, Status: "sent"}
	start := time.Now()
	m, err := w.compose(r)
	if err == nil {
		err = w.t.Send(ctx, m)
	}
	if err != nil && ctx.Err() != nil {
		return o, false
	}
	w.attempts.Inc()
	w.duration.UpdateDuration(start)
	if err == nil {
		w.sent.Inc()
		return o, true
	}
	w.errs.Inc()
	o.Error = schedule.ShortError(err)
	if Permanent(err) {
		// Refused for good: retrying would only hammer the server, and
		// a refused recipient's address bounces (no news mail goes to it
		// again until it is changed or marked subscribed).
		o.Status = "failed"
		if errors.Is(err, ErrRecipientRefused) {
			o.Bounced = r.PersonID
		}
		w.failed.Inc()
		w.log.Warn("mail refused for good", "outbox_id", r.ID, "err", o.Error)
		return o, true
	}
	if o.Attempts >= w.MaxAttempts {
		o.Status = "failed"
		w.failed.Inc()
		w.log.Error("mail failed, giving up", "outbox_id", r.ID, "attempts", o.Attempts, "err", o.Error)
		return o, true
	}
	o.Status = "pending"
	o.Next = store.Now().Add(schedule.Backoff(w.Backoff, w.MaxBackoff, o.Attempts))
	w.log.Warn("mail not delivered, will retry", "outbox_id", r.ID, "attempts", o.Attempts, "err", o.Error)
	return o, true
}

// compose builds the RFC 5322 message of a row.
func (w *Worker) compose(r row) (*Outgoing, error) {
	from := r.Headers[headerFrom]
	if w.From != "" {
		// The configured sender's address; a writer's name, when the
		// mail carries one, stays its display name.
		from = w.From
		if own, err := mail.ParseAddress(r.Headers[headerFrom]); err == nil && own.Name != "" && own.Name != defaultName {
			if conf, err := mail.ParseAddress(w.From); err == nil {
				from = (&mail.Address{Name: own.Name, Address: conf.Address}).String()
			}
		}
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, errors.New("bad sender address")
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(sender)
	if err := msg.To(r.To); err != nil {
		return nil, errors.New("bad recipient address")
	}
	if len(r.Cc) > 0 {
		if err := msg.Cc(r.Cc...); err != nil {
			return nil, errors.New("bad copy address")
		}
	}
	msg.Subject(r.Subject)
	msg.SetDateWithValue(r.CreatedAt)
	msg.SetMessageIDWithValue(r.ID + "@" + sender.Address[strings.LastIndexByte(sender.Address, '@')+1:])
	names := make([]string, 0, len(r.Headers))
	for name := range r.Headers {
		if name != headerFrom && name != headerBounce {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		msg.SetGenHeaderPreformatted(gomail.Header(name), oneLine(r.Headers[name]))
	}
	msg.SetBodyString(gomail.TypeTextPlain, r.Body)
	if r.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, r.HTML)
	}
	for _, a := range r.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, err
	}
	envelope := sender.Address
	if secret := r.Headers[headerBounce]; secret != "" && w.BounceDomain != "" {
		envelope = BounceAddress(r.ID, secret, w.BounceDomain)
	}
	return &Outgoing{ID: r.ID, From: envelope, To: r.To, Cc: r.Cc, Subject: r.Subject, Raw: buf.Bytes()}, nil
}
