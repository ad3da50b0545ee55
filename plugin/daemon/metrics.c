#include "metrics.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Seconds. API calls: a constant answer takes microseconds, a CreateEndpoint that rebinds a
 * driver seconds; VF set-up and reset: one netlink request (milliseconds) to a wait behind
 * RTNL during a burst (tens of seconds, README: bench-guest). */
static const double api_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10,   30, 60};
static const double vf_bounds[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
static const double sweep_bounds[] = {0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const outcome_names[METRICS_OUTCOMES] = {"ok",       "internal", "invalid", "not_found",
							    "conflict", "exhausted", "busy"};
static const char *const event_names[METRICS_EV_COUNT] = {"handed_out", "given_back", "reset", "reclaimed",
							  "lost"};

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t r = 0; r < METRICS_ROUTES_MAX; r++) {
		for (size_t o = 0; o < METRICS_OUTCOMES; o++)
			atomic_init(&m->calls[r][o], 0);
		metrics_hist_init(&m->latency[r], api_bounds, COUNT(api_bounds));
	}
	metrics_hist_init(&m->vf_setup, vf_bounds, COUNT(vf_bounds));
	metrics_hist_init(&m->vf_reset, vf_bounds, COUNT(vf_bounds));
	metrics_hist_init(&m->sweep, sweep_bounds, COUNT(sweep_bounds));
	m->started = (double)time(NULL);
}

size_t metrics_outcome_of(const sr_error *err)
{
	if (!err)
		return METRICS_OUTCOME_OK;
	if (err->kind < SR_INTERNAL || err->kind > SR_BUSY)
		return 1 + SR_INTERNAL;
	return 1 + (size_t)err->kind;
}

const char *metrics_outcome_name(size_t outcome)
{
	return outcome < METRICS_OUTCOMES ? outcome_names[outcome] : "internal";
}

const char *metrics_event_name(enum metrics_event ev)
{
	return ev < METRICS_EV_COUNT ? event_names[ev] : "?";
}

void metrics_api_call(struct metrics *m, size_t route, const sr_error *err, uint64_t ns)
{
	size_t outcome = metrics_outcome_of(err);
	if (route >= METRICS_ROUTES_MAX)
		return;
	atomic_fetch_add_explicit(&m->calls[route][outcome], 1, memory_order_relaxed);
	if (outcome != METRICS_OUTCOME_OK)
		atomic_fetch_add_explicit(&m->errors[outcome], 1, memory_order_relaxed);
	metrics_hist_observe_ns(&m->latency[route], ns);
}

void metrics_error(struct metrics *m, int kind)
{
	sr_error e = {.kind = kind};
	atomic_fetch_add_explicit(&m->errors[metrics_outcome_of(&e)], 1, memory_order_relaxed);
}

void metrics_event(struct metrics *m, enum metrics_event ev)
{
	if (ev < METRICS_EV_COUNT)
		atomic_fetch_add_explicit(&m->events[ev], 1, memory_order_relaxed);
}

