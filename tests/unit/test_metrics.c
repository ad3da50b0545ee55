/* The Prometheus text format writer (escaping, families, histograms) and the daemon's
 * counters and histograms (buckets, sums, outcomes by kind, counts from many threads). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugin/daemon/metrics.h"
#include "check.h"

static const char *route_name(size_t i)
{
	static const char *const names[] = {"/Plugin.Activate", "/NetworkDriver.Join"};
	return i < 2 ? names[i] : "?";
}

static void test_text_escaping(void)
{
	struct metrics_text t = {0};
	struct metrics_label l[] = {{"endpoint", "a\"b\\c\nd"}, {"empty", NULL}};
	metrics_text_family(&t, "x_total", "counter", "help with \\ and\nnewline");
	metrics_text_u64(&t, "x_total", l, 2, 18446744073709551615ULL);
	metrics_text_u64(&t, "y", NULL, 0, 0);
	metrics_text_double(&t, "z", NULL, 0, 0.25);
	CHECK(!t.failed);
	CHECK_STR_EQ(t.buf, "# HELP x_total help with \\\\ and\\nnewline\n"
			    "# TYPE x_total counter\n"
			    "x_total{endpoint=\"a\\\"b\\\\c\\nd\",empty=\"\"} 18446744073709551615\n"
			    "y 0\n"
			    "z 0.25\n");
	free(t.buf);
}

static void test_text_grows(void)
{
	struct metrics_text t = {0};
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		metrics_text_u64(&t, name, NULL, 0, (uint64_t)i);
	}
	CHECK(!t.failed && t.len == strlen(t.buf));
	CHECK(strstr(t.buf, "\nm4999 4999\n") != NULL);
	CHECK(strncmp(t.buf, "m0 0\n", 5) == 0);
	free(t.buf);
}

static void test_histogram(void)
{
	static const double bounds[] = {0.001, 0.01, 0.1};
	struct metrics_hist h;
	struct metrics_hist_snapshot s;
	struct metrics_text t = {0};
	struct metrics_label l[] = {{"method", "Join"}};
	metrics_hist_init(&h, bounds, 3);
	metrics_hist_observe_ns(&h, 1000000);   /* exactly 1 ms: le="0.001" (bounds are inclusive) */
	metrics_hist_observe_ns(&h, 500);       /* 0.5 us */
	metrics_hist_observe_ns(&h, 5000000);   /* 5 ms */
	metrics_hist_observe_ns(&h, 2000000000); /* 2 s: +Inf only */
	metrics_hist_snapshot(&h, &s);
	CHECK(s.nbounds == 3);
	CHECK(s.cumulative[0] == 2 && s.cumulative[1] == 3 && s.cumulative[2] == 3 && s.cumulative[3] == 4);
	CHECK(s.count == 4);
	CHECK(s.sum > 2.0060 && s.sum < 2.0061);
	metrics_text_histogram(&t, "d_seconds", l, 1, &s);
	CHECK_STR_EQ(t.buf, "d_seconds_bucket{method=\"Join\",le=\"0.001\"} 2\n"
			    "d_seconds_bucket{method=\"Join\",le=\"0.01\"} 3\n"
			    "d_seconds_bucket{method=\"Join\",le=\"0.1\"} 3\n"
			    "d_seconds_bucket{method=\"Join\",le=\"+Inf\"} 4\n"
			    "d_seconds_sum{method=\"Join\"} 2.006000500\n"
			    "d_seconds_count{method=\"Join\"} 4\n");
	free(t.buf);
	t = (struct metrics_text){0};
	metrics_text_histogram(&t, "bare", NULL, 0, &s);
	CHECK(strstr(t.buf, "bare_bucket{le=\"+Inf\"} 4\n") != NULL);
	free(t.buf);
}

