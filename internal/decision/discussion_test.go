package decision_test

import (
	"net/url"
	"strings"
	"testing"

	"repertoire/internal/testkit"
)

type commentDoc struct {
	ID        string       `json:"id"`
	Body      string       `json:"body"`
	InReplyTo *string      `json:"in_reply_to"`
	Name      string       `json:"name"`
	Replies   []commentDoc `json:"replies"`
}

type commentsDoc struct {
	Total    int `json:"total_records"`
	Embedded struct {
		Comments []commentDoc `json:"repertoire:comments"`
	} `json:"_embedded"`
}

// Members reply to a message of the discussion, one level deep as in
// Loomio: on the page, under the message, and through the API, where a
// reply to a reply answers the same message; an empty reply keeps its
// form open with the error; a reply to another decision's message is
// refused naming in_reply_to; erasing a message's writer leaves the
// replies, unthreaded.
func TestDiscussionReplies(t *testing.T) {
	testkit.Apps(t, func(t *testing.T, app *testkit.App) {
		f := setup(t, app, 2)
		d := f.create(t, map[string]any{"title": "Adopt a code of conduct", "kind": "rule"})
		ann, bob := f.members[0], f.members[1]
		path := "/decisions/" + d.ID
		if st, _ := ann.browser.Post(t, path+"/comments", url.Values{"body": {"Shall we add a clause on harassment?"}}); st != 200 {
			t.Fatalf("comment: %d", st)
		}
		var list commentsDoc
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/comments", bob.token, nil, &list); st != 200 || len(list.Embedded.Comments) != 1 {
			t.Fatalf("comments: %d %+v", st, list)
		}
		first := list.Embedded.Comments[0].ID

		// On the page: the reply form under the message.
		_, page := bob.browser.Get(t, path)
		if !strings.Contains(page, `id="comment-`+first+`"`) || !strings.Contains(page, `name="parent" value="`+first+`"`) {
			t.Fatalf("no reply form under the message:\n%s", page)
		}
		st, page := bob.browser.Post(t, path+"/comments", url.Values{"body": {" "}, "parent": {first}})
		if st != 422 || !strings.Contains(page, `id="e-reply-`+first+`"`) || !strings.Contains(page, `<details class="reply" open>`) {
			t.Fatalf("an empty reply: %d, want 422 with its form open and the error\n%s", st, page)
		}
		if st, _ := bob.browser.Post(t, path+"/comments", url.Values{"body": {"Yes, and on doxxing."}, "parent": {first}}); st != 200 {
			t.Fatalf("reply: %d", st)
		}
		_, page = ann.browser.Get(t, path)
		i := strings.Index(page, `id="comment-`+first+`"`)
		if i < 0 || !strings.Contains(page[i:], `<ol class="replies">`) || !strings.Contains(page[strings.Index(page[i:], `<ol class="replies">`)+i:], "Yes, and on doxxing.") {
			t.Fatalf("the reply is not under its message:\n%s", page)
		}

		// Through the API: a reply to the reply answers the message.
		var reply commentDoc
		if st := app.API(t, "POST", "/api/v1/decisions/"+d.ID+"/comments", ann.token, map[string]any{"body": "Agreed.",
			"in_reply_to": list.Embedded.Comments[0].ID}, &reply); st != 201 || reply.InReplyTo == nil || *reply.InReplyTo != first {
			t.Fatalf("reply through the API: %d %+v", st, reply)
		}
		var again commentDoc
		if st := app.API(t, "POST", "/api/v1/decisions/"+d.ID+"/comments", bob.token, map[string]any{"body": "Thanks.",
			"in_reply_to": "repertoire:" + reply.ID}, &again); st != 201 || again.InReplyTo == nil || *again.InReplyTo != first {
			t.Fatalf("a reply to a reply: %d %+v, want it under the first message", st, again)
		}
		other := f.create(t, map[string]any{"title": "Another question", "kind": "rule"})
		var p struct {
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		if st := app.API(t, "POST", "/api/v1/decisions/"+other.ID+"/comments", ann.token, map[string]any{"body": "Misplaced",
			"in_reply_to": first}, &p); st != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "in_reply_to" {
			t.Fatalf("a reply to another decision's message: %d %+v", st, p)
		}
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/comments", f.app.Token(t, "stranger@example.org", "Stranger", false), nil, nil); st != 403 {
			t.Fatalf("a non-member reads the discussion: %d, want 403", st)
		}
		list = commentsDoc{}
		app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/comments", bob.token, nil, &list)
		if cs := list.Embedded.Comments; list.Total != 1 || len(cs) != 1 || len(cs[0].Replies) != 3 || cs[0].Replies[0].Body != "Yes, and on doxxing." ||
			cs[0].Replies[2].Body != "Thanks." || cs[0].Replies[1].Name != "Rider1 Member" {
			t.Fatalf("the discussion: %+v", list)
		}
		var one commentDoc
		if st := app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/comments/"+first, bob.token, nil, &one); st != 200 || len(one.Replies) != 3 {
			t.Fatalf("one message: %d %+v", st, one)
		}

		// Ann's erasure takes her message; the replies stay, unthreaded.
		var id string
		app.DB.Reader().QueryRowContext(t.Context(), `SELECT id FROM people WHERE email = $1`, ann.email).Scan(&id)
		if st := app.API(t, "DELETE", "/api/v1/people/"+id, ann.token, nil, nil); st != 204 {
			t.Fatalf("erase: %d", st)
		}
		list = commentsDoc{}
		app.API(t, "GET", "/api/v1/decisions/"+d.ID+"/comments", bob.token, nil, &list)
		if cs := list.Embedded.Comments; len(cs) != 2 || cs[0].Body != "Yes, and on doxxing." || cs[0].InReplyTo != nil || cs[1].Body != "Thanks." {
			t.Fatalf("after the erasure: %+v", cs)
		}
	})
}
