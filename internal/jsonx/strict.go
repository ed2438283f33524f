package jsonx

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of header and payload objects. Real ID-JAGs nest a few levels
// (cnf, authorization_details); the bound keeps the recursive decoder cheap on hostile input.
const maxJSONDepth = 32

// DecodeStrictObject decodes data, which must be exactly one JSON object, into a map whose numbers
// are json.Number. Unlike json.Unmarshal it rejects duplicate member names at every level (JWT-11),
// invalid UTF-8 and unpaired surrogate escapes (JWT-05), trailing data and excessive nesting. Member
// names are kept exactly as written, so callers look claims up with exact case (RFC 7519 §4).
//
// It is a single-pass recursive-descent parser over data (RFC 8259 grammar). Values are string,
// json.Number (the number text as written), bool, nil, map[string]any and []any; names are
// compared after unescaping, so "iss" and "\u0069ss" are duplicates.
func DecodeStrictObject(data []byte) (map[string]any, error) {
	d := decoder{data: data}
	d.skipSpace()
	if d.i >= len(data) || data[d.i] != '{' {
		return nil, errors.New("not a JSON object")
	}
	d.i++
	obj, err := d.object(1)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.i != len(data) {
		return nil, errors.New("trailing data after JSON object")
	}
	return obj, nil
}

// decoder is the parser state: the input and the offset of the next unread byte.
type decoder struct {
	data []byte
	i    int
}

// syntaxError is a parse error with the byte offset where it was found; it never quotes the input.
type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string {
	return "JSON " + e.msg + " at offset " + strconv.Itoa(e.off)
}

func (d *decoder) errorf(msg string) error { return &syntaxError{msg: msg, off: d.i} }

// unexpected reports the byte at d.i (or the end of the input) as not fitting the grammar.
func (d *decoder) unexpected(want string) error {
	if d.i >= len(d.data) {
		return d.errorf("input ends early, expected " + want)
	}
	return d.errorf("syntax error, expected " + want)
}

// skipSpace advances past JSON whitespace: space, tab, CR and LF.
func (d *decoder) skipSpace() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// object reads members up to and including the closing brace of an object whose opening brace
// has been consumed. depth counts the objects and arrays open, this one included.
func (d *decoder) object(depth int) (map[string]any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	d.skipSpace()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return map[string]any{}, nil
	}
	// Members are collected on the stack so that the map is made for exactly their number: growing
	// a map costs more than the rest of decoding a claims set.
	var buf [16]member
	members := buf[:0]
	for {
		if d.i >= len(d.data) || d.data[d.i] != '"' {
			return nil, d.unexpected("member name")
		}
		name, err := d.string()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.i >= len(d.data) || d.data[d.i] != ':' {
			return nil, d.unexpected("':'")
		}
		d.i++
		d.skipSpace()
		val, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		members = append(members, member{name, val})
		d.skipSpace()
		if d.i < len(d.data) {
			switch d.data[d.i] {
			case ',':
				d.i++
				d.skipSpace()
				continue
			case '}':
				d.i++
				obj := make(map[string]any, len(members))
				for _, m := range members {
					obj[m.name] = m.value
				}
				if len(obj) != len(members) {
					return nil, errors.New("duplicate member name")
				}
				return obj, nil
			}
		}
		return nil, d.unexpected("',' or '}'")
	}
}

// member is an object member read but not yet stored in the object's map.
type member struct {
	name  string
	value any
}

// array reads elements up to and including the closing bracket of an array whose opening bracket
// has been consumed. depth counts the objects and arrays open, this one included.
func (d *decoder) array(depth int) ([]any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	d.skipSpace()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return []any{}, nil
	}
	// Elements are collected on the stack and copied into a slice of the exact length: one
	// allocation for the short arrays (groups, amr, aud) JWTs carry.
	var buf [8]any
	elems := buf[:0]
	for {
		val, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		elems = append(elems, val)
		d.skipSpace()
		if d.i < len(d.data) {
			switch d.data[d.i] {
			case ',':
				d.i++
				d.skipSpace()
				continue
			case ']':
				d.i++
				arr := make([]any, len(elems))
				copy(arr, elems)
				return arr, nil
			}
		}
		return nil, d.unexpected("',' or ']'")
	}
}