static void test_outcomes(void)
{
	struct metrics m;
	sr_error invalid = {.kind = SR_INVALID}, busy = {.kind = SR_BUSY}, odd = {.kind = 42};
	metrics_init(&m);
	CHECK_STR_EQ(metrics_outcome_name(metrics_outcome_of(NULL)), "ok");
	CHECK_STR_EQ(metrics_outcome_name(metrics_outcome_of(&invalid)), "invalid");
	CHECK_STR_EQ(metrics_outcome_name(metrics_outcome_of(&busy)), "busy");
	CHECK_STR_EQ(metrics_outcome_name(metrics_outcome_of(&odd)), "internal");
	metrics_api_call(&m, 1, NULL, 1000);
	metrics_api_call(&m, 1, &invalid, 1000);
	metrics_api_call(&m, 1, &invalid, 1000);
	metrics_api_call(&m, METRICS_ROUTES_MAX, NULL, 1); /* out of range: ignored */
	metrics_error(&m, SR_BUSY);
	CHECK(atomic_load(&m.calls[1][METRICS_OUTCOME_OK]) == 1);
	CHECK(atomic_load(&m.calls[1][metrics_outcome_of(&invalid)]) == 2);
	CHECK(atomic_load(&m.errors[metrics_outcome_of(&invalid)]) == 2);
	CHECK(atomic_load(&m.errors[metrics_outcome_of(&busy)]) == 1);
	CHECK(atomic_load(&m.latency[1].count) == 3);
	struct metrics_text t = {0};
	metrics_render_own(&m, &t, 2, route_name);
	CHECK(!t.failed);
	CHECK(strstr(t.buf, "sriov_api_requests_total{method=\"NetworkDriver.Join\",outcome=\"ok\"} 1\n") != NULL);
	CHECK(strstr(t.buf, "sriov_api_requests_total{method=\"NetworkDriver.Join\",outcome=\"invalid\"} 2\n") != NULL);
	/* the ok series of every method from the start, the others once they happened */
	CHECK(strstr(t.buf, "sriov_api_requests_total{method=\"Plugin.Activate\",outcome=\"ok\"} 0\n") != NULL);
	CHECK(strstr(t.buf, "method=\"Plugin.Activate\",outcome=\"invalid\"") == NULL);
	CHECK(strstr(t.buf, "sriov_errors_total{kind=\"busy\"} 1\n") != NULL);
	CHECK(strstr(t.buf, "sriov_api_request_duration_seconds_count{method=\"NetworkDriver.Join\"} 3\n") != NULL);
	CHECK(strstr(t.buf, "# TYPE sriov_api_request_duration_seconds histogram\n") != NULL);
	/* one family header each, however many series */
	CHECK(strstr(strstr(t.buf, "# TYPE sriov_api_requests_total") + 1, "# TYPE sriov_api_requests_total") == NULL);
	free(t.buf);
}

struct hammer {
	struct metrics *m;
};

static void *observe_many(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 100000; i++) {
		metrics_api_call(h->m, 0, NULL, (uint64_t)i);
		metrics_event(h->m, METRICS_EV_RESET);
	}
	return NULL;
}

static void test_threads(void)
{
	struct metrics m;
	struct hammer h = {&m};
	pthread_t t[4];
	struct metrics_hist_snapshot s;
	metrics_init(&m);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, observe_many, &h);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	metrics_hist_snapshot(&m.latency[0], &s);
	CHECK(atomic_load(&m.calls[0][METRICS_OUTCOME_OK]) == 400000);
	CHECK(atomic_load(&m.events[METRICS_EV_RESET]) == 400000);
	CHECK(s.count == 400000 && s.cumulative[s.nbounds] == 400000);
	/* sum of 0..99999 ns, four times */
	CHECK(s.sum > 4 * 4.99995 - 1e-6 && s.sum < 4 * 4.99995 + 1e-6);
}

int main(void)
{
	test_text_escaping();
	test_text_grows();
	test_histogram();
	test_outcomes();
	test_threads();
	return check_summary("metrics");
}
