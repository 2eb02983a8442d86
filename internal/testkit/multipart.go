package testkit

import (
	"io"
	"mime/multipart"
)

func newMultipartReader(r io.Reader, boundary string) *multipart.Reader {
	return multipart.NewReader(r, boundary)
}
