package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedInputs are the inputs of the existing tests plus edge cases of the grammar, the escapes
// and the nesting bound. They seed FuzzDecodeStrictObject and drive
// TestDecodeStrictObjectMatchesReference.
func seedInputs() []string {
	return []string{
		// TestDecodeStrictObject.
		`{"iss":"a","n":1,"o":{"x":[1,2]}}`,
		`{"iss":"a","iss":"b"}`,
		`{"o":{"x":1,"x":2}}`,
		`{"iss":"a","ISS":"b"}`,
		`[1]`,
		`{"a":1} {}`,
		"{\"a\":\"\xff\"}",
		`{"a":"\ud800"}`,
		`{"a":"\ud83d\ude00"}`,
		deep(40),
		`{"exp":1800000000}`,
		// TestDecodeStrictObjectAssertionCases.
		`{}`,
		`{"s":"x","n":1.5,"t":true,"f":false,"z":null,"a":[1,"b"],"o":{"k":"v"}}`,
		`{"iss":"a","\u0069ss":"b"}`,
		`{"a":1,"a":1}`,
		`{"o":{"a":1,"a":2}}`,
		`{"a":[{"k":1,"k":2}]}`,
		`[]`,
		`"x"`,
		``,
		`{}{}`,
		`{} x`,
		`{"a":1`,
		`{"a":1,}`,
		`{"a":[1,]}`,
		`{"a":01}`,
		`{'a':1}`,
		`{"a":"\udfff"}`,
		`{"a":"\ud800\u"}`,
		`{"a":"\ud834\udd1e"}`,
		`{"a":"\\udfff"}`,
		`{"a":` + nested(31) + `}`,
		`{"a":` + nested(32) + `}`,
		// The benchmark inputs.
		benchHeader,
		benchPayload,
		// Whitespace, separators and structure.
		" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ 1 , 2 ] \t\r\n, \"b\" : { } } \t\r\n",
		"\v{}", "{}\v", "\f{}", "\u00a0{}", "\ufeff{}", "{}\x00",
		`{"a" 1}`, `{"a":1 "b":2}`, `{"a":1,,"b":2}`, `{,"a":1}`, `{"a"}`, `{"a":}`, `{:1}`,
		`{1:2}`, `{null:1}`, `{"a":[1 2]}`, `{"a":[,1]}`, `{"a":[1}`, `{"a":{]}`, `{"a":[]]}`,
		`{"a":[[],[[]],{}]}`, `{"a":[{}]}`, `{"":1}`, `{"":1,"":2}`, `{"a":{"a":{"a":1}}}`,
		`{"a":1}}`, `{"a":1}]`, `{`, `}`, `{"`, `{"a`, `{"a"`, `{"a":`, `{"a":"`, `{"a":[`,
		// Literals.
		`{"a":true,"b":false,"c":null}`, `{"a":tru}`, `{"a":truex}`, `{"a":True}`, `{"a":nul}`,
		`{"a":nulll}`, `{"a":falsey}`, `{"a":[true,false,null]}`, `{"a":NaN}`, `{"a":Infinity}`,
		// Numbers.
		`{"a":0}`, `{"a":-0}`, `{"a":0.0}`, `{"a":-0.5e-10}`, `{"a":1E+2}`, `{"a":1e02}`,
		`{"a":123456789012345678901234567890}`, `{"a":1.7976931348623157e309}`,
		`{"a":-}`, `{"a":+1}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":1e+}`, `{"a":1.e5}`,
		`{"a":00}`, `{"a":-01}`, `{"a":0x10}`, `{"a":1.5.3}`, `{"a":1-2}`, `{"a":--1}`, `{"a":[0,-1,2.5e3]}`,
		// Strings and escapes.
		`{"a":"\"\\\/\b\f\n\r\t"}`, `{"a":"\u0000\u001f\u0020\u00e9\u20AC\uFFFF"}`,
		`{"a":"x\u0041y\u00"}`, `{"a":"\x"}`, `{"a":"\U0041"}`, `{"a":"\'"}`, `{"a":"\`,
		`{"a":"\u12G4"}`, `{"a":"\ud800\udc00"}`, `{"a":"\udbff\udfff"}`, `{"a":"\ud800\ud800"}`,
		`{"a":"\ud800x"}`, `{"a":"\ud800\n"}`, `{"a":"\ud800\\udc00"}`, `{"a":"\ud800\u0041"}`,
		`{"a":"\ud800\ue000"}`, `{"a":"\udbff\uFFFF"}`, `{"a":"\uDBFF\uDFFF"}`, `{"a":"\ud7ff\ue000"}`,
		`{"a":"\udc00\ud800"}`, `{"\ud83d\ude00":1}`, `{"\ud800":1}`, `{"a\u0000b":1,"a":2}`,
		`{"é":1,"\u00e9":2}`, `{"é":1,"e\u0301":2}`, "{\"a\":\"\t\"}", "{\"a\":\"\x7f\"}",
		"{\"a\":\"\x1f\"}", "{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
		"{\"a\":\"x\\n\xff\"}", "{\"a\xff\":1}", "{\"a\":1}\xff", "{\"a\":1\xff}",
		`{"a":"\\"}`, `{"a":"\\\"}`, `{"a":"x\\\\"}`, `{"a":"\/\/"}`,
		// The nesting bound counts objects and arrays alike.
		deep(30), deep(31), deep(32),
		`{"a":` + nested(30) + `}`,
		`{"a":` + strings.Repeat(`{"a":`, 30) + `1` + strings.Repeat(`}`, 30) + `}`,
		`{"a":` + strings.Repeat(`{"a":`, 31) + `1` + strings.Repeat(`}`, 31) + `}`,
		`{"a":` + strings.Repeat(`[{"a":`, 15) + `1` + strings.Repeat(`}]`, 15) + `}`,
		`{"a":` + strings.Repeat(`[{"a":`, 16) + `1` + strings.Repeat(`}]`, 16) + `}`,
		`{"a":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}`,
		// Arrays longer than the decoder's stack buffer.
		`{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}`,
		`{"a":["x","y",{"b":[true,null]},[],[[]]],"b":"c"}`,
	}
}

// TestDecodeStrictObjectMatchesReference compares DecodeStrictObject with the original
// encoding/json Token-based implementation on the seed inputs, every prefix of them and every
// one-byte deletion from them: both must accept the same inputs and decode the same values.
func TestDecodeStrictObjectMatchesReference(t *testing.T) {
	for _, s := range seedInputs() {
		compareWithReference(t, []byte(s))
		for i := range len(s) {
			compareWithReference(t, []byte(s[:i]))
			compareWithReference(t, []byte(s[:i]+s[i+1:]))
		}
	}
}

func compareWithReference(t *testing.T, data []byte) {
	t.Helper()
	got, err := DecodeStrictObject(data)
	want, refErr := decodeStrictObjectReference(data)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("input %q: err = %v, reference err = %v", data, err, refErr)
	}
	if err != nil {
		if got != nil {
			t.Fatalf("input %q: error %v with a non-nil map", data, err)
		}
		if bytes.Contains([]byte(err.Error()), data) && len(data) > 2 {
			t.Fatalf("input %q: error %q quotes the input", data, err)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("input %q:\n got %#v\nwant %#v", data, got, want)
	}
}

// FuzzDecodeStrictObject checks DecodeStrictObject against the original implementation and
// against encoding/json itself:
//   - it accepts exactly the inputs the original accepts, with the same value;
//   - whatever it accepts, encoding/json accepts too, with the same value, and the input is valid
//     UTF-8, has no unpaired surrogate escape and no duplicate member name;
//   - whatever encoding/json accepts as an object that is valid UTF-8, without unpaired surrogate
//     escapes or duplicate names and within the nesting bound, it accepts.
func FuzzDecodeStrictObject(f *testing.F) {
	for _, s := range seedInputs() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithReference(t, data)

		got, err := DecodeStrictObject(data)
		std, stdOK := decodeStd(data)
		facts := walkStd(data)
		if err == nil {
			if !stdOK {
				t.Fatalf("input %q: accepted, but encoding/json rejects it", data)
			}
			if !reflect.DeepEqual(any(got), std) {
				t.Fatalf("input %q:\n got %#v\n encoding/json %#v", data, got, std)
			}
			if !utf8.Valid(data) || !refValidEscapes(data) || facts.dup || facts.depth > maxJSONDepth {
				t.Fatalf("input %q: accepted despite %+v", data, facts)
			}
			return
		}
		_, isObject := std.(map[string]any)
		if stdOK && isObject && utf8.Valid(data) && refValidEscapes(data) && !facts.dup && facts.depth <= maxJSONDepth {
			t.Fatalf("input %q: rejected (%v), but encoding/json accepts it", data, err)
		}
	})
}

