package participation

import "strings"

// Stater is what a tactic keeping a payload (Submission.Payload) may add:
// the payload stated in lang, which a confirmation mail gives after the
// core's choices, so that the reader of each link sees the text or the
// answers that link confirms before following it.
type Stater interface {
	Statement(lang, payload string) string
}

// choicesText states c in its language, for the confirmation mail: the
// person sees what the link confirms before following it. A commitment
// has no name shown nor shared.
func (s *Service) choicesText(kind Kind, c Choices) string {
	if s.cat == nil {
		return ""
	}
	f := s.choicesFrame(kind, c.Lang)
	yes := func(b bool) string {
		if b {
			return f.yes
		}
		return f.no
	}
	or := func(v string) string {
		if strings.TrimSpace(v) == "" {
			return f.none
		}
		return v
	}
	values := [...]string{
		or(strings.TrimSpace(c.GivenName + " " + c.FamilyName)),
		or(strings.Trim(strings.TrimSpace(c.Locality)+", "+strings.TrimSpace(c.Country), ", ")),
		yes(c.PublicName), yes(c.ContactOK), yes(c.ShareWithTarget), or(c.Comment),
	}
	var b strings.Builder
	for i, part := range f.parts {
		if i%2 == 0 {
			b.WriteString(part)
		} else {
			b.WriteString(values[part[0]-'0'])
		}
	}
	if c.Payload != "" {
		if st, ok := s.action(kind).(Stater); ok {
			if t := st.Statement(c.Lang, c.Payload); t != "" {
				b.WriteString("\n")
				b.WriteString(t)
			}
		}
	}
	return b.String()
}

// frame is the choices' text of a kind in a language, rendered once:
// text and the index of a value, in turn (a confirmation mail is written
// for each signature of a viral petition, and rendering its message each
// time cost a twentieth of the group commit).
type frame struct {
	parts         []string
	yes, no, none string
}

func (s *Service) choicesFrame(kind Kind, lang string) *frame {
	key := string(kind) + "\x00" + lang
	if f, ok := s.frames.Load(key); ok {
		return f.(*frame)
	}
	l := s.cat.For(lang)
	text := l.T("participation.mail.choices."+string(kind), "Name", "\x000\x00", "Place", "\x001\x00",
		"PublicName", "\x002\x00", "ContactOK", "\x003\x00", "Share", "\x004\x00", "Comment", "\x005\x00")
	f := &frame{parts: strings.Split(text, "\x00"), yes: l.T("participation.mail.yes"), no: l.T("participation.mail.no"),
		none: l.T("participation.mail.none")}
	s.frames.Store(key, f)
	return f
}
