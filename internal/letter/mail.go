package letter

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"strings"
	"time"

	"repertoire"
	"repertoire/internal/account"
	"repertoire/internal/campaign"
	"repertoire/internal/community"
	"repertoire/internal/i18n"
	"repertoire/internal/outbox"
	"repertoire/internal/participation"
	"repertoire/internal/schedule"
	"repertoire/internal/store"
)

// ConfirmMail renders the mail asking a writer to confirm their letter:
// nothing reaches a target before.
func (s *Store) ConfirmMail(ctx context.Context, q store.Queryer, actionID, lang string, links participation.Links) (string, string, error) {
	l, err := s.get(ctx, q, `l.id = $1`, actionID)
	if err != nil {
		return "", "", err
	}
	loc := s.cat.For(lang)
	how := loc.T("letter.mail.confirm.by_email")
	if l.Delivery == DeliveryPost {
		how = loc.T("letter.mail.confirm.by_post")
	}
	subject := loc.T("letter.mail.confirm.subject", "Title", l.Title)
	body := loc.T("letter.mail.confirm.body", "Title", l.Title, "How", how, "Confirm", links.Confirm, "Choices", links.Choices,
		"Withdraw", links.Withdraw, "URL", s.baseURL+l.Path())
	return subject, body, nil
}

