package vault

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"

	"repertoire"
)

// Limits bound what one import reads. An archive is checked against them
// before anything is read from it (its entry count, the sizes its
// directory declares), and while it is read (the bytes inflated, whatever
// the directory said): a zip bomb stops at MaxUncompressed.
type Limits struct {
	MaxUpload       int64 // bytes of the uploaded file
	MaxUncompressed int64 // bytes inflated out of an archive, every entry together
	MaxEntries      int   // entries of an archive
	MaxEntryBytes   int64 // bytes of one entry read whole (a profile)
}

// DefaultLimits take an archive of several gigabytes: Facebook's JSON
// compresses about ten to one, and an account of many years of photos
// weighs a few gigabytes once zipped.
func DefaultLimits() Limits {
	return Limits{MaxUpload: 8 << 30, MaxUncompressed: 32 << 30, MaxEntries: 500_000, MaxEntryBytes: 64 << 20}
}

// Result is what an import did.
type Result struct {
	Files int // files of the archive read as data (1 for a CSV or JSON file)
	Read  int // items read
	Added int // items new to the vault (the rest were already there)
}

// Importer reads a member's files into their vault, writing items in
// batches as they are read: memory holds one batch and one element of the
// file, whatever its size.
type Importer struct {
	Store  *Store
	Limits Limits
}

// analyzeAfter is how many new items make an import refresh the
// planner's statistics (Store.Analyze).
const analyzeAfter = 10_000

// importBatch is how many items one transaction writes.
const importBatch = 2000

// sink gathers items and writes them a batch at a time.
type sink struct {
	ctx      context.Context
	store    *Store
	personID string
	importID string
	buf      []Item
	res      *Result
}

func (s *sink) add(it Item) error {
	s.buf = append(s.buf, it)
	s.res.Read++
	if len(s.buf) >= importBatch {
		return s.flush()
	}
	return nil
}

func (s *sink) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	n, err := s.store.add(s.ctx, s.personID, s.importID, s.buf)
	if err != nil {
		return err
	}
	s.res.Added += n
	s.buf = s.buf[:0]
	return nil
}

// Spool copies an upload into a new file of dir (made 0700 if needed), at
// most max bytes; the caller removes the file. Uploads stay inside the
// data directory, never the system's temporary one.
func Spool(dir string, r io.Reader, max int64) (path string, size int64, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, repertoire.Internal(err)
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return "", 0, repertoire.Internal(err)
	}
	size, err = io.Copy(f, io.LimitReader(r, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && size > max {
		err = repertoire.Invalid("file", "vault.file_too_large", map[string]any{"Max": max >> 20})
	}
	if err != nil {
		os.Remove(f.Name())
		if _, ok := errors.AsType[*repertoire.Error](err); ok {
			return "", 0, err
		}
		return "", 0, repertoire.Invalid("file", "vault.file_unreadable", nil)
	}
	return f.Name(), size, nil
}

// newSink starts an import's writes, recorded as under way until finish.
func (im *Importer) newSink(ctx context.Context, personID string, res *Result) (*sink, error) {
	id, err := im.Store.begin(ctx, personID)
	if err != nil {
		return nil, err
	}
	return &sink{ctx: ctx, store: im.Store, personID: personID, importID: id, res: res}, nil
}

// finish writes the last batch of a successful import, or takes out what
// a failed one wrote: an import is kept whole or not at all.
func (s *sink) finish(err error) error {
	if err == nil {
		err = s.flush()
	}
	if err == nil && s.res.Added >= analyzeAfter {
		err = s.store.Analyze(s.ctx)
	}
	if err != nil {
		// The request's context may be what failed: undo regardless.
		if uerr := s.store.undo(context.WithoutCancel(s.ctx), s.personID, s.importID); uerr != nil {
			return uerr
		}
		s.res.Added = 0
		return err
	}
	return s.store.end(context.WithoutCancel(s.ctx), s.importID)
}

// ImportFile imports the file at path as g says: Facebook's archive
// (g.Format "facebook"), or a generic CSV or JSON file.
func (im *Importer) ImportFile(ctx context.Context, personID, path string, g Generic) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, repertoire.Internal(err)
	}
	defer f.Close()
	if g.Format != SourceFacebook {
		return im.Generic(ctx, personID, f, g)
	}
	st, err := f.Stat()
	if err != nil {
		return Result{}, repertoire.Internal(err)
	}
	return im.Facebook(ctx, personID, f, st.Size())
}

