package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"repertoire/internal/integrity"
)

// detect runs the integrity engine over a researcher's file of
// participations (account,target,unix_time a line) and writes the flagged
// accounts with their group and its score (docs/integrity.md).
func detect(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	input := fs.String("input", "", "participations, one a line: account,target,unix_time (an optional header line; - for standard input)")
	output := fs.String("output", "", "where to write account,group,score lines (default: standard output)")
	cfg := integrity.DefaultConfig()
	fs.Int64Var(&cfg.Window, "window", cfg.Window, "seconds within which participations on one target are together")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("detect: unexpected argument %q", fs.Arg(0))
	}
	if *input == "" {
		return errors.New("detect: --input FILE is needed")
	}
	in := stdin
	if *input != "-" {
		f, err := os.Open(*input)
		if err != nil {
			return fmt.Errorf("detect: %w", err)
		}
		defer f.Close()
		in = f
	}
	g := integrity.NewGraph(0)
	if _, err := integrity.ReadCSV(bufio.NewReaderSize(in, 1<<20), g); err != nil {
		return fmt.Errorf("detect: %s: %w", *input, err)
	}
	groups := g.Detect(cfg)
	out := stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			return fmt.Errorf("detect: %w", err)
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	if err := integrity.WriteCSV(w, groups); err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("detect: %w", err)
	}
	if f, ok := out.(*os.File); ok && *output != "" {
		return f.Close()
	}
	return nil
}
