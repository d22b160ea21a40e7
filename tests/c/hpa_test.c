/*
 * C99 test of the tidescale HPA C ABI: a scale-up, a stabilized scale-down, history save and
 * restore, and every error path. Built by scripts/test-c with
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic
 * and run under valgrind. Prints "N passed, M failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tidescale.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            passed++;                                                                 \
        } else {                                                                      \
            failed++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

/* A call must return `code` and leave a non-empty last error message (or none after OK). */
#define CHECK_CODE(call, code)                                                           \
    do {                                                                                 \
        ts_result r_ = (call);                                                           \
        if (r_ == (ts_result)(code)) {                                                   \
            passed++;                                                                    \
        } else {                                                                         \
            failed++;                                                                    \
            fprintf(stderr, "%s:%d: %s returned %u (%s), expected %u; last error: %s\n", \
                    __FILE__, __LINE__, #call, (unsigned)r_, describe(r_),               \
                    (unsigned)(code), ts_last_error());                                  \
        }                                                                                \
        CHECK(((code) == TS_RESULT_OK) == (ts_last_error_message(NULL, 0) == 0));        \
    } while (0)

static const char *describe(uint32_t code) {
    const char *s = ts_result_str(code);
    return s ? s : "unknown code";
}

static const char *reason(uint32_t code) {
    const char *s = ts_reason_str(code);
    return s ? s : "?";
}

static const char MANIFEST_JSON[] =
    "{\"apiVersion\": \"autoscaling/v2\", \"kind\": \"HorizontalPodAutoscaler\","
    " \"metadata\": {\"name\": \"web\"},"
    " \"spec\": {\"scaleTargetRef\": {\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
    " \"name\": \"web\"}, \"minReplicas\": 1, \"maxReplicas\": 10,"
    " \"metrics\": [{\"type\": \"Resource\", \"resource\": {\"name\": \"cpu\","
    " \"target\": {\"type\": \"Utilization\", \"averageUtilization\": 50}}}]}}";

/* The same HPA as a YAML stream, after a Deployment document. */
static const char MANIFEST_YAML[] =
    "apiVersion: apps/v1\n"
    "kind: Deployment\n"
    "metadata:\n"
    "  name: web\n"
    "---\n"
    "apiVersion: autoscaling/v2\n"
    "kind: HorizontalPodAutoscaler\n"
    "metadata:\n"
    "  name: web\n"
    "spec:\n"
    "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
    "  minReplicas: 1\n"
    "  maxReplicas: 10\n"
    "  metrics:\n"
    "  - type: Resource\n"
    "    resource:\n"
    "      name: cpu\n"
    "      target:\n"
    "        type: Utilization\n"
    "        averageUtilization: 50\n";

#define MAX_PODS 16
#define T0 1000000 /* ms: the first sync, long after the pods started */

/* n ready pods requesting 1000m CPU, each using `usage` millicores, sampled at `now`. */
struct world {
    char names[MAX_PODS][16];
    ts_pod pods[MAX_PODS];
    ts_pod_sample samples[MAX_PODS];
    ts_metric_reading reading;
    ts_scale scale;
};

static void world_init(struct world *w, int n, int64_t usage, int64_t now) {
    int i;
    memset(w, 0, sizeof *w);
    for (i = 0; i < n; i++) {
        snprintf(w->names[i], sizeof w->names[i], "web-%d", i);
        w->pods[i] = ts_pod_default();
        w->pods[i].name = w->names[i];
        w->pods[i].name_len = strlen(w->names[i]);
        w->pods[i].phase = TS_POD_PHASE_RUNNING;
        w->pods[i].has_start_time = true;
        w->pods[i].start_ms = 0;
        w->pods[i].ready = TS_READY_TRUE;
        w->pods[i].ready_transition_ms = 0;
        w->pods[i].has_cpu_request = true;
        w->pods[i].cpu_request_milli = 1000;
        w->samples[i].pod = (size_t)i;
        w->samples[i].value_milli = usage;
        w->samples[i].timestamp_ms = now;
        w->samples[i].window_ms = 60000;
    }
    w->reading = ts_metric_reading_default();
    w->reading.kind = TS_METRIC_KIND_PODS;
    w->reading.samples = w->samples;
    w->reading.n_samples = (size_t)n;
    w->scale.spec_replicas = n;
    w->scale.status_replicas = n;
}

