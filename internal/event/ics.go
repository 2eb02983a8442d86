package event

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/emersion/go-ical"

	"repertoire/internal/campaign"
	"repertoire/internal/web"
)

// calendar writes events as iCalendar (RFC 5545). UID is the event's id,
// stable; SEQUENCE its sequence, raised by every change of time, place or
// status, so calendars replace what they hold. Times are written in UTC,
// converted from the event's zone by the tz database: every calendar
// reads them alike, and an event on either side of a DST change keeps its
// wall-clock hour. withLink: the online link, for an accepted registrant's
// own calendar only.
func (h *Handler) calendar(w http.ResponseWriter, r *http.Request, es []*Event, withLink bool, name string) {
	l := web.Localizer(r.Context())
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Repertoire//Events//EN")
	cal.Props.SetText("X-WR-CALNAME", name)
	for _, e := range es {
		ev := ical.NewEvent()
		ev.Props.SetText(ical.PropUID, e.ID+"@repertoire")
		ev.Props.SetDateTime(ical.PropDateTimeStamp, e.ModifiedAt.UTC().Truncate(time.Second))
		ev.Props.SetDateTime(ical.PropDateTimeStart, e.Start.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, e.End.UTC())
		ev.Props.SetText(ical.PropSummary, e.Title)
		seq := ical.NewProp(ical.PropSequence)
		seq.Value = strconv.Itoa(e.Sequence)
		ev.Props.Set(seq)
		desc := e.Description
		if e.Speakers != "" {
			desc = e.Speakers + "\n\n" + desc
		}
		if withLink && e.OnlineURL != "" {
			desc += "\n\n" + e.OnlineURL
		}
		if desc != "" {
			ev.Props.SetText(ical.PropDescription, desc)
		}
		loc := ""
		if e.Room != "" {
			loc = e.Room
		}
		if e.Venue != "" {
			if loc != "" {
				loc += ", "
			}
			loc += e.Venue
		}
		if loc == "" && e.OnlineURL != "" {
			loc = l.T("event.online")
		}
		if loc != "" {
			ev.Props.SetText(ical.PropLocation, loc)
		}
		u := ical.NewProp(ical.PropURL)
		u.SetValueType(ical.ValueURI)
		u.Value = h.baseURL + e.Path()
		ev.Props.Set(u)
		if e.Status == StatusCancelled {
			ev.SetStatus(ical.EventCancelled)
		} else {
			ev.SetStatus(ical.EventConfirmed)
		}
		cal.Children = append(cal.Children, ev.Component)
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		h.pages.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// eventICS is one event's public calendar: no online link.
func (h *Handler) eventICS(w http.ResponseWriter, r *http.Request) {
	if s := h.locator.Locate(w, r, true, false); s != nil {
		h.calendar(w, r, []*Event{s.Tactic}, false, s.Tactic.Title)
	}
}

// feedICS is a community's feed: the events of its campaigns, for whoever
// may see the community; no online links.
func (h *Handler) feedICS(w http.ResponseWriter, r *http.Request) {
	com, err := h.communities.Get(r.Context(), r.PathValue("community"))
	if err == nil {
		var ok bool
		if ok, err = h.communities.CanView(r.Context(), com, web.ViewerID(r)); err == nil && !ok {
			err = errNotFound()
		}
	}
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	es, err := h.Store.OfCampaigns(r.Context(), campaign.CampaignsOf("$1"), com.ID)
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.calendar(w, r, es, false, com.Name)
}

// ticketICS is an accepted registrant's own calendar, with the online link.
func (h *Handler) ticketICS(w http.ResponseWriter, r *http.Request) {
	e, _, _, err := h.Store.Ticket(r.Context(), r.PathValue("token"))
	if err != nil {
		h.pages.Error(w, r, err)
		return
	}
	h.calendar(w, r, []*Event{e}, true, e.Title)
}