// Moved keeps and sends the letters their writers just confirmed (the
// core's Mover, inside the confirmation's transaction): each keeps the
// text its followed link confirms (keep), then is mailed to each target
// now, or left for the day's digest, or, for post and web forms, a mail
// to the writer with the printable page and its "I sent it" button. An
// import is kept as sent elsewhere; a withdrawal changes nothing.
func (s *Store) Moved(ctx context.Context, tx *store.Tx, moved []*participation.Participation) error {
	var parts []*participation.Participation
	for _, p := range moved {
		if p.Status != participation.StatusConfirmed {
			continue
		}
		if err := keep(ctx, tx, p); err != nil {
			return err
		}
		if p.OriginSystem == "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil
	}
	ids := make([]string, len(parts))
	personIDs := make([]string, len(parts))
	for i, p := range parts {
		ids[i], personIDs[i] = p.ID, p.PersonID
	}
	outreaches, err := outreachesOf(ctx, tx, ids, StateWaiting)
	if err != nil {
		return err
	}
	people, err := account.Contacts(ctx, tx, personIDs)
	if err != nil {
		return err
	}
	letters := map[string]*Letter{}
	for _, p := range parts {
		o := outreaches[p.ID]
		if o == nil || len(o.Targets) == 0 {
			continue // nothing waiting: sent before, or an import
		}
		l := letters[o.LetterID]
		if l == nil {
			if l, err = s.get(ctx, tx, `l.id = $1`, o.LetterID); err != nil {
				return err
			}
			letters[o.LetterID] = l
		}
		email := people[p.PersonID].Email
		switch {
		case l.Delivery == DeliveryPost:
			if err := s.mailPost(ctx, tx, l, p, email); err != nil {
				return err
			}
			if err := setState(ctx, tx, p.ID, StateWaiting, StateToSend, true); err != nil {
				return err
			}
		case l.Digest:
			if err := setState(ctx, tx, p.ID, StateWaiting, StateDigest, true); err != nil {
				return err
			}
			if err := schedule.Schedule(ctx, tx, jobDigest, l.ID, nextDay(tx.Now)); err != nil {
				return err
			}
		default:
			for _, t := range o.Targets {
				if err := s.mailTarget(ctx, tx, l, p, email, o, t.Target); err != nil {
					return err
				}
			}
			if err := setState(ctx, tx, p.ID, StateWaiting, StateMailed, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// Statement states a letter's payload in a confirmation mail: the
// subject and text its link sends, as written.
func (s *Store) Statement(lang, payload string) string {
	var k letterPayload
	if json.Unmarshal([]byte(payload), &k) != nil {
		return ""
	}
	return s.cat.For(lang).T("letter.mail.confirm.statement", "Subject", k.Subject, "Text", k.Text)
}

// nextDay is the midnight (UTC) after t: when the day's digest goes.
func nextDay(t time.Time) time.Time {
	return t.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
}

// writerName is how a letter is signed: the name and place the writer
// confirmed.
func writerName(p *participation.Participation) string {
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

func signature(p *participation.Participation) string {
	sig := writerName(p)
	place := strings.TrimSpace(strings.Trim(p.Locality+", "+p.Country, ", "))
	if place != "" {
		sig += "\n" + place
	}
	return sig
}

// mailTarget mails one letter to one target, under the writer's name
// from Repertoire's address; replies go to the writer only when they
// agreed. The mail is about the writer: erasing them deletes it unsent.
func (s *Store) mailTarget(ctx context.Context, tx *store.Tx, l *Letter, p *participation.Participation, email string, o *Outreach, t Target) error {
	loc := s.cat.For(p.Lang)
	note := loc.T("letter.mail.target.no_reply", "Title", l.Title, "URL", s.baseURL+l.Path())
	reply := l.InboundAddress(s.InboundDomain) // answers reach the organizers
	if reply != "" {
		note = loc.T("letter.mail.target.reply_organizers", "Title", l.Title, "URL", s.baseURL+l.Path())
	}
	if o.ReplyOK {
		note = loc.T("letter.mail.target.reply", "Title", l.Title, "URL", s.baseURL+l.Path())
		reply = email
	}
	body := o.Message + "\n\n" + signature(p) + "\n\n-- \n" + note + "\n"
	return outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{About: p.PersonID, To: t.Email, Subject: o.Subject, Body: body,
		Lang: p.Lang, FromName: writerName(p), ReplyTo: reply})
}

// mailPost mails the writer of a letter to post or paste the link to its
// printable page, where they mark it sent.
func (s *Store) mailPost(ctx context.Context, tx *store.Tx, l *Letter, p *participation.Participation, email string) error {
	secret := store.NewToken()
	if err := setPostToken(ctx, tx, p.ID, store.HashToken(secret)); err != nil {
		return err
	}
	loc := s.cat.For(p.Lang)
	return outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{To: email, Lang: p.Lang, Transactional: true,
		Subject: loc.T("letter.mail.post.subject", "Title", l.Title),
		Body:    loc.T("letter.mail.post.body", "Title", l.Title, "URL", s.baseURL+"/letters/post/"+p.ID+"."+secret)})
}

var errLink = repertoire.Errorf(repertoire.ENOTFOUND, "letter.link_invalid")

// Printable is a confirmed letter for post and web forms, as its writer's
// link shows it.
type Printable struct {
	Letter   *Letter
	Outreach *Outreach
	Writer   *participation.Participation
	Sign     string
}

// Sent tells whether the writer marked every target sent.
func (p *Printable) Sent() bool {
	for _, t := range p.Outreach.Targets {
		if t.State != StateSent {
			return false
		}
	}
	return len(p.Outreach.Targets) > 0
}

// printable reads the letter a post link names ("<participation id>.<secret>").
func (s *Store) printable(ctx context.Context, q store.Queryer, token string) (*Printable, error) {
	id, secret, ok := strings.Cut(token, ".")
	if !ok || id == "" || secret == "" {
		return nil, errLink
	}
	hash, err := postTokenHash(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(store.HashToken(secret))) != 1 {
		return nil, errLink
	}
	os, err := outreachesOf(ctx, q, []string{id})
	if err != nil {
		return nil, err
	}
	o := os[id]
	if o == nil {
		return nil, errLink
	}
	p, err := participation.ByID(ctx, q, id)
	if err != nil {
		return nil, err
	}
	l, err := s.get(ctx, q, `l.id = $1`, o.LetterID)
	if err != nil {
		return nil, err
	}
	return &Printable{Letter: l, Outreach: o, Writer: p, Sign: signature(p)}, nil
}

// Printable reads the letter of a post link.
func (s *Store) Printable(ctx context.Context, token string) (*Printable, error) {
	return s.printable(ctx, s.db.Reader(), token)
}

// MarkSent records that the writer of a post link sent their letter to
// every target.
func (s *Store) MarkSent(ctx context.Context, token string) (*Printable, error) {
	var pr *Printable
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if pr, err = s.printable(ctx, tx, token); err != nil {
			return err
		}
		return setState(ctx, tx, pr.Outreach.ParticipationID, StateToSend, StateSent, false)
	})
	if err != nil {
		return nil, err
	}
	return s.Printable(ctx, token)
}

// Jobs are the letter campaign's jobs: the daily digest.
func (s *Store) Jobs() map[string]schedule.Handler {
	return map[string]schedule.Handler{jobDigest: func(ctx context.Context, tx *store.Tx, j schedule.Job) error {
		return s.digest(ctx, tx, j.SubjectID)
	}}
}

// SendDigest mails each target of a letter campaign the letters confirmed
// since its last digest, in one mail: the digest job, which runs each
// midnight (UTC) after letters were confirmed.
func (s *Store) SendDigest(ctx context.Context, letterID string) error {
	return s.db.Write(ctx, func(tx *store.Tx) error { return s.digest(ctx, tx, letterID) })
}

func (s *Store) digest(ctx context.Context, tx *store.Tx, letterID string) error {
	rows, err := waitingDigest(ctx, tx, letterID)
	if err != nil || len(rows) == 0 {
		return err
	}
	l, err := s.get(ctx, tx, `l.id = $1`, letterID)
	if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.participationID)
	}
	outreaches, err := outreachesOf(ctx, tx, ids)
	if err != nil {
		return err
	}
	parts := map[string]*participation.Participation{}
	for _, id := range uniq(ids) {
		p, err := participation.ByID(ctx, tx, id)
		if err != nil {
			return err
		}
		parts[id] = p
	}
	// The digest speaks the organizers' language as the letter was written
	// in it: the first writer's.
	loc := s.cat.For(parts[rows[0].participationID].Lang)
	for start := 0; start < len(rows); {
		end := start
		for end < len(rows) && rows[end].target.ID == rows[start].target.ID {
			end++
		}
		t := rows[start].target
		var b strings.Builder
		b.WriteString(loc.T("letter.mail.digest.intro", "Count", end-start, "Title", l.Title, "URL", s.baseURL+l.Path()))
		for i, r := range rows[start:end] {
			o, p := outreaches[r.participationID], parts[r.participationID]
			b.WriteString("\n\n" + strings.Repeat("=", 40) + "\n")
			b.WriteString(loc.T("letter.mail.digest.item", "N", i+1, "Subject", o.Subject))
			b.WriteString("\n\n" + o.Message + "\n\n" + signature(p))
		}
		if t.Email != "" {
			err := outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{To: t.Email, Lang: loc.Lang, ReplyTo: l.InboundAddress(s.InboundDomain),
				Subject: loc.T("letter.mail.digest.subject", "Count", end-start, "Title", l.Title), Body: b.String() + "\n"})
			if err != nil {
				return err
			}
		}
		start = end
	}
	return markDigested(ctx, tx, letterID)
}

