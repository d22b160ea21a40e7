/*
 * C99 test of the tidescale Prometheus C ABI: rate / increase / irate / delta and
 * histogram_quantile against vectors of tests/conformance/prom.json (upstream promqltest
 * cases) and the core's doctests, the Prometheus 2.x window boundary, the streaming counter
 * window (equal to the one-shot functions), and every error path. Built by scripts/test-c with
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic
 * and run under valgrind. Prints "N passed, M failed".
 */
#include <string.h>

#include "check.h"

#define S(x) ((int64_t)(x) * 1000)
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_range_functions(void) {
    /* prom-016: rate(testcounter_zero_cutoff_total[20m]) @ 600s = 0.5 */
    const ts_prom_sample zero_cutoff[] = {
        {S(0), 0}, {S(240), 240}, {S(480), 480}, {S(720), 720}, {S(960), 960}};
    /* prom-001: increase(http_requests_total[50m]) @ 3000s = 100 */
    ts_prom_sample requests[11];
    /* prom-012: rate(testcounter_reset_end_total[6m]) @ 3000s = 0 (reset at the end) */
    const ts_prom_sample reset_end[] = {
        {S(2100), 70}, {S(2400), 80}, {S(2700), 90}, {S(3000), 0}, {S(3300), 10}};
    /* prom-032 / prom-033: irate(http_requests_nan[15m1s]) */
    ts_prom_sample with_nan[4];
    /* the core's delta doctest: 10 -> 4 over 30 s, extrapolated to 60 s: -12 */
    const ts_prom_sample gauge[] = {{S(30), 10}, {S(60), 4}};
    /* two samples exactly one range apart */
    const ts_prom_sample edge[] = {{S(0), 0}, {S(60), 60}};
    double v = -1;
    bool has = false;
    int i;

    for (i = 0; i <= 10; i++) {
        requests[i].timestamp_ms = S(300 * i);
        requests[i].value = 10.0 * i;
    }
    with_nan[0].timestamp_ms = S(0);
    with_nan[0].value = 1;
    with_nan[1].timestamp_ms = S(300);
    with_nan[1].value = NAN;
    with_nan[2].timestamp_ms = S(600);
    with_nan[2].value = NAN;
    with_nan[3].timestamp_ms = S(900);
    with_nan[3].value = 5;

    CHECK_CODE(ts_prom_rate(zero_cutoff, LEN(zero_cutoff), S(600), S(1200),
                            TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_OK);
    CHECK(has && close_to(v, 0.5, 1e-6));
    CHECK_CODE(ts_prom_increase(requests, 11, S(3000), S(3000), TS_WINDOW_MODE_LEFT_OPEN, &v,
                                &has),
               TS_RESULT_OK);
    CHECK(has && v == 100.0);
    CHECK_CODE(ts_prom_rate(reset_end, LEN(reset_end), S(3000), S(360), TS_WINDOW_MODE_LEFT_OPEN,
                            &v, &has),
               TS_RESULT_OK);
    CHECK(has && v == 0.0);
    CHECK_CODE(ts_prom_irate(with_nan, 3, S(0), S(901), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_OK);
    CHECK(!has && v == 0.0); /* one sample in the window: no result */
    CHECK_CODE(ts_prom_irate(with_nan, 4, S(300), S(901), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_OK);
    CHECK(has && isnan(v));
    CHECK_CODE(ts_prom_delta(gauge, 2, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_OK);
    CHECK(has && v == -12.0);

    /* Prometheus 3.x (left-open) drops the sample on the window start, 2.x keeps it */
    CHECK_CODE(ts_prom_increase(edge, 2, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_OK);
    CHECK(!has);
    CHECK_CODE(ts_prom_increase(edge, 2, S(60), S(60), TS_WINDOW_MODE_LEFT_CLOSED, &v, &has),
               TS_RESULT_OK);
    CHECK(has && v == 60.0);
    CHECK_CODE(ts_prom_rate(NULL, 0, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_OK);
    CHECK(!has);
}

static void test_histogram_quantile(void) {
    /* prom-039: histogram_quantile(0.25, testhistogram3_bucket) = 0.055 */
    const ts_prom_bucket positive[] = {
        {0, 0}, {0.1, 50}, {0.2, 70}, {1, 110}, {INFINITY, 110}};
    /* prom-038: histogram_quantile(0, ...) with negative bounds = -0.25 */
    const ts_prom_bucket negative[] = {
        {-0.25, 0}, {-0.2, 10}, {-0.1, 20}, {0.3, 20}, {INFINITY, 20}};
    /* the core's doctest, buckets in any order */
    const ts_prom_bucket shuffled[] = {{1, 110}, {INFINITY, 120}, {0.1, 50}, {0.2, 70}};
    ts_prom_bucket with_nan[2] = {{0.1, 1}, {INFINITY, 2}};
    double v = 0;
    bool has = false;

    CHECK_CODE(ts_prom_histogram_quantile(0.25, positive, LEN(positive), &v, &has), TS_RESULT_OK);
    CHECK(close_to(v, 0.055, 1e-6));
    CHECK_CODE(ts_prom_histogram_quantile(0, negative, LEN(negative), &v, &has), TS_RESULT_OK);
    CHECK(close_to(v, -0.25, 1e-6));
    CHECK_CODE(ts_prom_histogram_quantile(0.2, shuffled, LEN(shuffled), &v, &has), TS_RESULT_OK);
    CHECK(close_to(v, 0.048, 1e-12));
    CHECK_CODE(ts_prom_histogram_quantile(0.99, shuffled, LEN(shuffled), &v, &has), TS_RESULT_OK);
    CHECK(v == 1.0); /* the +Inf bucket: the second-highest bound */
    CHECK_CODE(ts_prom_histogram_quantile(-0.1, shuffled, LEN(shuffled), &v, &has), TS_RESULT_OK);
    CHECK(isinf(v) && v < 0);
    CHECK_CODE(ts_prom_histogram_quantile(1.5, shuffled, LEN(shuffled), &v, &has), TS_RESULT_OK);
    CHECK(isinf(v) && v > 0);
    CHECK_CODE(ts_prom_histogram_quantile(NAN, shuffled, LEN(shuffled), &v, &has), TS_RESULT_OK);
    CHECK(isnan(v));
    CHECK(has);
    /* no buckets: no series, so no result for any q, NaN included (Prometheus) */
    CHECK_CODE(ts_prom_histogram_quantile(0.5, NULL, 0, &v, &has), TS_RESULT_OK);
    CHECK(!has && v == 0);
    has = true;
    CHECK_CODE(ts_prom_histogram_quantile(NAN, NULL, 0, &v, &has), TS_RESULT_OK);
    CHECK(!has && v == 0);
    has = true;
    CHECK_CODE(ts_prom_histogram_quantile(-1, positive, 0, &v, &has), TS_RESULT_OK);
    CHECK(!has);

    v = 7;
    with_nan[0].upper_bound = NAN;
    CHECK_CODE(ts_prom_histogram_quantile(0.5, with_nan, 2, &v, &has), TS_RESULT_NAN_BUCKET_BOUND);
    CHECK_CODE(ts_prom_histogram_quantile(0.5, NULL, 2, &v, &has), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_histogram_quantile(0.5, positive, LEN(positive), NULL, &has),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_histogram_quantile(0.5, positive, LEN(positive), &v, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK(v == 7); /* untouched by failures */
}

static void test_streaming(void) {
    ts_prom_counter_window *w = NULL;
    ts_prom_counter_window *sentinel = (ts_prom_counter_window *)&passed;
    ts_prom_counter_window *out = sentinel;
    ts_prom_sample all[40];
    double v = 0, expect = 0;
    bool has = true, expect_has = false;
    int i, n = 0;

    /* a counter +30 every 15 s with a reset at 300 s; rate over [2m], window of 16 samples */
    CHECK_CODE(ts_prom_counter_window_new(16, S(120), TS_WINDOW_MODE_LEFT_OPEN, &w), TS_RESULT_OK);
    CHECK_CODE(ts_prom_counter_window_rate(w, S(0), &v, &has), TS_RESULT_OK);
    CHECK(!has && v == 0.0);
    for (i = 0; i < 40; i++) {
        int64_t t = S(15 * i);
        double value = i < 20 ? 30.0 * i : 30.0 * (i - 20);
        all[n].timestamp_ms = t;
        all[n].value = value;
        n++;
        CHECK_CODE(ts_prom_counter_window_push(w, t, value), TS_RESULT_OK);
        /* bit for bit the one-shot functions over every sample pushed so far */
        CHECK_CODE(ts_prom_counter_window_rate(w, t, &v, &has), TS_RESULT_OK);
        CHECK_CODE(ts_prom_rate(all, (size_t)n, t, S(120), TS_WINDOW_MODE_LEFT_OPEN, &expect,
                                &expect_has),
                   TS_RESULT_OK);
        CHECK(has == expect_has && memcmp(&v, &expect, sizeof v) == 0);
        CHECK_CODE(ts_prom_counter_window_increase(w, t, &v, &has), TS_RESULT_OK);
        CHECK_CODE(ts_prom_increase(all, (size_t)n, t, S(120), TS_WINDOW_MODE_LEFT_OPEN, &expect,
                                    &expect_has),
                   TS_RESULT_OK);
        CHECK(has == expect_has && memcmp(&v, &expect, sizeof v) == 0);
        CHECK_CODE(ts_prom_counter_window_irate(w, t, &v, &has), TS_RESULT_OK);
        CHECK_CODE(ts_prom_irate(all, (size_t)n, t, S(120), TS_WINDOW_MODE_LEFT_OPEN, &expect,
                                 &expect_has),
                   TS_RESULT_OK);
        CHECK(has == expect_has && memcmp(&v, &expect, sizeof v) == 0);
    }
    /* steady +30 per 15 s: 2 per second (the core's module doctest) */
    CHECK_CODE(ts_prom_counter_window_rate(w, S(15 * 39), &v, &has), TS_RESULT_OK);
    CHECK(has && close_to(v, 2.0, 1e-12));

    /* ordering: older is rejected, the same sample again is ignored, another value is not */
    CHECK_CODE(ts_prom_counter_window_push(w, S(100), 1), TS_RESULT_PROM_OUT_OF_ORDER);
    CHECK_CODE(ts_prom_counter_window_push(w, S(15 * 39), 570), TS_RESULT_OK);
    CHECK_CODE(ts_prom_counter_window_push(w, S(15 * 39), 571), TS_RESULT_DUPLICATE_TIMESTAMP);
    CHECK_CODE(ts_prom_counter_window_push(NULL, S(1), 1), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_counter_window_rate(NULL, S(1), &v, &has), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_counter_window_rate(w, S(1), NULL, &has), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_counter_window_increase(w, S(1), &v, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_counter_window_irate(NULL, S(1), &v, &has), TS_RESULT_NULL_ARGUMENT);
    ts_prom_counter_window_free(w);
    ts_prom_counter_window_free(NULL);

    CHECK_CODE(ts_prom_counter_window_new(1, S(60), TS_WINDOW_MODE_LEFT_OPEN, &out),
               TS_RESULT_INVALID_CAPACITY);
    CHECK_CODE(ts_prom_counter_window_new(16, 0, TS_WINDOW_MODE_LEFT_OPEN, &out),
               TS_RESULT_INVALID_RANGE);
    CHECK_CODE(ts_prom_counter_window_new(16, S(60), 2, &out), TS_RESULT_UNKNOWN_CODE);
    CHECK_CODE(ts_prom_counter_window_new((size_t)-1, S(60), TS_WINDOW_MODE_LEFT_OPEN, &out),
               TS_RESULT_INPUT_TOO_LARGE);
    CHECK_CODE(ts_prom_counter_window_new(16, S(60), TS_WINDOW_MODE_LEFT_OPEN, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK(out == sentinel);
}

static void test_errors(void) {
    const ts_prom_sample backwards[] = {{S(60), 1}, {S(30), 2}};
    const ts_prom_sample repeated[] = {{S(30), 1}, {S(30), 1}};
    double v = 7;
    bool has = true;

    CHECK_CODE(ts_prom_rate(backwards, 2, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_SAMPLES_OUT_OF_ORDER);
    CHECK(strstr(ts_last_error(), "sample 1") != NULL);
    CHECK_CODE(ts_prom_irate(repeated, 2, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_SAMPLES_OUT_OF_ORDER);
    CHECK_CODE(ts_prom_increase(repeated, 1, S(60), 0, TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_INVALID_RANGE);
    CHECK_CODE(ts_prom_delta(repeated, 1, S(60), -5, TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_INVALID_RANGE);
    CHECK_CODE(ts_prom_rate(repeated, 1, S(60), S(60), 9, &v, &has), TS_RESULT_UNKNOWN_CODE);
    CHECK_CODE(ts_prom_rate(NULL, 1, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, &v, &has),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_rate(repeated, 1, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, NULL, &has),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_prom_rate(repeated, 1, S(60), S(60), TS_WINDOW_MODE_LEFT_OPEN, &v, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK(v == 7 && has); /* untouched by failures */
}

int main(void) {
    test_range_functions();
    test_histogram_quantile();
    test_streaming();
    test_errors();
    return finish();
}
