package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// EnvPrefix prefixes every environment variable AuthPlane reads.
const EnvPrefix = "AUTHPLANE_"

// seedKeys are the top-level YAML keys holding declarative objects.
var seedKeys = []string{"resources", "idps", "clients", "policies", "subject_mappings"}

// LoadOptions says where configuration comes from.
type LoadOptions struct {
	// File is the YAML file (--config); empty means none.
	File string
	// Flags are command-line overrides keyed like the YAML keys
	// ("data_dir", "http.read_timeout"); they win over file and env.
	Flags map[string]any
	// Environ is the environment as KEY=VALUE; nil means os.Environ().
	Environ []string
}

// Load reads the file, the environment and the flags, in that order of
// precedence (flags win), applies defaults and validates the result. Every
// problem found is returned at once as a *ValidationError.
func Load(opts LoadOptions) (*Config, error) {
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	l := loader{k: koanf.New("."), source: map[string]string{}}
	l.loadFile(opts.File)
	l.loadEnv(opts.Environ)
	l.loadFlags(opts.Flags)
	cfg := defaults()
	cfg.File = opts.File
	l.checkUnknown()
	l.unmarshal(&cfg)
	if !l.k.Exists("dev") {
		cfg.Dev = opts.File == ""
	}
	cfg.Seed = l.seed()
	l.problems = append(l.problems, Validate(&cfg, l.source)...)
	if len(l.problems) > 0 {
		return nil, &ValidationError{Problems: l.problems}
	}
	return &cfg, nil
}

type loader struct {
	k        *koanf.Koanf
	source   map[string]string // key → where it was set
	problems []Problem
}

func (l *loader) add(source, key, reason string) {
	l.problems = append(l.problems, Problem{Source: source, Key: key, Reason: reason})
}

func (l *loader) loadFile(path string) {
	if path == "" {
		return
	}
	if err := l.k.Load(file.Provider(path), yaml.Parser()); err != nil {
		l.add(path, "", "cannot read or parse: "+err.Error())
		return
	}
	for _, key := range l.k.Keys() {
		l.source[key] = path
	}
}

// loadEnv maps AUTHPLANE_FOO__BAR=v to key foo.bar. Variables that name no
// configuration key (AUTHPLANE_ADMIN_URL for the CLI, test DSNs) are not
// server settings and are ignored.
func (l *loader) loadEnv(environ []string) {
	known := knownKeys()
	m := map[string]any{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		key := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, EnvPrefix), "__", "."))
		if !known[key] {
			continue
		}
		m[key] = val
		l.source[key] = "env " + name
	}
	if len(m) > 0 {
		_ = l.k.Load(confmap.Provider(m, "."), nil) // a flat map always loads
	}
}

func (l *loader) loadFlags(flags map[string]any) {
	if len(flags) == 0 {
		return
	}
	for key := range flags {
		l.source[key] = "flag --" + strings.ReplaceAll(key, "_", "-")
	}
	_ = l.k.Load(confmap.Provider(flags, "."), nil)
}

func (l *loader) checkUnknown() {
	known := knownKeys()
	for _, key := range l.k.Keys() {
		top, _, _ := strings.Cut(key, ".")
		if known[key] || isSeedKey(top) {
			continue
		}
		l.add(l.source[key], key, "unknown key")
	}
}

func isSeedKey(k string) bool {
	for _, s := range seedKeys {
		if k == s {
			return true
		}
	}
	return false
}

func (l *loader) unmarshal(cfg *Config) {
	err := l.k.UnmarshalWithConf("", cfg, koanf.UnmarshalConf{Tag: "koanf"})
	for _, e := range leafErrors(err) {
		var de *mapstructure.DecodeError
		if errors.As(e, &de) {
			key := l.keyNamed(de.Name())
			l.add(l.source[key], key, "invalid value: "+errors.Unwrap(de).Error())
			continue
		}
		l.add("", "", e.Error())
	}
}

// leafErrors flattens the errors.Join trees mapstructure returns.
func leafErrors(err error) []error {
	if err == nil {
		return nil
	}
	var de *mapstructure.DecodeError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		return out
	}
	if errors.As(err, &de) {
		if inner := errors.Unwrap(de); inner != nil {
			if _, joined := inner.(interface{ Unwrap() []error }); joined {
				return leafErrors(inner)
			}
		}
	}
	return []error{err}
}

// keyNamed maps a decoder field name ("read_timeout" or "http.read_timeout")
// to the configuration key that was set.
func (l *loader) keyNamed(name string) string {
	if _, ok := l.source[name]; ok {
		return name
	}
	for key := range l.source {
		if lastSegment(key) == lastSegment(name) {
			return key
		}
	}
	return name
}

func lastSegment(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// seed collects the declarative lists as JSON so the admin DTOs decode
// them with their own strict rules.
func (l *loader) seed() Seed {
	get := func(key string) json.RawMessage {
		if !l.k.Exists(key) {
			return nil
		}
		b, err := json.Marshal(l.k.Get(key))
		if err != nil {
			l.add(l.source[key], key, "cannot encode: "+err.Error())
			return nil
		}
		return b
	}
	return Seed{
		Resources:       get("resources"),
		IdPs:            get("idps"),
		Clients:         get("clients"),
		Policies:        get("policies"),
		SubjectMappings: get("subject_mappings"),
	}
}

// knownKeys lists every leaf key of Config by its koanf tags.
func knownKeys() map[string]bool {
	out := map[string]bool{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("koanf")
			if tag == "" || tag == "-" {
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() != "time" {
				walk(f.Type, prefix+tag+".")
				continue
			}
			out[prefix+tag] = true
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return out
}

// Problem is one configuration mistake.
type Problem struct {
	// Source is where the value came from: the file path, "env NAME" or
	// "flag --name"; empty for defaults.
	Source string
	Key    string
	Reason string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Source != "" {
		b.WriteString(p.Source)
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// ValidationError lists every problem of a configuration.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "  - " + p.String()
	}
	sort.Strings(lines)
	return fmt.Sprintf("invalid configuration (%d problems):\n%s", len(lines), strings.Join(lines, "\n"))
}
