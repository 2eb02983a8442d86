package vault

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"repertoire"
)

// Generic says how to read an upload: its format (Facebook's archive,
// CSV, JSON) and, for a CSV or JSON file, the category the member puts its
// rows in and which column or field (if any) says when each happened.
type Generic struct {
	Format    string // "csv" or "json"
	Category  string
	TimeField string
}

// Formats are what an upload may be: Facebook's archive, or a generic
// CSV or JSON file.
var Formats = []string{SourceFacebook, SourceCSV, SourceJSON}

// Check validates the member's choices for a generic file, naming each
// field at fault.
func (g Generic) Check() error {
	var errs repertoire.Errors
	if g.Format != SourceCSV && g.Format != SourceJSON {
		errs = append(errs, repertoire.Invalid("format", "vault.format_unknown", nil))
	}
	if !ValidCategory(g.Category) {
		errs = append(errs, repertoire.Invalid("category", "vault.category_pick", nil))
	}
	if utf8.RuneCountInString(g.TimeField) > maxFieldName {
		errs = append(errs, repertoire.Invalid("time_field", "vault.time_field_long", map[string]any{"Max": maxFieldName}))
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// maxFieldName bounds a column's name; maxColumns a row's columns.
const (
	maxFieldName = 200
	maxColumns   = 500
)

// Generic imports a CSV file (a header row, then one item per row) or a
// JSON file (an array of objects, or an object holding one: one item per
// element), every item in g.Category.
func (im *Importer) Generic(ctx context.Context, personID string, r io.Reader, g Generic) (Result, error) {
	var res Result
	if err := g.Check(); err != nil {
		return res, err
	}
	out, err := im.newSink(ctx, personID, &res)
	if err != nil {
		return res, err
	}
	if g.Format == SourceCSV {
		err = readCSV(r, g, out.add)
	} else {
		err = streamLists(r, func(_ string, v any) error { return addRecord(g, v, out.add) })
	}
	if err != nil {
		if _, ok := errors.AsType[*repertoire.Error](err); !ok {
			err = repertoire.Invalid("file", "vault.file_bad_"+g.Format, nil)
		}
	} else {
		res.Files = 1
	}
	err = out.finish(err)
	return res, err
}

func readCSV(r io.Reader, g Generic, add func(Item) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return err
	}
	if len(header) > maxColumns {
		return repertoire.Invalid("file", "vault.file_too_wide", map[string]any{"Max": maxColumns})
	}
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.ToValidUTF8(strings.TrimPrefix(h, "\ufeff"), "\ufffd"))
		if h == "" {
			h = "column_" + strconv.Itoa(i+1)
		}
		names[i] = h
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		fields := map[string]any{}
		for i, v := range rec {
			if i >= len(names) || v == "" {
				continue
			}
			fields[names[i]] = strings.ToValidUTF8(v, "\ufffd")
		}
		if err := addRecord(g, fields, add); err != nil {
			return err
		}
	}
}

// addRecord makes one item of a row or element: its fields (an element
// that is not an object is {"value": …}), its time from g.TimeField.
func addRecord(g Generic, v any, add func(Item) error) error {
	fields, ok := v.(map[string]any)
	if !ok {
		if v == nil {
			return nil
		}
		fields = map[string]any{"value": v}
	}
	if len(fields) == 0 {
		return nil
	}
	var at time.Time
	if g.TimeField != "" {
		at = parseTime(fields[g.TimeField])
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	kind := "row"
	if g.Format == SourceJSON {
		kind = "record"
	}
	return add(Item{Category: g.Category, Source: g.Format, Kind: kind, Time: at, Data: data})
}

// parseTime reads a time the way files write them: RFC 3339, a date, a
// date and time without a zone (UTC), or Unix seconds.
func parseTime(v any) time.Time {
	var s string
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case json.Number:
		s = x.String()
	default:
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 || n > 1<<40 {
			return time.Time{}
		}
		return time.Unix(n, 0).UTC()
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() > 0 && t.Year() < 10000 {
			return t.UTC().Truncate(time.Microsecond)
		}
	}
	return time.Time{}
}