static uint64_t load(atomic_ullong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

/* "/NetworkDriver.Join" -> "NetworkDriver.Join" */
static const char *method_of(const char *path)
{
	return path && path[0] == '/' ? path + 1 : (path ? path : "");
}

static void render_hist(struct metrics_text *t, const char *name, struct metrics_hist *h)
{
	struct metrics_hist_snapshot s;
	metrics_hist_snapshot(h, &s);
	metrics_text_histogram(t, name, NULL, 0, &s);
}

void metrics_render_own(struct metrics *m, struct metrics_text *t, size_t routes, const char *(*route_path)(size_t))
{
	struct metrics_hist_snapshot s;
	if (routes > METRICS_ROUTES_MAX)
		routes = METRICS_ROUTES_MAX;
	metrics_text_family(t, "sriov_api_requests_total", "counter",
			    "Plugin API calls answered, by method and outcome (ok, or the error's kind).");
	for (size_t r = 0; r < routes; r++)
		for (size_t o = 0; o < METRICS_OUTCOMES; o++) {
			uint64_t v = load(&m->calls[r][o]);
			struct metrics_label l[] = {{"method", method_of(route_path(r))},
						    {"outcome", metrics_outcome_name(o)}};
			/* every method's ok series always, the others once they happened */
			if (v || o == METRICS_OUTCOME_OK)
				metrics_text_u64(t, "sriov_api_requests_total", l, 2, v);
		}
	metrics_text_family(t, "sriov_api_unknown_requests_total", "counter",
			    "Calls to a path that is no plugin API method (answered 404).");
	metrics_text_u64(t, "sriov_api_unknown_requests_total", NULL, 0, load(&m->unknown_calls));
	metrics_text_family(t, "sriov_api_request_duration_seconds", "histogram",
			    "Time from a call's body received to its answer ready, by method.");
	for (size_t r = 0; r < routes; r++) {
		struct metrics_label l[] = {{"method", method_of(route_path(r))}};
		metrics_hist_snapshot(&m->latency[r], &s);
		metrics_text_histogram(t, "sriov_api_request_duration_seconds", l, 1, &s);
	}
	metrics_text_family(t, "sriov_errors_total", "counter",
			    "Errors by kind: API calls answered with an error, and background work that failed.");
	for (size_t o = 1; o < METRICS_OUTCOMES; o++) {
		struct metrics_label l[] = {{"kind", metrics_outcome_name(o)}};
		metrics_text_u64(t, "sriov_errors_total", l, 1, load(&m->errors[o]));
	}
	metrics_text_family(t, "sriov_vf_setup_duration_seconds", "histogram",
			    "Time to configure a VF through its PF for a new endpoint (successful set-ups).");
	render_hist(t, "sriov_vf_setup_duration_seconds", &m->vf_setup);
	metrics_text_family(t, "sriov_vf_setup_failures_total", "counter", "VF set-ups that failed (and were undone).");
	metrics_text_u64(t, "sriov_vf_setup_failures_total", NULL, 0, load(&m->vf_setup_failed));
	metrics_text_family(t, "sriov_vf_reset_duration_seconds", "histogram",
			    "Time to reset a VF to its settings from before the plugin (successful resets).");
	render_hist(t, "sriov_vf_reset_duration_seconds", &m->vf_reset);
	metrics_text_family(t, "sriov_vf_reset_failures_total", "counter", "VF resets with a step that failed.");
	metrics_text_u64(t, "sriov_vf_reset_failures_total", NULL, 0, load(&m->vf_reset_failed));
	metrics_text_family(t, "sriov_sweeps_total", "counter", "Background sweeps run (stale, lost and released endpoints).");
	metrics_text_u64(t, "sriov_sweeps_total", NULL, 0, load(&m->sweeps));
	metrics_text_family(t, "sriov_sweep_duration_seconds", "histogram", "Time one background sweep took.");
	render_hist(t, "sriov_sweep_duration_seconds", &m->sweep);
	metrics_text_family(t, "sriov_vf_events_total", "counter",
			    "VFs handed out, given back, reset, reclaimed (stale endpoints) and lost (re-created under the plugin).");
	for (size_t e = 0; e < METRICS_EV_COUNT; e++) {
		struct metrics_label l[] = {{"event", event_names[e]}};
		metrics_text_u64(t, "sriov_vf_events_total", l, 1, load(&m->events[e]));
	}
	metrics_text_family(t, "sriov_reclaims_total", "counter", "Stale endpoints reclaimed by sweeps (their VF reset and freed).");
	metrics_text_u64(t, "sriov_reclaims_total", NULL, 0, load(&m->events[METRICS_EV_RECLAIMED]));
	metrics_text_family(t, "sriov_metrics_scrapes_total", "counter", "Requests for this page.");
	metrics_text_u64(t, "sriov_metrics_scrapes_total", NULL, 0, load(&m->scrapes));
	metrics_text_family(t, "sriov_start_time_seconds", "gauge", "When the daemon started, in seconds since the epoch.");
	metrics_text_double(t, "sriov_start_time_seconds", NULL, 0, m->started);
}
