package audit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/authplane/authplane/internal/admin"
	"github.com/authplane/authplane/internal/storage"
)

// Stream defaults.
const (
	// DefaultPollInterval is how often a following stream polls.
	DefaultPollInterval = 500 * time.Millisecond
	// DefaultGapWait is how long a stream waits for a missing seq.
	DefaultGapWait = 5 * time.Second
	// streamPage is how many events a stream reads at a time.
	streamPage = 500
	// streamWriteWindow is the write deadline of each round of a stream,
	// overriding the admin listener's write time-out for long streams.
	streamWriteWindow = 30 * time.Second
)

// streamQuery is a parsed stream request.
type streamQuery struct {
	filter storage.AuditFilter
	after  int64
	follow bool
}

// streamQueryOf reads the list endpoint's filters plus cursor (a decimal
// seq: the seq of the last event received) and follow.
func streamQueryOf(v url.Values) (streamQuery, problems) {
	var p problems
	q := streamQuery{filter: storage.AuditFilter{
		Type: v.Get("type"), Outcome: v.Get("outcome"), Reason: v.Get("reason"), IdPID: v.Get("idp"),
		ClientID: v.Get("client"), Subject: v.Get("subject"), Resource: v.Get("resource"), JTI: v.Get("jti"),
	}}
	q.filter.Since, q.filter.Until = p.times(v)
	if s := v.Get("cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			p.add("cursor", "must be the seq of the last event received")
		}
		q.after = n
	}
	if s := v.Get("follow"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			p.add("follow", "must be true or false")
		}
		q.follow = b
	}
	return q, p
}

// Stream serves GET /admin/v1/audit/stream?cursor=&follow=&<list filters>:
// the matching events after cursor as application/x-ndjson, one event per
// line in the list endpoint's JSON shape, in seq order. Without follow it
// ends once it has caught up; with follow it polls every PollInterval until
// the client disconnects. A client resumes with cursor = the seq of the
// last line it processed.
//
// On PostgreSQL a seq can become visible after a higher one (concurrent
// appends commit out of order). The stream therefore never passes a
// missing seq until GapWait has elapsed since it first saw the gap, or the
// event after the gap is itself older than GapWait: a late commit is
// delivered rather than skipped, and a seq that was rolled back (or
// purged) costs at most one GapWait.
func (h *Handler) Stream(w http.ResponseWriter, r *http.Request) {
	q, p := streamQueryOf(r.URL.Query())
	if len(p) > 0 {
		writeInvalid(w, p)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	s := &streamer{h: h, q: q, pos: q.after, w: w}
	ctx := r.Context()
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteWindow))
		state, err := s.round(ctx)
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			if ctx.Err() == nil {
				h.log().Warn("audit: stream ended", "err", err)
			}
			return
		}
		switch {
		case state == more:
			continue
		case state == caughtUp && !q.follow:
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(h.pollInterval()):
		}
	}
}

func (h *Handler) pollInterval() time.Duration {
	if h.PollInterval <= 0 {
		return DefaultPollInterval
	}
	return h.PollInterval
}

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

// roundState is how a round of a stream ended.
type roundState int

const (
	caughtUp roundState = iota // no more events visible
	more                       // a full page: read on at once
	blocked                    // waiting at a gap
)

// streamer is the state of one stream: the last seq passed and the gap it
// waits at, if any.
type streamer struct {
	h        *Handler
	q        streamQuery
	pos      int64
	gapSince time.Time
	w        http.ResponseWriter
}

// round reads one page after pos and writes the matching events up to the
// first unsettled gap.
func (s *streamer) round(ctx context.Context) (roundState, error) {
	evs, err := s.h.Store.ListAudit(ctx, storage.AuditFilter{}, storage.Page{After: strconv.FormatInt(s.pos, 10), Limit: streamPage})
	if err != nil {
		return caughtUp, err
	}
	for _, ev := range evs {
		if ev.Seq != s.pos+1 && !s.gapSettled(ev) {
			return blocked, nil
		}
		s.pos, s.gapSince = ev.Seq, time.Time{}
		if !matches(s.q.filter, ev) {
			continue
		}
		line, err := json.Marshal(admin.AuditEventFromStorage(ev))
		if err != nil {
			return caughtUp, err
		}
		if _, err := s.w.Write(append(line, '\n')); err != nil {
			return caughtUp, err
		}
	}
	if len(evs) == streamPage {
		return more, nil
	}
	return caughtUp, nil
}

// gapSettled reports whether the stream may pass the missing seqs before
// ev: it has waited GapWait for them, or ev itself is older than that.
func (s *streamer) gapSettled(ev storage.AuditEvent) bool {
	wait := s.h.GapWait
	if wait <= 0 {
		wait = DefaultGapWait
	}
	now := s.h.now()
	if s.gapSince.IsZero() {
		s.gapSince = now
	}
	return now.Sub(s.gapSince) >= wait || (!ev.Time.IsZero() && now.Sub(ev.Time) >= wait)
}

// matches applies f as the stores do: times at millisecond precision
// (Since inclusive, Until exclusive), JTI against either jti.
func matches(f storage.AuditFilter, ev storage.AuditEvent) bool {
	ms := ev.Time.UnixMilli()
	switch {
	case !f.Since.IsZero() && ms < f.Since.UnixMilli():
		return false
	case !f.Until.IsZero() && ms >= f.Until.UnixMilli():
		return false
	case f.JTI != "" && ev.AssertionJTI != f.JTI && ev.TokenJTI != f.JTI:
		return false
	}
	for _, c := range [...]struct{ want, got string }{
		{f.Type, ev.Type}, {f.Outcome, ev.Outcome}, {f.Reason, ev.Reason}, {f.IdPID, ev.IdPID},
		{f.ClientID, ev.ClientID}, {f.Subject, ev.Subject}, {f.Resource, ev.Resource},
	} {
		if c.want != "" && c.want != c.got {
			return false
		}
	}
	return true
}