static ts_result step(ts_hpa *hpa, struct world *w, int64_t now, ts_hpa_decision *d) {
    return ts_hpa_step(hpa, now, &w->scale, w->pods, (size_t)w->scale.spec_replicas, &w->reading,
                       1, d);
}

static ts_hpa *new_hpa(const char *text) {
    ts_hpa *hpa = NULL;
    CHECK_CODE(ts_hpa_new(text, strlen(text), NULL, 0, &hpa), TS_RESULT_OK);
    CHECK(hpa != NULL);
    return hpa;
}

static void test_version(void) {
    char expected[64];
    CHECK(ts_abi_version() == TS_ABI_VERSION);
    snprintf(expected, sizeof expected, "tidescale/%d.%d.%d", TS_VERSION_MAJOR, TS_VERSION_MINOR,
             TS_VERSION_PATCH);
    CHECK(strcmp(ts_version(), expected) == 0);
    CHECK(TS_VERSION_NUMBER == ((TS_VERSION_MAJOR << 16) | (TS_VERSION_MINOR << 8) | TS_VERSION_PATCH));
    CHECK(strcmp(ts_result_str(TS_RESULT_OK), "success") == 0);
    CHECK(ts_result_str(12345) == NULL);
    CHECK(strcmp(ts_reason_str(TS_REASON_SCALE_DOWN_STABILIZED), "ScaleDownStabilized") == 0);
    CHECK(strcmp(ts_reason_str(TS_REASON_NONE), "") == 0);
    CHECK(ts_reason_str(12345) == NULL); /* unknown reason code */
}