// Facebook imports a "Download your information" archive in JSON format,
// in either layout (the one of 2022 on, your_facebook_activity/…, and the
// one before), and returns what it did. Files it does not know (messages,
// photos) are left alone: they hold others' data as much as the member's.
func (im *Importer) Facebook(ctx context.Context, personID string, r io.ReaderAt, size int64) (Result, error) {
	var res Result
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return res, repertoire.Invalid("file", "vault.archive_unreadable", nil)
	}
	if len(zr.File) > im.Limits.MaxEntries {
		return res, repertoire.Invalid("file", "vault.archive_too_many", map[string]any{"Max": im.Limits.MaxEntries})
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > uint64(im.Limits.MaxUncompressed) {
			return res, repertoire.Invalid("file", "vault.archive_too_large", map[string]any{"Max": im.Limits.MaxUncompressed >> 20})
		}
	}
	out, err := im.newSink(ctx, personID, &res)
	if err != nil {
		return res, err
	}
	err = out.finish(im.readFacebook(ctx, zr, out))
	return res, err
}

// readFacebook reads the entries of an archive it knows into out.
func (im *Importer) readFacebook(ctx context.Context, zr *zip.Reader, out *sink) error {
	budget := &budget{left: im.Limits.MaxUncompressed}
	known := 0
	for _, f := range zr.File {
		kind := facebookFile(filepath.ToSlash(f.Name))
		if kind == nil {
			continue
		}
		known++
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return repertoire.Invalid("file", "vault.archive_unreadable", nil)
		}
		err = kind.read(&budgeted{r: rc, b: budget}, im.Limits, out.add)
		rc.Close()
		if errors.Is(err, errBudget) {
			return repertoire.Invalid("file", "vault.archive_too_large", map[string]any{"Max": im.Limits.MaxUncompressed >> 20})
		}
		if err != nil {
			if _, ok := errors.AsType[*repertoire.Error](err); ok {
				return err
			}
			return repertoire.Invalid("file", "vault.archive_bad_file", map[string]any{"Name": filepath.Base(f.Name)})
		}
		out.res.Files++
	}
	if known == 0 {
		return repertoire.Invalid("file", "vault.archive_not_facebook", nil)
	}
	return nil
}

// budget is what is left to inflate of an archive, every entry together.
type budget struct{ left int64 }

var errBudget = errors.New("vault: over the archive's uncompressed limit")

type budgeted struct {
	r io.Reader
	b *budget
}

func (b *budgeted) Read(p []byte) (int, error) {
	if b.b.left <= 0 {
		return 0, errBudget
	}
	if int64(len(p)) > b.b.left {
		p = p[:b.b.left]
	}
	n, err := b.r.Read(p)
	b.b.left -= int64(n)
	return n, err
}

// streamLists decodes a JSON document whose items are in arrays — the
// document itself, or arrays under its top-level keys — one element at a
// time (numbers as json.Number), calling each with the key ("" for a
// top-level array). Other values
// are skipped without being kept.
func streamLists(r io.Reader, each func(key string, elem any) error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	elements := func(key string) error {
		for dec.More() {
			var v any
			if err := dec.Decode(&v); err != nil {
				return err
			}
			if err := each(key, v); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return err
	}
	switch tok {
	case json.Delim('['):
		return elements("")
	case json.Delim('{'):
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			v, err := dec.Token()
			if err != nil {
				return err
			}
			switch v {
			case json.Delim('['):
				if err := elements(key); err != nil {
					return err
				}
			case json.Delim('{'):
				if err := skip(dec); err != nil {
					return err
				}
			}
		}
		_, err := dec.Token() // }
		return err
	}
	return errors.New("vault: neither an array nor an object")
}

// skip reads the rest of an object or array whose opening delimiter was
// just read.
func skip(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}
