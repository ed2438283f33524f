package adminclient

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// bodyFromFlags registers fields on a fresh flag set, parses args and
// returns the create (Apply(nil, …)) body as JSON.
func bodyFromFlags(fields Fields, create bool, args ...string) (string, error) {
	set := pflag.NewFlagSet("test", pflag.ContinueOnError)
	set.SetOutput(new(strings.Builder))
	fields.Register(set, create)
	if err := set.Parse(args); err != nil {
		return "", err
	}
	changes, err := fields.Changes(set)
	if err != nil {
		return "", err
	}
	buf, err := json.Marshal(Apply(nil, changes))
	return string(buf), err
}

func TestEMA15_FlagsMapToJSON(t *testing.T) {
	const jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	cases := []struct {
		name    string
		fields  Fields
		create  bool
		args    []string
		want    string // JSON body, or the error text when wantErr
		wantErr bool
	}{
		{"client no flags sends nothing", ClientFields(), true, nil, `{}`, false},
		{"client allowed idps absent means any", ClientFields(), true, []string{"--id", "a", "--name", "A"}, `{"id":"a","name":"A"}`, false},
		{"client --no-idps sends []", ClientFields(), true, []string{"--id", "a", "--no-idps"}, `{"id":"a","allowed_idps":[]}`, false},
		{"client --no-idps=false sends nothing", ClientFields(), true, []string{"--no-idps=false"}, `{}`, false},
		{"client repeated idps keep order", ClientFields(), true, []string{"--allowed-idp", "okta", "--allowed-idp", "entra,x"},
			`{"allowed_idps":["okta","entra,x"]}`, false},
		{"client --no-idps conflicts with --allowed-idp", ClientFields(), true, []string{"--allowed-idp", "okta", "--no-idps"},
			`--allowed-idp and --no-idps both set "allowed_idps"`, true},
		{"client full", ClientFields(), true, []string{"--id", "a", "--grant-type", jwtBearer, "--auth-method", "private_key_jwt",
			"--jwks", `{ "keys": [] }`, "--enabled=false"},
			`{"id":"a","grant_types":["` + jwtBearer + `"],"token_endpoint_auth_method":"private_key_jwt","jwks":{"keys":[]},"enabled":false}`, false},
		{"client bad jwks", ClientFields(), true, []string{"--jwks", `{"keys":`}, `--jwks: not a valid JSON document`, true},
		{"resource", ResourceFields(), true, []string{"--id", "gh", "--uri", "https://mcp.example.com/gh", "--scope", "repo:read", "--scope", "repo:write", "--token-ttl", "5m"},
			`{"id":"gh","uri":"https://mcp.example.com/gh","scopes":["repo:read","repo:write"],"access_token_ttl":"5m"}`, false},
		{"idp", IdPFields(), true, []string{"--id", "okta", "--issuer", "https://idp.example.com", "--alg", "ES256", "--max-lifetime", "2m",
			"--clock-skew", "30s", "--subject-mode", "email", "--email-domain", "example.com", "--client-id-map", "0oa1=agent-1", "--client-id-map", "0oa2=a=b"},
			`{"id":"okta","issuer":"https://idp.example.com","allowed_algs":["ES256"],"max_assertion_lifetime":"2m","clock_skew":"30s",
			"subject_mode":"email","email_domains":["example.com"],"client_id_map":{"0oa1":"agent-1","0oa2":"a=b"}}`, false},
		{"idp map without =", IdPFields(), true, []string{"--client-id-map", "0oa1"}, `--client-id-map "0oa1": want key=value`, true},
		{"idp map duplicate key", IdPFields(), true, []string{"--client-id-map", "k=a", "--client-id-map", "k=b"}, `key "k" given twice`, true},
		{"policy nests require", PolicyFields(), true, []string{"--id", "p", "--effect", "allow", "--client", "agent-1", "--resource", "github",
			"--group", "eng", "--scope", "repo:read", "--require-amr", "mfa", "--max-auth-age", "1h", "--condition", `claims.email.endsWith("@x")`},
			`{"id":"p","effect":"allow","clients":["agent-1"],"resources":["github"],"groups_any":["eng"],"scopes":["repo:read"],
			"require":{"amr_any":["mfa"],"max_auth_age":"1h"},"condition":"claims.email.endsWith(\"@x\")"}`, false},
		{"policy matchers absent mean any", PolicyFields(), true, []string{"--id", "p", "--effect", "deny"}, `{"id":"p","effect":"deny"}`, false},
		{"subject mapping", SubjectMappingFields(), true, []string{"--idp", "okta", "--subject", "00u1", "--local-subject", "alice"},
			`{"idp_id":"okta","external_subject":"00u1","local_subject":"alice"}`, false},
		{"update has no key flags", ClientFields(), false, []string{"--id", "a"}, `unknown flag: --id`, true},
		{"update --unset sends null", ClientFields(), false, []string{"--unset", "allowed_idps", "--name", "B"}, `{"allowed_idps":null,"name":"B"}`, false},
		{"update --unset nested", PolicyFields(), false, []string{"--unset", "require.max_auth_age"}, `{"require":{"max_auth_age":null}}`, false},
		{"update --unset unknown field", ClientFields(), false, []string{"--unset", "secret"}, `--unset "secret": not a field`, true},
		{"update --unset conflicts with a flag", ClientFields(), false, []string{"--no-idps", "--unset", "allowed_idps"},
			`--no-idps and --unset both set "allowed_idps"`, true},
		{"update --unset parent conflicts with child", PolicyFields(), false, []string{"--require-amr", "mfa", "--unset", "require.amr_any", "--unset", "require.acr_any"},
			`--require-amr and --unset both set "require.amr_any"`, true},
		{"update key field not unsettable", SubjectMappingFields(), false, []string{"--unset", "idp_id"}, `not a field`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bodyFromFlags(tc.fields, tc.create, tc.args...)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q (body %s)", err, tc.want, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			assertJSON(t, "body", got, tc.want)
		})
	}
}

func TestFieldSpecsAreConsistent(t *testing.T) {
	specs := map[string]Fields{"clients": ClientFields(), "resources": ResourceFields(), "idps": IdPFields(),
		"policies": PolicyFields(), "subject-mappings": SubjectMappingFields()}
	for name, fields := range specs {
		t.Run(name, func(t *testing.T) {
			for _, create := range []bool{true, false} {
				set := pflag.NewFlagSet(name, pflag.ContinueOnError)
				fields.Register(set, create) // panics on a duplicate flag name
			}
			for _, f := range fields {
				if f.Flag == "" || f.JSON == "" || f.Usage == "" {
					t.Errorf("incomplete field %+v", f)
				}
			}
		})
	}
}