// RecordAnswer records a target's answer to a letter campaign and, when it
// names a demand and a status, moves that demand's status with it (the
// campaign keeps the history).
func (s *Store) RecordAnswer(ctx context.Context, personID string, l *Letter, in AnswerInput) error {
	in.Body = strings.TrimSpace(in.Body)
	var es repertoire.Errors
	text(&es, "body", in.Body, true, MaxBody)
	found := false
	for _, t := range l.Targets {
		found = found || t.ID == in.TargetID
	}
	if !found {
		es = append(es, repertoire.Invalid("target", "letter.unknown_target", nil))
	}
	if in.AnsweredOn.IsZero() {
		in.AnsweredOn = store.Now()
	}
	if in.DemandStatus != "" && in.DemandID == "" {
		es = append(es, repertoire.Invalid("demand", "field.required", nil))
	}
	if err := es.Err(); err != nil {
		return err
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := insertAnswer(ctx, tx, personID, l.ID, in, false); err != nil {
			return err
		}
		if in.DemandID == "" || in.DemandStatus == "" {
			return nil
		}
		note := i18n.Msg("letter.answer.note", "Target", targetName(l, in.TargetID)) // written in each reader's language
		err := campaign.RecordDemandStatus(ctx, tx, personID, l.CampaignID, in.DemandID, campaign.StatusChange{
			Status: in.DemandStatus, Note: note.Render(s.cat.For(in.Lang), nil), Told: &note, ChangedAt: in.AnsweredOn})
		if fes := repertoire.FieldErrors(err); len(fes) > 0 {
			return repertoire.Invalid("demand_status", fes[0].MessageID, fes[0].Args)
		}
		if repertoire.ErrorCode(err) == repertoire.ENOTFOUND {
			return repertoire.Invalid("demand", "letter.unknown_demand", nil)
		}
		return err
	})
}

func targetName(l *Letter, id string) string {
	for _, t := range l.Targets {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}

// mailInbound tells the community's organizers a mail came to the letter
// campaign's address: recorded as the answer of from, or held for them
// to attribute (from nil). The mail names no sender's address.
func (s *Store) mailInbound(ctx context.Context, tx *store.Tx, l *Letter, from *Target) error {
	ids, err := community.OrganizerIDs(ctx, tx, l.CommunityID)
	if err != nil || len(ids) == 0 {
		return err
	}
	people, err := account.Contacts(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		o, ok := people[id]
		if !ok {
			continue
		}
		loc := s.cat.For(o.Language)
		subject := loc.T("letter.mail.inbound.held.subject", "Title", l.Title)
		body := loc.T("letter.mail.inbound.held.body", "Title", l.Title, "URL", s.baseURL+l.Path()+"#held")
		if from != nil {
			subject = loc.T("letter.mail.inbound.answer.subject", "Target", from.Name, "Title", l.Title)
			body = loc.T("letter.mail.inbound.answer.body", "Target", from.Name, "Title", l.Title, "URL", s.baseURL+l.Path()+"#answers")
		}
		if err := outbox.Enqueue(ctx, tx, s.baseURL, outbox.Message{PersonID: id, To: o.Email, Subject: subject, Body: body,
			Lang: loc.Lang, Catalog: s.cat}); err != nil {
			return err
		}
	}
	return nil
}