// decodeStd decodes data as exactly one JSON value with encoding/json.
func decodeStd(data []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return v, true
}

// stdFacts are the properties of an input that encoding/json does not check.
type stdFacts struct {
	dup   bool // some object has two members with the same (unescaped) name
	depth int  // the largest number of objects and arrays open at once
}

// walkStd finds duplicate names and the nesting depth of data with encoding/json's tokenizer,
// independently of DecodeStrictObject. It stops at the first syntax error.
func walkStd(data []byte) stdFacts {
	type frame struct {
		object  bool
		wantKey bool
		seen    map[string]bool
	}
	var facts stdFacts
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return facts
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if name, ok := tok.(string); ok {
				facts.dup = facts.dup || top.seen[name]
				top.seen[name] = true
				top.wantKey = false
				continue
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		// A value: the next token of an enclosing object is a name.
		if top != nil && top.object {
			top.wantKey = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, wantKey: true, seen: map[string]bool{}})
		case json.Delim('['):
			stack = append(stack, &frame{})
		}
		facts.depth = max(facts.depth, len(stack))
	}
}

// TestDecodeStrictObjectErrorsDoNotQuoteInput checks that errors, which callers wrap into
// responses and logs, describe the problem without repeating any of the input.
func TestDecodeStrictObjectErrorsDoNotQuoteInput(t *testing.T) {
	for _, in := range []string{
		`{"secret":"s3cr3t"`, `{"secret":s3cr3t}`, `{"secret":"s3cr3t","secret":1}`, `{"secret":"s3cr3t\q"}`,
		`{"secret":"s3cr3t\ud800"}`, "{\"secret\":\"s3cr3t\x01\"}", "{\"secret\":\"s3cr3t\xff\"}",
		`{"secret":1e}`, `{"secret":tru}`, `{"secret":"s3cr3t"} s3cr3t`, `s3cr3t`, `{s3cr3t}`,
		`{"secret":` + nested(40) + `}`,
	} {
		_, err := DecodeStrictObject([]byte(in))
		if err == nil {
			t.Fatalf("input %q accepted", in)
		}
		if msg := err.Error(); strings.Contains(msg, "s3cr3t") || strings.Contains(msg, "secret") || len(msg) > 80 {
			t.Errorf("input %q: error %q quotes the input or is long", in, msg)
		}
	}
}
