package adminclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"go.yaml.in/yaml/v3"
)

// MaxBodyBytes is the largest request body the admin API accepts (1 MiB).
const MaxBodyBytes = 1 << 20

// Apply sets every change on obj (a JSON object; nil starts an empty one),
// creating nested objects on the way, and returns it. Apply(nil, changes) is
// the body of a create from flags: only the members the operator gave.
func Apply(obj map[string]any, changes []Change) map[string]any {
	if obj == nil {
		obj = map[string]any{}
	}
	for _, c := range changes {
		m := obj
		for _, k := range c.Path[:len(c.Path)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[c.Path[len(c.Path)-1]] = c.Value
	}
	return obj
}

// StripServerManaged removes the members the server sets itself
// (created_at, updated_at) from obj.
func StripServerManaged(obj map[string]any) map[string]any {
	delete(obj, "created_at")
	delete(obj, "updated_at")
	return obj
}

// UpdateBody is the PUT body of an update from flags: the current object as
// the server returned it, minus the server-managed members, with the changes
// applied. Members the operator did not mention keep their current value.
func UpdateBody(current json.RawMessage, changes []Change) (map[string]any, error) {
	obj, err := decodeJSONObject(current)
	if err != nil {
		return nil, fmt.Errorf("current object: %w", err)
	}
	return Apply(StripServerManaged(obj), changes), nil
}

// DecodeObject reads the object of a -f file: JSON when it starts with "{",
// else YAML (one document). The server-managed members are dropped.
func DecodeObject(data []byte) (map[string]any, error) {
	if len(data) > MaxBodyBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxBodyBytes)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty document")
	}
	var obj map[string]any
	var err error
	if trimmed[0] == '{' {
		obj, err = decodeJSONObject(trimmed)
	} else {
		obj, err = decodeYAMLObject(trimmed)
	}
	if err != nil {
		return nil, err
	}
	return StripServerManaged(obj), nil
}

// decodeJSONObject decodes exactly one JSON object, keeping numbers exact.
func decodeJSONObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if obj == nil {
		return nil, errors.New("want a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the object")
	}
	return obj, nil
}

// decodeYAMLObject decodes exactly one YAML document holding a mapping and
// converts it to JSON-compatible values.
func decodeYAMLObject(data []byte) (map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, errors.New("invalid YAML: want exactly one document")
	}
	j, err := jsonValue(v, "")
	if err != nil {
		return nil, err
	}
	obj, ok := j.(map[string]any)
	if !ok {
		return nil, errors.New("want a YAML mapping (an object)")
	}
	return obj, nil
}

// jsonValue converts a decoded YAML value to one encoding/json can write.
func jsonValue(v any, at string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			c, err := jsonValue(e, at+"."+k)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
		return x, nil
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("YAML key %v at %q is not a string", k, at)
			}
			m[ks] = e
		}
		return jsonValue(m, at)
	case []any:
		for i, e := range x {
			c, err := jsonValue(e, fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
		return x, nil
	case time.Time:
		return x.Format(time.RFC3339Nano), nil
	default:
		return v, nil
	}
}
