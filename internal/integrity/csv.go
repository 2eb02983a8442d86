package integrity

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ReadCSV adds to g the participations read from r, one a line:
// account,target,unix_time (fields may be quoted as RFC 4180 says). A
// first line whose time is not a number is a header and is skipped;
// blank lines are skipped. Any other bad line is an error naming its line
// number. It returns how many participations it added.
func ReadCSV(r io.Reader, g *Graph) (int, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	n := 0
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return n, fmt.Errorf("line %d: %w", pe.Line, pe.Err)
			}
			return n, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 3 {
			return n, fmt.Errorf("line %d: %d fields, want 3 (account,target,unix_time)", line, len(rec))
		}
		at, err := strconv.ParseInt(strings.TrimSpace(rec[2]), 10, 64)
		if err != nil {
			if first {
				continue // a header
			}
			return n, fmt.Errorf("line %d: time %q is not a whole number of seconds", line, rec[2])
		}
		account, target := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if account == "" || target == "" {
			return n, fmt.Errorf("line %d: empty account or target", line)
		}
		g.Add(Event{Account: account, Target: target, Time: at})
		n++
	}
}

// WriteCSV writes the flagged accounts of groups, one line each
// (account,group,score) after a header line; an account in several groups
// has a line for each.
func WriteCSV(w io.Writer, groups []Group) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"account", "group", "score"})
	for _, gr := range groups {
		id, score := strconv.Itoa(gr.ID), strconv.FormatFloat(gr.Score, 'f', 2, 64)
		for _, a := range gr.Accounts {
			if err := cw.Write([]string{a, id, score}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
