package storagetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// assertEqual fails the test unless got equals want field by field after
// normalisation (see normalize). It also requires every non-zero time in
// got to be in UTC. Nil and empty slices and maps are distinct.
func assertEqual[T any](t *testing.T, what string, want, got T) {
	t.Helper()
	if bad := nonUTCTimes(reflect.ValueOf(got), ""); len(bad) > 0 {
		t.Errorf("%s: times not returned in UTC: %v", what, bad)
	}
	w, g := normalize(want), normalize(got)
	if !reflect.DeepEqual(w, g) {
		t.Errorf("%s: round trip mismatch\nwant %s\ngot  %s", what, dump(w), dump(g))
	}
}

// normalize returns a deep copy of v in which every time.Time is in UTC and
// truncated to the millisecond, every json.RawMessage is re-encoded
// canonically (a backend may store JSON as a document type) and every
// zero-length []byte or json.RawMessage is nil.
func normalize[T any](v T) T {
	out := reflect.New(reflect.TypeFor[T]()).Elem()
	out.Set(normValue(reflect.ValueOf(&v).Elem()))
	return out.Interface().(T)
}

func normValue(v reflect.Value) reflect.Value {
	timeType := reflect.TypeFor[time.Time]()
	rawType := reflect.TypeFor[json.RawMessage]()
	bytesTyp := reflect.TypeFor[[]byte]()
	switch {
	case v.Type() == timeType:
		tm := v.Interface().(time.Time)
		return reflect.ValueOf(tm.UTC().Truncate(time.Millisecond))
	case v.Type() == rawType:
		return reflect.ValueOf(canonicalJSON(v.Interface().(json.RawMessage)))
	case v.Type() == bytesTyp:
		if v.Len() == 0 {
			return reflect.Zero(bytesTyp)
		}
		return reflect.ValueOf(bytes.Clone(v.Bytes()))
	}
	switch v.Kind() {
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := range v.NumField() {
			out.Field(i).Set(normValue(v.Field(i)))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(normValue(v.Elem()))
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normValue(v.Index(i)))
		}
		return out
	}
	return v
}

// canonicalJSON re-encodes raw with sorted keys and no insignificant space;
// raw that is not valid JSON is returned unchanged so the mismatch shows.
func canonicalJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return bytes.Clone(raw)
	}
	out, err := json.Marshal(x)
	if err != nil {
		return bytes.Clone(raw)
	}
	return out
}

// nonUTCTimes lists the paths of non-zero times in v whose location is not
// time.UTC.
func nonUTCTimes(v reflect.Value, path string) []string {
	if v.Type() == reflect.TypeFor[time.Time]() {
		tm := v.Interface().(time.Time)
		if !tm.IsZero() && tm.Location() != time.UTC {
			return []string{fmt.Sprintf("%s=%s", path, tm.Location())}
		}
		return nil
	}
	var bad []string
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			bad = append(bad, nonUTCTimes(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			bad = nonUTCTimes(v.Elem(), path)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			for i := range v.Len() {
				bad = append(bad, nonUTCTimes(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return bad
}

// dump renders v for a failure message, showing nil versus empty.
func dump(v any) string {
	return fmt.Sprintf("%#v", v)
}