// value reads one JSON value starting at d.i, which is not whitespace: a string, json.Number,
// bool, nil, map[string]any or []any. depth is that of the enclosing object or array.
func (d *decoder) value(depth int) (any, error) {
	if d.i >= len(d.data) {
		return nil, d.unexpected("value")
	}
	switch c := d.data[d.i]; c {
	case '"':
		s, err := d.string()
		if err != nil {
			return nil, err
		}
		return s, nil
	case '{':
		d.i++
		obj, err := d.object(depth + 1)
		if err != nil {
			return nil, err
		}
		return obj, nil
	case '[':
		d.i++
		arr, err := d.array(depth + 1)
		if err != nil {
			return nil, err
		}
		return arr, nil
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		if c == '-' || isDigit(c) {
			return d.number()
		}
		return nil, d.unexpected("value")
	}
}

// literal consumes lit, which must appear at d.i.
func (d *decoder) literal(lit string) error {
	if len(d.data)-d.i < len(lit) || string(d.data[d.i:d.i+len(lit)]) != lit {
		return d.errorf("invalid literal")
	}
	d.i += len(lit)
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number reads a number starting at d.i, validating it against the RFC 8259 grammar
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and keeping its text as written. What follows
// the number is checked by the caller, so "01" fails there.
func (d *decoder) number() (json.Number, error) {
	data := d.data
	start := d.i
	i := start
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && isDigit(data[i]):
		for i++; i < len(data) && isDigit(data[i]); i++ {
		}
	default:
		d.i = i
		return "", d.errorf("invalid number")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || !isDigit(data[i]) {
			d.i = i
			return "", d.errorf("invalid number")
		}
		for i++; i < len(data) && isDigit(data[i]); i++ {
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			d.i = i
			return "", d.errorf("invalid number")
		}
		for i++; i < len(data) && isDigit(data[i]); i++ {
		}
	}
	d.i = i
	return json.Number(data[start:i]), nil
}

// plain marks the ASCII bytes that stand for themselves inside a string: everything from 0x20 up
// except '"' and '\\'.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// string reads a string whose opening quote is at d.i and returns it unescaped. A string without
// escapes costs one allocation.
func (d *decoder) string() (string, error) {
	data := d.data
	start := d.i + 1
	for i := start; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			switch c {
			case '"':
				d.i = i + 1
				return string(data[start:i]), nil
			case '\\':
				return d.escapedString(start, i)
			}
			d.i = i
			return "", d.errorf("control character in string")
		}
		n, ok := validRune(data[i:])
		if !ok {
			return "", errors.New("not valid UTF-8")
		}
		i += n
	}
	d.i = len(data)
	return "", d.errorf("unterminated string")
}

// validRune returns the length of the UTF-8 encoded rune at the start of b, which is not ASCII,
// and whether it is valid.
func validRune(b []byte) (int, bool) {
	r, n := utf8.DecodeRune(b)
	return n, r != utf8.RuneError || n > 1
}

// escapedString finishes reading a string that starts at data[start] (after the quote) and whose
// first backslash is at data[i].
func (d *decoder) escapedString(start, i int) (string, error) {
	data := d.data
	var sb strings.Builder
	sb.Grow(i - start + 16)
	sb.Write(data[start:i])
	for i < len(data) {
		c := data[i]
		if c >= utf8.RuneSelf {
			n, ok := validRune(data[i:])
			if !ok {
				return "", errors.New("not valid UTF-8")
			}
			sb.Write(data[i : i+n])
			i += n
			continue
		}
		if plain[c] {
			sb.WriteByte(c)
			i++
			continue
		}
		switch c {
		case '"':
			d.i = i + 1
			return sb.String(), nil
		case '\\':
		default:
			d.i = i
			return "", d.errorf("control character in string")
		}
		// An escape sequence.
		if i+1 >= len(data) {
			break
		}
		switch e := data[i+1]; e {
		case '"', '\\', '/':
			sb.WriteByte(e)
		case 'b':
			sb.WriteByte('\b')
		case 'f':
			sb.WriteByte('\f')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 't':
			sb.WriteByte('\t')
		case 'u':
			r, ok := hex4(data, i+2)
			if !ok {
				d.i = i
				return "", d.errorf("invalid \\u escape")
			}
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return "", errors.New("unpaired UTF-16 surrogate escape")
			case r >= 0xD800 && r <= 0xDBFF:
				// A high surrogate must be followed by an escaped low surrogate.
				lo, ok := rune(0), false
				if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
					lo, ok = hex4(data, i+8)
				}
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return "", errors.New("unpaired UTF-16 surrogate escape")
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				i += 6
			}
			sb.WriteRune(r)
			i += 4
		default:
			d.i = i
			return "", d.errorf("invalid escape in string")
		}
		i += 2
	}
	d.i = len(data)
	return "", d.errorf("unterminated string")
}

// hex4 parses the four hex digits at data[at:at+4].
func hex4(data []byte, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}
