package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// This file keeps the original encoding/json Token-based implementation of DecodeStrictObject,
// unchanged except for names, as the reference the hand-written parser is compared with in
// TestDecodeStrictObjectMatchesReference and FuzzDecodeStrictObject.

// decodeStrictObjectReference is the original DecodeStrictObject: it decodes data, which must be
// exactly one JSON object, into a map whose numbers are json.Number, rejecting duplicate member
// names at every level, invalid UTF-8, unpaired surrogate escapes, trailing data and excessive
// nesting.
func decodeStrictObjectReference(data []byte) (map[string]any, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	if !refValidEscapes(data) {
		return nil, errors.New("unpaired UTF-16 surrogate escape")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	obj, err := refReadObject(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON object")
	}
	return obj, nil
}

// refReadObject reads members up to and including the closing brace of an object whose opening
// brace has been consumed.
func refReadObject(dec *json.Decoder, depth int) (map[string]any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	obj := make(map[string]any)
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return obj, nil
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("object member name is not a string")
		}
		if _, dup := obj[name]; dup {
			return nil, errors.New("duplicate member name")
		}
		val, err := refReadValue(dec, depth)
		if err != nil {
			return nil, err
		}
		obj[name] = val
	}
}

// refReadArray reads elements up to and including the closing bracket of an array whose opening
// bracket has been consumed.
func refReadArray(dec *json.Decoder, depth int) ([]any, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	arr := make([]any, 0)
	for dec.More() {
		val, err := refReadValue(dec, depth)
		if err != nil {
			return nil, err
		}
		arr = append(arr, val)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != ']' {
		return nil, errors.New("malformed JSON array")
	}
	return arr, nil
}

// refReadValue reads one JSON value: a string, json.Number, bool, nil, map[string]any or []any.
func refReadValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		return refReadObject(dec, depth+1)
	case '[':
		return refReadArray(dec, depth+1)
	default:
		return nil, errors.New("unexpected JSON delimiter")
	}
}

// refValidEscapes reports whether every \u escape in data that encodes a UTF-16 surrogate is part of
// a high-low pair. encoding/json silently turns an unpaired surrogate into U+FFFD, which would let
// two different encodings of a claim decode to the same string. Outside strings JSON has no
// backslashes, so scanning the whole text is exact; syntax errors are left to the decoder.
func refValidEscapes(data []byte) bool {
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		if i+1 >= len(data) || data[i+1] != 'u' {
			i++ // skip the escaped character, which may itself be a backslash
			continue
		}
		r, ok := refHex4(data, i+2)
		if !ok {
			return true // malformed escape: the decoder reports it
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false
		case r >= 0xD800 && r <= 0xDBFF:
			if i+11 >= len(data) || data[i+6] != '\\' || data[i+7] != 'u' {
				return false
			}
			lo, ok := refHex4(data, i+8)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 11
		default:
			i += 5
		}
	}
	return true
}

// refHex4 parses the four hex digits at data[at:at+4], with strconv rather
// than the parser's own hex4, so that the reference stays independent of the
// code it checks.
func refHex4(data []byte, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[at:at+4]), 16, 32)
	return rune(n), err == nil
}