/* Scale up, hold inside the stabilization window, scale down after it; save and restore. */
static void test_scenario(void) {
    struct world w;
    ts_hpa_decision d;
    ts_metric_proposal p;
    ts_hpa *hpa = new_hpa(MANIFEST_JSON);
    ts_hpa *restored;
    ts_hpa *fresh;
    char text[512];
    size_t n = 0, needed = 0;
    char *saved;

    /* 3 pods requesting 1000m at 900m each, 50% target: ceil(3 * 90 / 50) = 6 */
    world_init(&w, 3, 900, T0);
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_OK);
    CHECK(d.current_replicas == 3);
    CHECK(d.desired_replicas == 6);
    CHECK(d.rescale);
    CHECK(d.proposed_replicas == 6);
    CHECK(d.stabilized_replicas == 6);
    CHECK(d.chosen_metric == 0);
    CHECK(d.limited_by == TS_REASON_NONE);
    CHECK(d.able_to_scale.status == TS_CONDITION_STATUS_TRUE);
    CHECK(d.able_to_scale.reason == TS_REASON_SUCCEEDED_RESCALE);
    CHECK(d.scaling_active.status == TS_CONDITION_STATUS_TRUE);
    CHECK(d.scaling_active.reason == TS_REASON_VALID_METRIC_FOUND);
    CHECK(d.scaling_limited.status == TS_CONDITION_STATUS_FALSE);
    CHECK(d.scaling_limited.reason == TS_REASON_DESIRED_WITHIN_RANGE);
    CHECK(d.scaled_to_zero.status == TS_CONDITION_STATUS_UNSET);
    CHECK(d.n_metrics == 1);
    CHECK(!d.has_error);
    {
        int64_t wake = 0;
        CHECK_CODE(ts_hpa_next_wakeup(hpa, T0, &wake), TS_RESULT_OK);
        CHECK(wake == T0 + 15000);
    }

    CHECK_CODE(ts_hpa_metric_proposal(hpa, 0, &p), TS_RESULT_OK);
    CHECK(p.ok && p.chosen);
    CHECK(p.replicas == 6);
    CHECK(p.utilization == 90);
    CHECK(p.ratio > 1.7999 && p.ratio < 1.8001);
    CHECK(p.value_milli == 900);
    CHECK(p.source == TS_METRIC_SOURCE_RESOURCE);
    CHECK(p.failure_reason == TS_REASON_NONE);

    CHECK_CODE(ts_hpa_explain(hpa, text, sizeof text, &n), TS_RESULT_OK);
    CHECK(n == strlen(text));
    CHECK(strncmp(text, "3 -> 6", 6) == 0);
    CHECK(strstr(text, "cpu") != NULL);

    /* 15 s later at 100m: the metric alone says 2, the window holds the count at 6 */
    world_init(&w, 6, 100, T0 + 15000);
    CHECK_CODE(step(hpa, &w, T0 + 15000, &d), TS_RESULT_OK);
    CHECK(d.current_replicas == 6);
    CHECK(d.proposed_replicas == 2);
    CHECK(d.stabilized_replicas == 6);
    CHECK(d.desired_replicas == 6);
    CHECK(!d.rescale);
    CHECK(d.able_to_scale.reason == TS_REASON_SCALE_DOWN_STABILIZED);
    printf("inside the window: %d -> %d, AbleToScale %s\n", d.current_replicas,
           d.desired_replicas, reason(d.able_to_scale.reason));

    /* save the history (ask for the size first), restore it into a handle built from YAML */
    CHECK_CODE(ts_hpa_history_save(hpa, NULL, 0, &needed), TS_RESULT_BUFFER_TOO_SMALL);
    CHECK(needed > 2);
    saved = (char *)malloc(needed + 1);
    CHECK(saved != NULL);
    if (saved == NULL) return;
    n = 0;
    CHECK_CODE(ts_hpa_history_save(hpa, saved, needed + 1, &n), TS_RESULT_OK);
    CHECK(n == needed);
    CHECK(strlen(saved) == needed);
    CHECK(saved[0] == '{');
    restored = new_hpa(MANIFEST_YAML);
    CHECK_CODE(ts_hpa_history_load(restored, saved, needed), TS_RESULT_OK);
    fresh = new_hpa(MANIFEST_YAML);

    /* 301 s after the peak: the 6 has left the window, scale down to 2 */
    world_init(&w, 6, 100, T0 + 301000);
    CHECK_CODE(step(hpa, &w, T0 + 301000, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 2);
    CHECK(d.rescale);
    CHECK(d.able_to_scale.reason == TS_REASON_SUCCEEDED_RESCALE);
    CHECK(d.scaling_limited.status == TS_CONDITION_STATUS_FALSE);
    printf("after the window: %d -> %d\n", d.current_replicas, d.desired_replicas);

    /* the restored handle decides the same; a fresh one (no history) holds at 6 */
    CHECK_CODE(step(restored, &w, T0 + 301000, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 2 && d.rescale);
    CHECK_CODE(step(fresh, &w, T0 + 301000, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 6 && !d.rescale);
    CHECK(d.able_to_scale.reason == TS_REASON_SCALE_DOWN_STABILIZED);

    /* a failed metrics API: no rescale, ScalingActive=False with the upstream reason */
    w.reading.kind = TS_METRIC_KIND_UNAVAILABLE;
    CHECK_CODE(step(hpa, &w, T0 + 316000, &d), TS_RESULT_OK);
    CHECK(!d.rescale);
    CHECK(d.has_error);
    CHECK(d.scaling_active.status == TS_CONDITION_STATUS_FALSE);
    CHECK(d.scaling_active.reason == TS_REASON_FAILED_GET_RESOURCE_METRIC);
    CHECK(d.chosen_metric == -1);
    CHECK_CODE(ts_hpa_metric_proposal(hpa, 0, &p), TS_RESULT_OK);
    CHECK(!p.ok && p.replicas == -1);
    CHECK(p.failure_reason == TS_REASON_FAILED_GET_RESOURCE_METRIC);

    free(saved);
    ts_hpa_free(hpa);
    ts_hpa_free(restored);
    ts_hpa_free(fresh);
}

static void test_new_errors(void) {
    ts_hpa *sentinel = (ts_hpa *)&passed; /* never dereferenced: must stay untouched */
    ts_hpa *out = sentinel;
    const char bad_utf8[] = "{\"spec\": {\"maxReplicas\": 3, \"x\": \"\xff\xfe\"}}";
    const char deployment[] = "apiVersion: apps/v1\nkind: Deployment\n";
    const char invalid[] = "{\"spec\": {\"minReplicas\": 5, \"maxReplicas\": 2}}";
    const char nan_settings[] = "{\"tolerance\": NaN}";
    const char negative_settings[] = "{\"tolerance\": -1}";
    char msg[8];
    size_t full;

    CHECK_CODE(ts_hpa_new(NULL, 10, NULL, 0, &out), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_new(MANIFEST_JSON, strlen(MANIFEST_JSON), NULL, 0, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_new("{\"spec\": ", 9, NULL, 0, &out), TS_RESULT_INVALID_JSON);
    CHECK_CODE(ts_hpa_new("spec: [1, 2", 11, NULL, 0, &out), TS_RESULT_INVALID_YAML);
    CHECK_CODE(ts_hpa_new(bad_utf8, strlen(bad_utf8), NULL, 0, &out), TS_RESULT_INVALID_UTF8);
    CHECK_CODE(ts_hpa_new(deployment, strlen(deployment), NULL, 0, &out), TS_RESULT_HPA_NOT_FOUND);
    CHECK_CODE(ts_hpa_new("{\"spec\": {}}", 12, NULL, 0, &out), TS_RESULT_INVALID_MANIFEST);
    CHECK_CODE(ts_hpa_new(invalid, strlen(invalid), NULL, 0, &out), TS_RESULT_VALIDATION);
    CHECK(strstr(ts_last_error(), "minReplicas") != NULL);
    CHECK_CODE(ts_hpa_new(MANIFEST_JSON, strlen(MANIFEST_JSON), nan_settings,
                          strlen(nan_settings), &out),
               TS_RESULT_INVALID_SETTINGS);
    CHECK_CODE(ts_hpa_new(MANIFEST_JSON, strlen(MANIFEST_JSON), negative_settings,
                          strlen(negative_settings), &out),
               TS_RESULT_VALIDATION);
    CHECK(out == sentinel); /* outputs are written only on success */

    /* the last error message: full length returned, truncated copy NUL-terminated */
    full = ts_last_error_message(NULL, 0);
    CHECK(full > sizeof msg);
    CHECK(ts_last_error_message(msg, sizeof msg) == full);
    CHECK(strlen(msg) == sizeof msg - 1);
    CHECK(strncmp(msg, ts_last_error(), sizeof msg - 1) == 0);
    ts_hpa_free(NULL); /* accepted */
}

static void test_step_errors(void) {
    struct world w;
    ts_hpa_decision d, before;
    ts_metric_proposal p;
    ts_hpa *hpa = new_hpa(MANIFEST_JSON);
    char buf[4] = "abc";
    size_t n = 0;
    int64_t next = 0;
    const char bad_name[] = "we\xc3\x28";

    memset(&d, 0x5a, sizeof d);
    before = d;
    world_init(&w, 3, 900, T0);
    CHECK_CODE(step(NULL, &w, T0, &d), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_step(hpa, T0, NULL, w.pods, 3, &w.reading, 1, &d), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_step(hpa, T0, &w.scale, w.pods, 3, &w.reading, 1, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_step(hpa, T0, &w.scale, NULL, 3, &w.reading, 1, &d),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_step(hpa, T0, &w.scale, w.pods, 3, &w.reading, 0, &d),
               TS_RESULT_METRIC_COUNT_MISMATCH);

    w.scale.spec_replicas = -1;
    CHECK_CODE(ts_hpa_step(hpa, T0, &w.scale, w.pods, 3, &w.reading, 1, &d),
               TS_RESULT_NEGATIVE_VALUE);
    w.scale.spec_replicas = 3;

    w.pods[1].phase = 77;
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_UNKNOWN_CODE);
    CHECK(strcmp(ts_last_error(), "pods[1].phase: unknown code 77") == 0);
    w.pods[1].phase = TS_POD_PHASE_RUNNING;
    w.pods[2].ready = 9;
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_UNKNOWN_CODE);
    w.pods[2].ready = TS_READY_TRUE;
    w.pods[0].cpu_request_milli = -1000;
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_NEGATIVE_VALUE);
    w.pods[0].cpu_request_milli = 1000;
    w.pods[0].name = bad_name;
    w.pods[0].name_len = strlen(bad_name);
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_INVALID_UTF8);
    w.pods[0].name = w.names[0];
    w.pods[0].name_len = strlen(w.names[0]);
    w.samples[1].value_milli = -5;
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_NEGATIVE_VALUE);
    CHECK(strstr(ts_last_error(), "readings[0].samples[1].value_milli is -5") != NULL);
    w.samples[1].value_milli = 900;
    w.reading.kind = 42;
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_UNKNOWN_CODE);
    w.reading.kind = TS_METRIC_KIND_PODS;
    w.reading.samples = NULL;
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_NULL_ARGUMENT);
    w.reading.samples = w.samples;
    CHECK(memcmp(&d, &before, sizeof d) == 0); /* untouched by every failure */

    /* nothing stepped yet: no proposal */
    CHECK_CODE(ts_hpa_metric_proposal(hpa, 0, &p), TS_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_CODE(step(hpa, &w, T0, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 6);
    CHECK_CODE(ts_hpa_metric_proposal(hpa, 1, &p), TS_RESULT_INDEX_OUT_OF_RANGE);
    CHECK_CODE(ts_hpa_metric_proposal(hpa, 0, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_metric_proposal(NULL, 0, &p), TS_RESULT_NULL_ARGUMENT);

    /* buffers too small: the size still comes back, the buffer is untouched */
    CHECK_CODE(ts_hpa_explain(hpa, buf, sizeof buf, &n), TS_RESULT_BUFFER_TOO_SMALL);
    CHECK(n > sizeof buf);
    CHECK(strcmp(buf, "abc") == 0);
    CHECK_CODE(ts_hpa_explain(hpa, buf, sizeof buf, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_explain(hpa, NULL, 10, &n), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_explain(NULL, buf, sizeof buf, &n), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_history_save(hpa, buf, sizeof buf, &n), TS_RESULT_BUFFER_TOO_SMALL);
    CHECK(strcmp(buf, "abc") == 0);
    CHECK_CODE(ts_hpa_history_save(NULL, buf, sizeof buf, &n), TS_RESULT_NULL_ARGUMENT);

    CHECK_CODE(ts_hpa_history_load(hpa, "[1, 2]", 6), TS_RESULT_INVALID_HISTORY);
    CHECK_CODE(ts_hpa_history_load(hpa, "{", 1), TS_RESULT_INVALID_HISTORY);
    CHECK_CODE(ts_hpa_history_load(hpa, NULL, 0), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_history_load(NULL, "{}", 2), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_history_load(hpa, "\xff", 1), TS_RESULT_INVALID_UTF8);

    CHECK_CODE(ts_hpa_next_wakeup(hpa, T0, &next), TS_RESULT_OK);
    CHECK(next == T0 + 15000);
    CHECK_CODE(ts_hpa_next_wakeup(NULL, T0, &next), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_next_wakeup(hpa, T0, NULL), TS_RESULT_NULL_ARGUMENT);
    ts_hpa_free(hpa);
}

/* ts_hpa_set_pods: validated once, the same decisions as validating every step; a bad pod is
   refused there and the array is not trusted; a changed array is validated again. */
static void test_set_pods(void) {
    struct world w;
    ts_hpa_decision a, b;
    ts_hpa *each = new_hpa(MANIFEST_JSON);
    ts_hpa *once = new_hpa(MANIFEST_JSON);
    int k;

    world_init(&w, 3, 900, T0);
    CHECK_CODE(ts_hpa_set_pods(NULL, w.pods, 3), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_hpa_set_pods(once, w.pods, 3), TS_RESULT_OK);
    for (k = 0; k < 4; k++) {
        int64_t now = T0 + (int64_t)k * 15000;
        w.samples[0].value_milli = 900 - 250 * k;
        w.samples[1].value_milli = 900 - 250 * k;
        w.samples[2].value_milli = 900 - 250 * k;
        CHECK_CODE(step(each, &w, now, &a), TS_RESULT_OK);
        CHECK_CODE(step(once, &w, now, &b), TS_RESULT_OK);
        CHECK(a.current_replicas == b.current_replicas && a.desired_replicas == b.desired_replicas);
        CHECK(a.proposed_replicas == b.proposed_replicas);
        CHECK(a.stabilized_replicas == b.stabilized_replicas && a.limited_by == b.limited_by);
        CHECK(a.able_to_scale.reason == b.able_to_scale.reason && a.rescale == b.rescale);
    }
    CHECK(a.desired_replicas == 6); /* 6 held by the 5-minute scale-down window */

    /* a pod changed in place and announced: the bad code is found by set_pods */
    w.pods[2].phase = 77;
    CHECK_CODE(ts_hpa_set_pods(once, w.pods, 3), TS_RESULT_UNKNOWN_CODE);
    CHECK(strcmp(ts_last_error(), "pods[2].phase: unknown code 77") == 0);
    /* ... and no longer trusted: the step validates it too */
    CHECK_CODE(step(once, &w, T0 + 60000, &b), TS_RESULT_UNKNOWN_CODE);
    w.pods[2].phase = TS_POD_PHASE_RUNNING;
    CHECK_CODE(ts_hpa_set_pods(once, NULL, 0), TS_RESULT_OK);
    CHECK_CODE(step(once, &w, T0 + 60000, &b), TS_RESULT_OK);

    ts_hpa_free(each);
    ts_hpa_free(once);
}

/* Unknown manifest fields: a warning by default, an error in strict mode (issue 9). */
static void test_unknown_fields(void) {
    static const char text[] =
        "{\"apiVersion\":\"autoscaling/v2\",\"kind\":\"HorizontalPodAutoscaler\","
        "\"metadata\":{\"name\":\"web\"},\"spec\":{\"maxReplicas\":4,"
        "\"scaleTargetRef\":{\"kind\":\"Deployment\",\"name\":\"web\"},"
        "\"behaviour\":{}}}";
    ts_hpa *hpa = NULL;
    CHECK_CODE(ts_hpa_new(text, strlen(text), NULL, 0, &hpa), TS_RESULT_OK);
    CHECK(ts_last_warning_count() == 1);
    CHECK(ts_last_warning(0) != NULL &&
          strcmp(ts_last_warning(0), "document 0: unknown field \"spec.behaviour\"") == 0);
    CHECK(ts_last_warning(1) == NULL);
    ts_hpa_free(hpa);
    hpa = NULL;
    CHECK_CODE(ts_set_field_validation(TS_FIELD_VALIDATION_STRICT), TS_RESULT_OK);
    CHECK_CODE(ts_hpa_new(text, strlen(text), NULL, 0, &hpa), TS_RESULT_INVALID_MANIFEST);
    CHECK(hpa == NULL);
    CHECK(strstr(ts_last_error(), "spec.behaviour") != NULL);
    CHECK_CODE(ts_set_field_validation(7), TS_RESULT_INVALID_ARGUMENT);
    CHECK_CODE(ts_set_field_validation(TS_FIELD_VALIDATION_WARN), TS_RESULT_OK);
}

int main(void) {
    test_version();
    test_unknown_fields();
    test_scenario();
    test_new_errors();
    test_step_errors();
    test_set_pods();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
