package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"repertoire/internal/translog"
)

// verifyState is what `repertoire verify` remembers of each log between
// runs: its key (trusted on first use) and the last checkpoint it checked.
type verifyState struct {
	Key        string `json:"key"`
	Checkpoint string `json:"checkpoint"`
}

// verify checks a Repertoire's transparency log from the outside, with
// only its published endpoints: the checkpoint's signature and its
// consistency with the last one seen, a receipt, an action's count.
func verify(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	base := fs.String("log", "", "the site's base URL (its log is under /log/)")
	home, _ := os.UserHomeDir()
	statePath := fs.String("state", filepath.Join(home, ".repertoire-verify"), "file keeping each log's key and last checkpoint")
	key := fs.String("key", "", "the log's verifier key (default: fetched from /log/key on first use, then kept)")
	receipt := fs.String("receipt", "", "a receipt (C2SP tlog-proof) to check")
	count := fs.String("count", "", "an action id: recount its leaves and compare with its published count")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *base == "" {
		return errors.New("verify: --log URL is needed")
	}
	states := map[string]verifyState{}
	if b, err := os.ReadFile(*statePath); err == nil {
		if err := json.Unmarshal(b, &states); err != nil {
			return fmt.Errorf("verify: %s: %w", *statePath, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	st := states[*base]
	c := &translog.Client{Base: *base}
	switch {
	case *key != "":
		if st.Key != "" && st.Key != *key {
			return errors.New("verify: this log was seen with another key; remove it from the state file to trust the new one")
		}
		st.Key = *key
	case st.Key == "":
		k, err := c.Key(ctx)
		if err != nil {
			return err
		}
		st.Key = k
		fmt.Fprintf(stdout, "trusting the log's key on first use: %s\n", k)
	}

	// The checkpoint: signed by the key, and extending the last one seen.
	cp, raw, err := c.Checkpoint(ctx, st.Key)
	if err != nil {
		return err
	}
	if st.Checkpoint != "" {
		last, err := translog.OpenCheckpoint([]byte(st.Checkpoint), st.Key)
		if err != nil {
			return fmt.Errorf("verify: the state file's checkpoint: %w", err)
		}
		if err := c.Consistent(ctx, last.Tree, cp.Tree); err != nil {
			return fmt.Errorf("verify: INCONSISTENT LOG: %w", err)
		}
		fmt.Fprintf(stdout, "checkpoint %d of %s is signed and extends the one seen before (%d)\n", cp.Tree.N, cp.Origin, last.Tree.N)
	} else {
		fmt.Fprintf(stdout, "checkpoint %d of %s is signed\n", cp.Tree.N, cp.Origin)
	}

	if *receipt != "" {
		b, err := os.ReadFile(*receipt)
		if err != nil {
			return err
		}
		p, err := translog.ParseProof(b)
		if err != nil {
			return err
		}
		rcp, e, err := translog.CheckProof(p, st.Key)
		if err != nil {
			return fmt.Errorf("verify: BAD RECEIPT: %w", err)
		}
		if err := c.Consistent(ctx, rcp.Tree, cp.Tree); err != nil {
			return fmt.Errorf("verify: the log no longer holds the receipt's tree: %w", err)
		}
		fmt.Fprintf(stdout, "receipt: leaf %d (%s, %s %s) is in the log, which still holds it at %d leaves\n",
			p.Index, e.Kind, e.Tactic, e.ActionID, cp.Tree.N)
	}

	if *count != "" {
		pc, err := c.PublishedCount(ctx, *count)
		if err != nil {
			return err
		}
		// The count may belong to a tree newer than the checkpoint read:
		// wait for a checkpoint that holds it (they are signed every few
		// seconds).
		for deadline := time.Now().Add(2 * translog.CheckpointAge * 3); cp.Tree.N < pc.TreeSize; {
			if time.Now().After(deadline) {
				return fmt.Errorf("verify: no checkpoint holds the count's tree of %d leaves", pc.TreeSize)
			}
			time.Sleep(500 * time.Millisecond)
			next, nextRaw, err := c.Checkpoint(ctx, st.Key)
			if err != nil {
				return err
			}
			if err := c.Consistent(ctx, cp.Tree, next.Tree); err != nil {
				return fmt.Errorf("verify: INCONSISTENT LOG: %w", err)
			}
			cp, raw = next, nextRaw
		}
		entries, err := c.Entries(ctx, cp.Tree)
		if err != nil {
			return fmt.Errorf("verify: BAD LOG: %w", err)
		}
		n, err := translog.Recount(entries, pc.TreeSize, *count)
		if err != nil {
			return fmt.Errorf("verify: BAD LOG: %w", err)
		}
		if n != pc.Count {
			return fmt.Errorf("verify: COUNT MISMATCH: %s publishes %d at %d leaves, its log counts %d", *count, pc.Count, pc.TreeSize, n)
		}
		fmt.Fprintf(stdout, "count: %s is %d at %d leaves, as its log counts\n", *count, n, pc.TreeSize)
	}

	st.Checkpoint = string(raw)
	states[*base] = st
	b, err := json.MarshalIndent(states, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(*statePath, b, 0o600)
}
