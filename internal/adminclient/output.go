package adminclient

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"
)

// Output formats of the CLI's -o flag.
const (
	FormatTable = "table"
	FormatJSON  = "json"
)

// Table is rows of cells under a header, written aligned by Write.
type Table struct {
	Header []string
	Rows   [][]string
}

// Write writes t with columns aligned by text/tabwriter. Control characters
// in cells (tabs, newlines, terminal escapes from data such as a
// user agent) are replaced so they cannot break the layout or the terminal.
func (t Table) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	writeRow(tw, t.Header)
	for _, r := range t.Rows {
		writeRow(tw, r)
	}
	return tw.Flush()
}

func writeRow(w io.Writer, cells []string) {
	clean := make([]string, len(cells))
	for i, c := range cells {
		clean[i] = sanitize(c)
	}
	fmt.Fprintln(w, strings.Join(clean, "\t"))
}

// sanitize replaces control characters with '?' and maps an empty cell to
// "-" so columns stay visible.
func sanitize(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// WriteJSON writes v as indented JSON followed by a newline. DEL and C1
// control characters, which encoding/json leaves raw inside strings, are
// escaped so the output is safe on a terminal and still the same JSON.
func WriteJSON(w io.Writer, v any) error {
	buf, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	var b strings.Builder
	for _, r := range string(buf) {
		if r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	b.WriteByte('\n')
	_, err = io.WriteString(w, b.String())
	return err
}

// ValidFormat reports whether f is "", FormatTable or FormatJSON.
func ValidFormat(f string) error {
	switch f {
	case "", FormatTable, FormatJSON:
		return nil
	}
	return fmt.Errorf("output format %q: want %s or %s", f, FormatTable, FormatJSON)
}
