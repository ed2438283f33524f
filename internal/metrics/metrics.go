// Package metrics owns AuthPlane's Prometheus metrics, on a registry of its
// own (no global registration), served at GET /metrics on the admin
// listener. Label values are bounded: grant types, outcomes and reason codes
// come from fixed vocabularies, IdP labels from the registry's ids.
package metrics

import (
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds every collector.
type Metrics struct {
	reg        *prometheus.Registry
	grants     *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	replays    prometheus.Counter
	policy     *prometheus.CounterVec
	jwks       *prometheus.CounterVec
	auditDrops *prometheus.CounterVec
}

// New registers the collectors. queueDepth reports the audit queue's depth
// at scrape time.
func New(version, commit string, queueDepth func() int) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.grants = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "authplane_grants_total", Help: "Token requests by grant type, outcome and precise reason.",
	}, []string{"grant_type", "outcome", "reason"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "authplane_token_request_duration_seconds", Help: "Token endpoint latency.",
		Buckets: []float64{.0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"grant_type", "outcome"})
	m.replays = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "authplane_replay_rejections_total", Help: "Assertions rejected because their jti was already consumed.",
	})
	m.policy = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "authplane_policy_decisions_total", Help: "Policy decisions by result (allow or the denial reason).",
	}, []string{"result"})
	m.jwks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "authplane_jwks_fetches_total", Help: "IdP JWKS and discovery fetches by IdP and result.",
	}, []string{"idp", "result"})
	m.auditDrops = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "authplane_audit_dropped_total", Help: "Audit events that could not be queued or written, by type.",
	}, []string{"type"})
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "authplane_audit_queue_depth", Help: "Audit events waiting to be written.",
	}, func() float64 { return float64(queueDepth()) })
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "authplane_build_info", Help: "Build information.",
		ConstLabels: prometheus.Labels{"version": version, "commit": commit, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.reg.MustRegister(m.grants, m.latency, m.replays, m.policy, m.jwks, m.auditDrops, depth, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics page.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveGrant implements grant.Observer.
func (m *Metrics) ObserveGrant(grantType, outcome, reason string, took time.Duration) {
	if grantType == "" {
		grantType = "none"
	}
	m.grants.WithLabelValues(grantType, outcome, reason).Inc()
	m.latency.WithLabelValues(grantType, outcome).Observe(took.Seconds())
	switch {
	case reason == "replay":
		m.replays.Inc()
	case strings.HasPrefix(reason, "policy_"):
		m.policy.WithLabelValues(strings.TrimPrefix(reason, "policy_")).Inc()
	case outcome == "success":
		m.policy.WithLabelValues("allow").Inc()
	}
}

// ObserveJWKSFetch counts one IdP key fetch (idp.Options.OnFetch).
func (m *Metrics) ObserveJWKSFetch(idpID string, err error) {
	result := "success"
	if err != nil {
		result = "failure"
	}
	m.jwks.WithLabelValues(idpID, result).Inc()
}

// AuditDropped counts one dropped audit event (audit.QueueOptions.OnDrop).
func (m *Metrics) AuditDropped(eventType string) {
	m.auditDrops.WithLabelValues(eventType).Inc()
}
