package mcpauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// methodToolsCall is the MCP method whose tool ToolScopes checks.
const methodToolsCall = "tools/call"

// calledTools returns the tool names of the tools/call requests in a
// JSON-RPC body: one message or a batch (protocol versions before
// 2025-06-18). Member names are matched exactly, as the SDK's decoder
// does, and a repeated member name in a message or its params is an
// error, so this reading and the SDK's cannot differ.
func calledTools(body []byte) ([]string, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("not valid UTF-8")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []json.RawMessage
		if err := json.Unmarshal(body, &batch); err != nil {
			return nil, err
		}
		var names []string
		for i, msg := range batch {
			name, ok, err := toolName(msg)
			if err != nil {
				return nil, fmt.Errorf("batch entry %d: %w", i, err)
			}
			if ok {
				names = append(names, name)
			}
		}
		return names, nil
	}
	name, ok, err := toolName(body)
	if err != nil || !ok {
		return nil, err
	}
	return []string{name}, nil
}

// toolName returns the params.name of a tools/call request; ok is false
// for any other message.
func toolName(msg []byte) (name string, ok bool, err error) {
	m, err := uniqueMembers(msg)
	if err != nil {
		return "", false, err
	}
	var method string
	if raw, found := m["method"]; !found || json.Unmarshal(raw, &method) != nil || method != methodToolsCall {
		return "", false, nil
	}
	params, err := uniqueMembers(m["params"])
	if err != nil {
		return "", false, fmt.Errorf("params: %w", err)
	}
	if err := json.Unmarshal(params["name"], &name); err != nil {
		return "", false, fmt.Errorf("tool name: %w", err)
	}
	return name, true, nil
}

// uniqueMembers decodes one JSON object into its raw members, refusing a
// repeated member name and trailing data.
func uniqueMembers(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := t.(string)
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("member %q repeated", key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out[key] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON object")
	}
	return out, nil
}
