package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"repertoire/internal/i18n"
	"repertoire/internal/web"
)

func TestMicrocacheRendersOncePerTTLForVisitors(t *testing.T) {
	var renders atomic.Int32
	page := func(w http.ResponseWriter, r *http.Request) {
		n := renders.Add(1)
		time.Sleep(5 * time.Millisecond) // a render long enough for misses to overlap
		fmt.Fprintf(w, "render %d", n)
	}
	c := web.NewMicrocache(time.Hour)
	h := web.Language(i18n.MustLoad())(c.Wrap(page))
	get := func(lang string, cookie *http.Cookie) string {
		req := httptest.NewRequest("GET", "/c/x/y/petitions/z", nil)
		req.Header.Set("Accept-Language", lang)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); get("en", nil) }()
	}
	wg.Wait()
	if n := renders.Load(); n != 1 {
		t.Fatalf("50 concurrent visitors caused %d renders", n)
	}
	if got := get("fr", nil); got != "render 2" {
		t.Fatalf("French shares the English page: %q", got)
	}
	if got := get("en", &http.Cookie{Name: web.FlashCookie, Value: "x"}); got != "render 3" {
		t.Fatalf("a visitor with a flash got the cached page: %q", got)
	}
}

func TestMicrocacheExpiresAndSkipsErrors(t *testing.T) {
	var renders atomic.Int32
	status := http.StatusNotFound
	page := func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		w.WriteHeader(status)
	}
	c := web.NewMicrocache(20 * time.Millisecond)
	h := web.Language(i18n.MustLoad())(c.Wrap(page))
	get := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/p", nil))
		return rec.Code
	}
	get()
	get()
	if renders.Load() != 2 {
		t.Fatalf("a 404 was cached")
	}
	status = http.StatusOK
	get()
	get()
	if renders.Load() != 3 {
		t.Fatalf("a 200 was not cached: %d renders", renders.Load())
	}
	time.Sleep(30 * time.Millisecond)
	get()
	if renders.Load() != 4 {
		t.Fatalf("a stale page was served: %d renders", renders.Load())
	}
}
