package conversation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileSize is the largest file a message may carry: 10 MB.
const MaxFileSize = 10 << 20

// maxFileName is the longest file name kept, in characters.
const maxFileName = 200

// fileTypes are the files a conversation takes, by extension: documents,
// images and office files. The type is a label for the download; the bytes
// are never shown inline, whatever they are.
var fileTypes = map[string]string{
	".pdf":     "application/pdf",
	".png":     "image/png",
	".jpg":     "image/jpeg",
	".jpeg":    "image/jpeg",
	".gif":     "image/gif",
	".webp":    "image/webp",
	".heic":    "image/heic",
	".txt":     "text/plain",
	".md":      "text/markdown",
	".csv":     "text/csv",
	".rtf":     "application/rtf",
	".doc":     "application/msword",
	".docx":    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xls":     "application/vnd.ms-excel",
	".xlsx":    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".ppt":     "application/vnd.ms-powerpoint",
	".pptx":    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":     "application/vnd.oasis.opendocument.text",
	".ods":     "application/vnd.oasis.opendocument.spreadsheet",
	".odp":     "application/vnd.oasis.opendocument.presentation",
	".pages":   "application/vnd.apple.pages",
	".key":     "application/vnd.apple.keynote",
	".numbers": "application/vnd.apple.numbers",
}

// Upload is a file someone attaches to a message.
type Upload struct {
	Name string
	Data []byte
}

// check describes an upload, or says why it is refused.
func (u *Upload) check() (*File, string) {
	name := cleanName(u.Name)
	ext := strings.ToLower(path.Ext(name))
	typ, ok := fileTypes[ext]
	switch {
	case name == "":
		return nil, "must have a name"
	case !ok:
		return nil, fmt.Sprintf("must be a PDF, an image or an office document (%s files are not taken)", orNone(ext))
	case len(u.Data) == 0:
		return nil, "is empty"
	case len(u.Data) > MaxFileSize:
		return nil, fmt.Sprintf("is %.1f MB; a file may be at most 10 MB", float64(len(u.Data))/(1<<20))
	}
	sum := sha256.Sum256(u.Data)
	return &File{Name: name, Type: typ, Size: int64(len(u.Data)), SHA256: hex.EncodeToString(sum[:])}, ""
}

func orNone(ext string) string {
	if ext == "" {
		return "extensionless"
	}
	return ext
}

// cleanName keeps a file name's last part, without control or format
// characters (bidirectional overrides among them), at most maxFileName
// characters with its extension kept.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || strings.Trim(name, ".") == "" {
		return ""
	}
	if r := []rune(name); len(r) > maxFileName {
		ext := []rune(path.Ext(name))
		if len(ext) > 16 {
			ext = nil
		}
		name = string(r[:maxFileName-len(ext)]) + string(ext)
	}
	return name
}

// FileOf returns a file and its bytes to one of the two people of its
// conversation; anyone else is told there is none.
func (s *Service) FileOf(ctx context.Context, id int64) (*File, []byte, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	f, convID, err := s.Store.FileByID(ctx, id)
	if err != nil {
		return nil, nil, orNotFound(err, "file")
	}
	c, err := s.Store.ConversationByID(ctx, convID)
	if err != nil || !c.Has(a.UserID) {
		return nil, nil, orNotFound(err, "file")
	}
	data, err := s.Store.FileData(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return f, data, nil
}
