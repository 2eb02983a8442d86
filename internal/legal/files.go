package legal

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"repertoire"
	"repertoire/internal/store"
)

// Files are kept on disk under dir, named by their random id: the name
// an enrolee gave is only shown, never used as a path.

// The kinds of file taken, by their content.
var fileTypes = map[string]string{"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}

// Sniff tells the kind of a file from its first bytes: PDF, PNG or JPEG,
// whatever its name says; "" for anything else.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "jpeg"
	}
	return ""
}

// ContentType is the type a kind of file is served with.
func ContentType(kind string) string { return fileTypes[kind] }

// cleanName keeps a shown file name short and printable.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	for utf8.RuneCountInString(name) > 100 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}

// saveFile checks and writes one uploaded file of an enrolment: at most
// MaxFileBytes, of a kind Sniff knows.
func (h *Handler) saveFile(ctx context.Context, e *Enrolment, name string, r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return repertoire.Invalid("file", "legal.file_unreadable", nil)
	}
	if len(data) == 0 {
		return repertoire.Invalid("file", "field.required", nil)
	}
	if len(data) > MaxFileBytes {
		return repertoire.Invalid("file", "legal.file_too_large", map[string]any{"Max": MaxFileBytes >> 20})
	}
	kind := Sniff(data)
	if kind == "" {
		return repertoire.Invalid("file", "legal.file_type", nil)
	}
	f := File{ID: store.NewID() + "-" + store.NewToken()[:16], ParticipationID: e.ParticipationID, ActionID: e.ActionID,
		Kind: kind, Size: int64(len(data)), Name: cleanName(name)}
	if err := os.MkdirAll(h.filesDir, 0o700); err != nil {
		return repertoire.Internal(err)
	}
	if err := os.WriteFile(h.filePath(f.ID), data, 0o600); err != nil {
		return repertoire.Internal(err)
	}
	if err := h.Store.addFile(ctx, f); err != nil {
		os.Remove(h.filePath(f.ID))
		return err
	}
	return nil
}

func (h *Handler) filePath(id string) string {
	return filepath.Join(h.filesDir, filepath.Base(id))
}

// removeFiles deletes files from disk; a file already gone is no error.
func (h *Handler) removeFiles(ids []string) {
	for _, id := range ids {
		if err := os.Remove(h.filePath(id)); err != nil && !os.IsNotExist(err) {
			h.log.Error("legal: removing a file", "file", id, "err", err)
		}
	}
}
