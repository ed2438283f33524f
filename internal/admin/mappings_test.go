package admin

import (
	"net/http"
	"net/url"
	"testing"
)

func TestSubjectMappingLifecycle(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com").with("subject_mode", "mapped")).
		must(t, http.StatusCreated, nil)
	ext := "CN=Alice/OU=Eng" // needs path escaping
	path := "/admin/v1/subject-mappings/okta/" + url.PathEscape(ext)
	body := obj{"idp_id": "okta", "external_subject": ext, "local_subject": "alice"}

	var created SubjectMappingDTO
	e.call("POST", "/admin/v1/subject-mappings", body).must(t, http.StatusCreated, &created)
	if created.LocalSubject != "alice" || !*created.Enabled {
		t.Fatalf("created = %+v", created)
	}
	ev := e.oneEvent(1, "admin.subject_mapping.create")
	if ev.IdPID != "okta" || ev.Subject != "alice" || ev.AssertionSub != ext {
		t.Fatalf("event = %+v", ev)
	}
	var got SubjectMappingDTO
	e.call("GET", path, nil).must(t, http.StatusOK, &got)
	if got.ExternalSubject != ext {
		t.Fatalf("got = %+v", got)
	}
	var list ListResult[SubjectMappingDTO]
	e.call("GET", "/admin/v1/subject-mappings", nil).must(t, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Fatalf("list = %+v", list)
	}

	e.call("PUT", path, obj{"local_subject": "alice2", "enabled": false}).must(t, http.StatusOK, &got)
	if got.LocalSubject != "alice2" || *got.Enabled {
		t.Fatalf("updated = %+v", got)
	}
	ev = e.oneEvent(2, "admin.subject_mapping.update")
	if imageOf(t, ev.Before)["local_subject"] != "alice" || imageOf(t, ev.After)["local_subject"] != "alice2" {
		t.Fatalf("images before=%s after=%s", ev.Before, ev.After)
	}
	pr := e.call("PUT", path, body.with("idp_id", "other", "external_subject", "x")).problem(t, http.StatusBadRequest, "invalid-request")
	requireFields(t, pr, "idp_id", "external_subject")

	e.call("DELETE", path, nil).must(t, http.StatusNoContent, nil)
	e.oneEvent(3, "admin.subject_mapping.delete")
	e.call("GET", path, nil).problem(t, http.StatusNotFound, "not-found")
}

func TestSubjectMappingValidation(t *testing.T) {
	e := newEnv(t)
	e.call("POST", "/admin/v1/idps", idpObj("okta", "https://idp.example.com")).must(t, http.StatusCreated, nil)
	e.call("POST", "/admin/v1/subject-mappings", obj{"idp_id": "okta", "external_subject": "u1", "local_subject": "a"}).
		must(t, http.StatusCreated, nil)
	tests := []struct {
		name   string
		body   obj
		status int
		fields []string
	}{
		{"unknown IdP", obj{"idp_id": "ghost", "external_subject": "u", "local_subject": "a"}, 400, []string{"idp_id"}},
		{"missing subjects", obj{"idp_id": "okta"}, 400, []string{"external_subject", "local_subject"}},
		{"control character", obj{"idp_id": "okta", "external_subject": "u\n", "local_subject": "a"}, 400, []string{"external_subject"}},
		{"duplicate", obj{"idp_id": "okta", "external_subject": "u1", "local_subject": "b"}, 409, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := len(e.events())
			slug := map[int]string{400: "invalid-request", 409: "conflict"}[tc.status]
			pr := e.call("POST", "/admin/v1/subject-mappings", tc.body).problem(t, tc.status, slug)
			requireFields(t, pr, tc.fields...)
			e.noEvents(n)
		})
	}
}
