package adminclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// Kind says how a Field's flag becomes JSON.
type Kind int

// Field kinds.
const (
	// KindString: a string flag; the JSON value is the string.
	KindString Kind = iota
	// KindList: a repeatable string flag; the JSON value is the array of
	// its values in order.
	KindList
	// KindEmptyList: a boolean flag that sets an empty array (e.g.
	// --no-idps: allowed_idps = [], "none").
	KindEmptyList
	// KindBool: a boolean flag (--enabled=false).
	KindBool
	// KindMap: a repeatable key=value flag; the JSON value is an object of
	// strings.
	KindMap
	// KindJSON: a flag holding a JSON document, sent as is.
	KindJSON
)

// UnsetFlag is the repeatable flag of update commands that sets a field to
// JSON null (server default, or "no restriction" for lists).
const UnsetFlag = "unset"

// Field maps one command-line flag to one JSON member of a request body.
type Field struct {
	// Flag is the flag name without dashes.
	Flag string
	// JSON is the member path, dot-separated for nested objects
	// ("require.amr_any").
	JSON  string
	Kind  Kind
	Usage string
	// Key marks an identity member (id; idp_id and external_subject): a
	// flag of create only, since update and delete take it as arguments.
	Key bool
}

// Fields are the flags of one resource's create and update commands.
type Fields []Field

// Change sets the member at Path to Value (nil = JSON null).
type Change struct {
	Path  []string
	Value any
}

// Register defines the flags on set: every field for create; the non-key
// fields and --unset for update.
func (fs Fields) Register(set *pflag.FlagSet, create bool) {
	for _, f := range fs {
		if f.Key && !create {
			continue
		}
		switch f.Kind {
		case KindString, KindJSON:
			set.String(f.Flag, "", f.Usage)
		case KindList, KindMap:
			set.StringArray(f.Flag, nil, f.Usage)
		case KindBool, KindEmptyList:
			set.Bool(f.Flag, false, f.Usage)
		}
	}
	if !create {
		set.StringArray(UnsetFlag, nil, "set this field to null: server default, or no restriction for a list (repeatable; one of "+strings.Join(fs.paths(), ", ")+")")
	}
}

// paths lists the JSON paths --unset accepts.
func (fs Fields) paths() []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fs {
		if !f.Key && !seen[f.JSON] {
			seen[f.JSON] = true
			out = append(out, f.JSON)
		}
	}
	return out
}

// Changes returns a Change for every flag the operator gave on set (flags
// not given are left out, so the server applies its defaults). Two flags
// that set the same member, or a member and one nested in it, conflict.
func (fs Fields) Changes(set *pflag.FlagSet) ([]Change, error) {
	var out []Change
	var from []string
	add := func(flag, path string, v any) error {
		p := strings.Split(path, ".")
		for i, c := range out {
			if overlaps(c.Path, p) {
				return fmt.Errorf("--%s and --%s both set %q", from[i], flag, path)
			}
		}
		out, from = append(out, Change{Path: p, Value: v}), append(from, flag)
		return nil
	}
	for _, f := range fs {
		if set.Lookup(f.Flag) == nil || !set.Changed(f.Flag) {
			continue
		}
		v, ok, err := value(set, f)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := add(f.Flag, f.JSON, v); err != nil {
				return nil, err
			}
		}
	}
	unset, err := fs.unsets(set)
	if err != nil {
		return nil, err
	}
	for _, n := range unset {
		if err := add(UnsetFlag, n, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unsets returns the paths given to --unset (none when the flag is not
// defined, as on create).
func (fs Fields) unsets(set *pflag.FlagSet) ([]string, error) {
	if set.Lookup(UnsetFlag) == nil {
		return nil, nil
	}
	names, err := set.GetStringArray(UnsetFlag)
	if err != nil {
		return nil, err
	}
	valid := fs.paths()
	for _, n := range names {
		if !slices.Contains(valid, n) {
			return nil, fmt.Errorf("--%s %q: not a field (one of %s)", UnsetFlag, n, strings.Join(valid, ", "))
		}
	}
	return names, nil
}

// value reads the flag of f; ok is false when the flag changes nothing
// (--no-idps=false).
func value(set *pflag.FlagSet, f Field) (v any, ok bool, err error) {
	switch f.Kind {
	case KindList:
		l, err := set.GetStringArray(f.Flag)
		return append([]string{}, l...), err == nil, err
	case KindEmptyList:
		b, err := set.GetBool(f.Flag)
		return []string{}, b && err == nil, err
	case KindBool:
		b, err := set.GetBool(f.Flag)
		return b, err == nil, err
	case KindMap:
		l, err := set.GetStringArray(f.Flag)
		if err != nil {
			return nil, false, err
		}
		m, err := keyValues(f.Flag, l)
		return m, err == nil, err
	case KindJSON:
		s, err := set.GetString(f.Flag)
		if err != nil {
			return nil, false, err
		}
		if !json.Valid([]byte(s)) {
			return nil, false, fmt.Errorf("--%s: not a valid JSON document", f.Flag)
		}
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(s))
		return json.RawMessage(buf.Bytes()), true, nil
	default:
		s, err := set.GetString(f.Flag)
		return s, err == nil, err
	}
}

// keyValues parses repeated key=value flag values into a map.
func keyValues(flag string, l []string) (map[string]string, error) {
	m := make(map[string]string, len(l))
	for _, kv := range l {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s %q: want key=value", flag, kv)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("--%s: key %q given twice", flag, k)
		}
		m[k] = v
	}
	return m, nil
}

// overlaps reports whether one path is a prefix of the other.
func overlaps(a, b []string) bool {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
