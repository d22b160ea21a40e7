/*
 * C99 test of the tidescale VPA recommender C ABI: the worked example of the VPA spec (§13:
 * one day of 250m / 500 MiB samples), capping by a container policy, repeated and reordered
 * samples (discarded as upstream), OOM events, checkpoint save and restore, and every error path. Built by scripts/test-c with
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic
 * and run under valgrind. Prints "N passed, M failed".
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char VPA_YAML[] =
    "apiVersion: autoscaling.k8s.io/v1\n"
    "kind: VerticalPodAutoscaler\n"
    "metadata: {name: web, namespace: prod}\n"
    "spec:\n"
    "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
    "  updatePolicy: {updateMode: \"Off\"}\n";

/* The same VPA with a container policy capping app's CPU at 250m. */
static const char VPA_CAPPED_JSON[] =
    "{\"apiVersion\": \"autoscaling.k8s.io/v1\", \"kind\": \"VerticalPodAutoscaler\","
    " \"metadata\": {\"name\": \"web\"},"
    " \"spec\": {\"targetRef\": {\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
    " \"name\": \"web\"}, \"resourcePolicy\": {\"containerPolicies\": [{\"containerName\":"
    " \"app\", \"maxAllowed\": {\"cpu\": \"250m\"}}]}}}";

#define START_MS 1700006400000LL /* 2023-11-15T00:00:00Z */
#define DAY_MS 86400000LL
#define MIB 1048576.0

static ts_vpa_recommender *new_vpa(const char *manifest) {
    ts_vpa_recommender *vpa = NULL;
    CHECK_CODE(ts_vpa_recommender_new(manifest, strlen(manifest), NULL, 0, &vpa), TS_RESULT_OK);
    CHECK(vpa != NULL);
    return vpa;
}

/* §13: CPU 250m and memory 500 MiB every 60 s for 1440 samples, one batch. */
static void feed_day(ts_vpa_recommender *vpa, const char *container) {
    ts_vpa_sample *s = malloc(1440 * sizeof *s);
    int i;
    for (i = 0; i < 1440; i++) {
        s[i] = ts_vpa_sample_default();
        s[i].container = container;
        s[i].container_len = strlen(container);
        s[i].timestamp_ms = START_MS + (int64_t)i * 60000;
        s[i].cpu_cores = 0.25;
        s[i].memory_bytes = 500.0 * MIB;
    }
    CHECK_CODE(ts_vpa_add_samples(vpa, s, 1440), TS_RESULT_OK);
    free(s);
}

static char *recommendation_json(ts_vpa_recommender *vpa, int64_t now) {
    size_t n = 0;
    char *buf;
    CHECK_CODE(ts_vpa_recommendation(vpa, now, NULL, 0, &n), TS_RESULT_BUFFER_TOO_SMALL);
    buf = malloc(n + 1);
    CHECK_CODE(ts_vpa_recommendation(vpa, now, buf, n + 1, &n), TS_RESULT_OK);
    CHECK(strlen(buf) == n);
    return buf;
}

static void test_worked_example(void) {
    ts_vpa_recommender *vpa = new_vpa(VPA_YAML);
    ts_vpa_resources target, lower, upper, uncapped;
    int64_t now = START_MS + DAY_MS;
    char *json;

    feed_day(vpa, "app");
    CHECK_CODE(ts_vpa_container_recommendation(vpa, now, "app", 3, &target, &lower, &upper,
                                               &uncapped),
               TS_RESULT_OK);
    /* /work/shared/spec/vpa.md §13 */
    CHECK(target.has_cpu && target.has_memory);
    CHECK(target.cpu_milli == 296);
    CHECK(target.memory_bytes == 628694953);
    CHECK(lower.cpu_milli == 295);
    CHECK(lower.memory_bytes == 627438575);
    CHECK(upper.cpu_milli == 592);
    CHECK(upper.memory_bytes == 1257826803);
    CHECK(uncapped.cpu_milli == 296 && uncapped.memory_bytes == 628694953);
    /* outputs are optional */
    CHECK_CODE(ts_vpa_container_recommendation(vpa, now, "app", 3, &target, NULL, NULL, NULL),
               TS_RESULT_OK);

    json = recommendation_json(vpa, now);
    CHECK(strcmp(json,
                 "{\"containerRecommendations\":[{\"containerName\":\"app\","
                 "\"target\":{\"cpu\":\"296m\",\"memory\":\"628694953\"},"
                 "\"lowerBound\":{\"cpu\":\"295m\",\"memory\":\"627438575\"},"
                 "\"upperBound\":{\"cpu\":\"592m\",\"memory\":\"1257826803\"},"
                 "\"uncappedTarget\":{\"cpu\":\"296m\",\"memory\":\"628694953\"}}]}") == 0);
    free(json);

    /* eight days without samples: the aggregate expired, no recommendation, still known */
    json = recommendation_json(vpa, START_MS + 9 * DAY_MS);
    CHECK(strcmp(json, "{\"containerRecommendations\":[]}") == 0);
    free(json);
    CHECK_CODE(ts_vpa_container_recommendation(vpa, START_MS + 9 * DAY_MS, "app", 3, &target,
                                               NULL, NULL, NULL),
               TS_RESULT_OK);
    CHECK(!target.has_cpu && !target.has_memory && target.cpu_milli == 0);
    ts_vpa_recommender_free(vpa);
}

static void test_capping_and_options(void) {
    ts_vpa_recommender *vpa = new_vpa(VPA_CAPPED_JSON);
    ts_vpa_recommender *tuned = NULL;
    ts_vpa_resources target, lower, upper, uncapped;
    int64_t now = START_MS + DAY_MS;
    const char options[] = "{\"recommendation-margin-fraction\": 0, \"round-cpu-millicores\": 10}";

    feed_day(vpa, "app");
    CHECK_CODE(ts_vpa_container_recommendation(vpa, now, "app", 3, &target, &lower, &upper,
                                               &uncapped),
               TS_RESULT_OK);
    CHECK(target.cpu_milli == 250);   /* capped by maxAllowed */
    CHECK(uncapped.cpu_milli == 296); /* before the policy */
    CHECK(upper.cpu_milli == 250 && lower.cpu_milli == 250);
    CHECK(target.memory_bytes == 628694953); /* memory is not capped */
    ts_vpa_recommender_free(vpa);

    /* no margin: 258m (the bucket start, §13), rounded up to 10m: 260m */
    CHECK_CODE(ts_vpa_recommender_new(VPA_YAML, strlen(VPA_YAML), options, strlen(options),
                                      &tuned),
               TS_RESULT_OK);
    feed_day(tuned, "app");
    CHECK_CODE(ts_vpa_container_recommendation(tuned, now, "app", 3, &target, NULL, NULL, NULL),
               TS_RESULT_OK);
    CHECK(target.cpu_milli == 260);
    CHECK(target.memory_bytes == 546691264);
    ts_vpa_recommender_free(tuned);
}

static void test_batches_are_all_or_nothing(void) {
    ts_vpa_recommender *vpa = new_vpa(VPA_YAML);
    ts_vpa_sample s[3];
    char *before, *after;
    int64_t now = START_MS + DAY_MS;
    int i;

    feed_day(vpa, "app");
    before = recommendation_json(vpa, now);
    for (i = 0; i < 3; i++) {
        s[i] = ts_vpa_sample_default();
        s[i].container = i == 1 ? "sidecar" : "app";
        s[i].container_len = strlen(s[i].container);
        s[i].timestamp_ms = START_MS + DAY_MS + (int64_t)i * 1000;
        s[i].cpu_cores = 4.0;
        s[i].memory_bytes = 4096.0 * MIB;
    }
    s[2].cpu_cores = NAN;
    CHECK_CODE(ts_vpa_add_samples(vpa, s, 3), TS_RESULT_NOT_FINITE);
    CHECK(strstr(ts_last_error(), "samples[2].cpu_cores") != NULL);
    s[2].cpu_cores = 4.0;
    s[2].memory_bytes = INFINITY;
    CHECK_CODE(ts_vpa_add_samples(vpa, s, 3), TS_RESULT_NOT_FINITE);
    s[2].memory_bytes = -1.0;
    CHECK_CODE(ts_vpa_add_samples(vpa, s, 3), TS_RESULT_NEGATIVE_VALUE);
    CHECK(strstr(ts_last_error(), "samples[2].memory_bytes is -1") != NULL);
    s[2].memory_bytes = 4096.0 * MIB;
    s[1].container = "si\xff";
    s[1].container_len = 3;
    CHECK_CODE(ts_vpa_add_samples(vpa, s, 3), TS_RESULT_INVALID_UTF8);
    CHECK(strstr(ts_last_error(), "samples[1]") != NULL);
    s[1].container = NULL;
    CHECK_CODE(ts_vpa_add_samples(vpa, s + 1, 1), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_add_samples(vpa, NULL, 2), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_add_samples(NULL, s, 1), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_add_samples(vpa, NULL, 0), TS_RESULT_OK); /* an empty batch */

    /* every rejected batch left the recommender as it was; the sidecar was never registered */
    {
        ts_vpa_resources t;
        CHECK_CODE(ts_vpa_container_recommendation(vpa, now, "sidecar", 7, &t, NULL, NULL, NULL),
                   TS_RESULT_UNKNOWN_CONTAINER);
    }
    after = recommendation_json(vpa, now);
    CHECK(strcmp(before, after) == 0);
    free(before);
    free(after);
    ts_vpa_recommender_free(vpa);
}

/* Upstream drops a CPU sample whose start is not after the last one, and a memory sample
   before the last one, and carries on. One day of §13 samples with, after minute 700, the
   same minute again (4 cores, 500 MiB) and a sample 30 s earlier (8 cores, 4 GiB): both CPU
   values and the earlier memory value are discarded, the repeated 500 MiB does not raise the
   window's peak, so the recommendation is §13's. */
static void test_repeats_and_reordering(void) {
    ts_vpa_recommender *vpa = new_vpa(VPA_YAML);
    ts_vpa_sample *s = malloc(1442 * sizeof *s);
    ts_vpa_resources target, lower, upper;
    ts_vpa_discarded d;
    int64_t now = START_MS + DAY_MS;
    int64_t t700 = START_MS + 700 * 60000LL;
    int i, k = 0;

    for (i = 0; i < 1440; i++) {
        s[k] = ts_vpa_sample_default();
        s[k].container = "app";
        s[k].container_len = 3;
        s[k].timestamp_ms = START_MS + (int64_t)i * 60000;
        s[k].cpu_cores = 0.25;
        s[k].memory_bytes = 500.0 * MIB;
        k++;
        if (i == 700) {
            s[k] = s[k - 1];
            s[k].cpu_cores = 4.0; /* repeated timestamp */
            k++;
            s[k] = s[k - 1];
            s[k].timestamp_ms = t700 - 30000; /* back in time */
            s[k].cpu_cores = 8.0;
            s[k].memory_bytes = 4096.0 * MIB;
            k++;
        }
    }
    CHECK_CODE(ts_vpa_add_samples(vpa, s, 1442), TS_RESULT_OK);
    CHECK_CODE(ts_vpa_container_recommendation(vpa, now, "app", 3, &target, &lower, &upper, NULL),
               TS_RESULT_OK);
    CHECK(target.cpu_milli == 296 && target.memory_bytes == 628694953);
    CHECK(lower.cpu_milli == 295 && lower.memory_bytes == 627438575);
    CHECK(upper.cpu_milli == 592 && upper.memory_bytes == 1257826803);
    CHECK_CODE(ts_vpa_discarded_samples(vpa, "app", 3, &d), TS_RESULT_OK);
    CHECK(d.cpu == 2 && d.memory == 1);

    /* a single late sample on its own is not an error either */
    s[0].timestamp_ms = START_MS;
    CHECK_CODE(ts_vpa_add_samples(vpa, s, 1), TS_RESULT_OK);
    CHECK_CODE(ts_vpa_discarded_samples(vpa, "app", 3, &d), TS_RESULT_OK);
    CHECK(d.cpu == 3 && d.memory == 2);
    CHECK_CODE(ts_vpa_discarded_samples(vpa, "sidecar", 7, &d), TS_RESULT_UNKNOWN_CONTAINER);
    CHECK(d.cpu == 3); /* outputs are written only on success */
    CHECK_CODE(ts_vpa_discarded_samples(vpa, "app", 3, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_discarded_samples(vpa, NULL, 3, &d), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_discarded_samples(NULL, "app", 3, &d), TS_RESULT_NULL_ARGUMENT);
    free(s);
    ts_vpa_recommender_free(vpa);
}

static void test_oom(void) {
    ts_vpa_recommender *vpa = new_vpa(VPA_YAML);
    ts_vpa_resources target;
    int64_t t = START_MS + DAY_MS;

    feed_day(vpa, "app");
    /* an OOM at a 1 GiB request: a memory sample of max(1 GiB + 100 MiB, 1.2 GiB) */
    CHECK_CODE(ts_vpa_record_oom(vpa, "app", 3, t, 1024.0 * MIB), TS_RESULT_OK);
    CHECK_CODE(ts_vpa_container_recommendation(vpa, t, "app", 3, &target, NULL, NULL, NULL),
               TS_RESULT_OK);
    CHECK(target.memory_bytes == 1555165137); /* the 1.2 GiB peak's bucket, plus margin */
    /* more than one aggregation interval (24 h) before the last memory sample */
    CHECK_CODE(ts_vpa_record_oom(vpa, "app", 3, START_MS - 2 * DAY_MS, 1024.0 * MIB),
               TS_RESULT_STALE_OOM);
    CHECK_CODE(ts_vpa_record_oom(vpa, "app", 3, t, NAN), TS_RESULT_NOT_FINITE);
    CHECK_CODE(ts_vpa_record_oom(vpa, "app", 3, t, -1.0), TS_RESULT_NEGATIVE_VALUE);
    CHECK_CODE(ts_vpa_record_oom(vpa, NULL, 3, t, 1.0), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_record_oom(NULL, "app", 3, t, 1.0), TS_RESULT_NULL_ARGUMENT);
    /* a sample before the OOM: its CPU value is after the last CPU sample and used, its
       memory value is before the OOM and discarded */
    {
        ts_vpa_sample s = ts_vpa_sample_default();
        ts_vpa_discarded d;
        s.container = "app";
        s.container_len = 3;
        s.timestamp_ms = t - 1;
        CHECK_CODE(ts_vpa_add_samples(vpa, &s, 1), TS_RESULT_OK);
        CHECK_CODE(ts_vpa_discarded_samples(vpa, "app", 3, &d), TS_RESULT_OK);
        CHECK(d.cpu == 0 && d.memory == 1);
    }
    /* the first event of a container may be an OOM */
    CHECK_CODE(ts_vpa_record_oom(vpa, "init", 4, t, 64.0 * MIB), TS_RESULT_OK);
    CHECK_CODE(ts_vpa_container_recommendation(vpa, t, "init", 4, &target, NULL, NULL, NULL),
               TS_RESULT_OK);
    ts_vpa_recommender_free(vpa);
}

static void test_checkpoints(void) {
    ts_vpa_recommender *vpa = new_vpa(VPA_YAML);
    ts_vpa_recommender *restored = new_vpa(VPA_YAML);
    ts_vpa_recommender *other = NULL;
    int64_t now = START_MS + DAY_MS;
    char small[8] = "abc";
    size_t n = 0;
    char *saved, *a, *b, *resaved;
    const char other_vpa[] = "{\"kind\": \"VerticalPodAutoscaler\", \"metadata\": {\"name\": "
                             "\"api\"}, \"spec\": {\"targetRef\": {\"kind\": \"Deployment\", "
                             "\"name\": \"api\"}}}";
    const char v2[] = "{\"kind\": \"VerticalPodAutoscalerCheckpoint\", \"spec\": "
                      "{\"vpaObjectName\": \"web\", \"containerName\": \"app\"}, "
                      "\"status\": {\"version\": \"v2\"}}";
    const char no_container[] = "{\"kind\": \"VerticalPodAutoscalerCheckpoint\", \"spec\": "
                                "{\"vpaObjectName\": \"web\"}, \"status\": {\"version\": \"v3\"}}";
    const char wrong_kind[] = "{\"kind\": \"Pod\"}";

    feed_day(vpa, "app");
    CHECK_CODE(ts_vpa_checkpoint_save(vpa, now, small, sizeof small, &n),
               TS_RESULT_BUFFER_TOO_SMALL);
    CHECK(strcmp(small, "abc") == 0 && n > sizeof small);
    saved = malloc(n + 1);
    CHECK_CODE(ts_vpa_checkpoint_save(vpa, now, saved, n + 1, &n), TS_RESULT_OK);
    CHECK(strstr(saved, "\"kind\":\"List\"") != NULL);
    CHECK(strstr(saved, "\"vpaObjectName\":\"web\"") != NULL);
    CHECK(strstr(saved, "\"namespace\":\"prod\"") != NULL);
    CHECK(strstr(saved, "\"version\":\"v3\"") != NULL);
    CHECK(strstr(saved, "\"totalSamplesCount\":1440") != NULL);
    CHECK(strstr(saved, "\"lastUpdateTime\":\"2023-11-16T00:00:00Z\"") != NULL);

    CHECK_CODE(ts_vpa_checkpoint_load(restored, now, saved, n), TS_RESULT_OK);
    a = recommendation_json(vpa, now);
    b = recommendation_json(restored, now);
    CHECK(strcmp(a, b) == 0); /* the same recommendation after the round trip */
    free(a);
    free(b);
    /* and the same checkpoint */
    CHECK_CODE(ts_vpa_checkpoint_save(restored, now, NULL, 0, &n), TS_RESULT_BUFFER_TOO_SMALL);
    resaved = malloc(n + 1);
    CHECK_CODE(ts_vpa_checkpoint_save(restored, now, resaved, n + 1, &n), TS_RESULT_OK);
    CHECK(strcmp(saved, resaved) == 0);
    free(resaved);

    /* bad checkpoints leave the recommender unchanged */
    a = recommendation_json(restored, now);
    CHECK_CODE(ts_vpa_checkpoint_load(restored, now, "{", 1), TS_RESULT_INVALID_CHECKPOINT);
    CHECK_CODE(ts_vpa_checkpoint_load(restored, now, "42", 2), TS_RESULT_INVALID_CHECKPOINT);
    CHECK_CODE(ts_vpa_checkpoint_load(restored, now, v2, strlen(v2)),
               TS_RESULT_INVALID_CHECKPOINT);
    CHECK(strstr(ts_last_error(), "v2") != NULL);
    CHECK_CODE(ts_vpa_checkpoint_load(restored, now, no_container, strlen(no_container)),
               TS_RESULT_INVALID_CHECKPOINT);
    CHECK_CODE(ts_vpa_checkpoint_load(restored, now, wrong_kind, strlen(wrong_kind)),
               TS_RESULT_INVALID_CHECKPOINT);
    CHECK_CODE(ts_vpa_checkpoint_load(restored, now, NULL, 0), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_checkpoint_load(NULL, now, saved, strlen(saved)), TS_RESULT_NULL_ARGUMENT);
    b = recommendation_json(restored, now);
    CHECK(strcmp(a, b) == 0);
    free(a);
    free(b);

    /* a checkpoint of another VPA */
    CHECK_CODE(ts_vpa_recommender_new(other_vpa, strlen(other_vpa), NULL, 0, &other),
               TS_RESULT_OK);
    CHECK_CODE(ts_vpa_checkpoint_load(other, now, saved, strlen(saved)),
               TS_RESULT_INVALID_CHECKPOINT);
    CHECK(strstr(ts_last_error(), "vpaObjectName") != NULL);

    free(saved);
    ts_vpa_recommender_free(other);
    ts_vpa_recommender_free(vpa);
    ts_vpa_recommender_free(restored);
}

static void test_new_errors(void) {
    ts_vpa_recommender *sentinel = (ts_vpa_recommender *)&passed; /* never dereferenced */
    ts_vpa_recommender *out = sentinel;
    ts_vpa_recommender *vpa;
    ts_vpa_resources r;
    char buf[4] = "abc";
    size_t n = 0;
    const char hpa[] = "{\"kind\": \"HorizontalPodAutoscaler\", \"spec\": {\"maxReplicas\": 3}}";
    const char two[] = "kind: VerticalPodAutoscaler\nspec: {targetRef: {name: a}}\n---\n"
                       "kind: VerticalPodAutoscaler\nspec: {targetRef: {name: b}}\n";
    const char shape[] = "{\"kind\": \"VerticalPodAutoscaler\", \"spec\": {\"targetRef\": 5}}";
    const char bad_flag[] = "{\"target-cpu-percentile\": 2}";
    const char unknown_flag[] = "{\"no-such-flag\": true}";

    CHECK_CODE(ts_vpa_recommender_new(NULL, 3, NULL, 0, &out), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_recommender_new(VPA_YAML, strlen(VPA_YAML), NULL, 0, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_recommender_new("{\"spec\": ", 9, NULL, 0, &out), TS_RESULT_INVALID_JSON);
    CHECK_CODE(ts_vpa_recommender_new("spec: [1", 8, NULL, 0, &out), TS_RESULT_INVALID_YAML);
    CHECK_CODE(ts_vpa_recommender_new(hpa, strlen(hpa), NULL, 0, &out), TS_RESULT_VPA_NOT_FOUND);
    CHECK_CODE(ts_vpa_recommender_new(two, strlen(two), NULL, 0, &out), TS_RESULT_VPA_AMBIGUOUS);
    CHECK_CODE(ts_vpa_recommender_new(shape, strlen(shape), NULL, 0, &out),
               TS_RESULT_VPA_INVALID_MANIFEST);
    CHECK_CODE(ts_vpa_recommender_new(VPA_YAML, strlen(VPA_YAML), bad_flag, strlen(bad_flag),
                                      &out),
               TS_RESULT_INVALID_VPA_OPTIONS);
    CHECK_CODE(ts_vpa_recommender_new(VPA_YAML, strlen(VPA_YAML), unknown_flag,
                                      strlen(unknown_flag), &out),
               TS_RESULT_INVALID_VPA_OPTIONS);
    CHECK(strstr(ts_last_error(), "no-such-flag") != NULL);
    CHECK_CODE(ts_vpa_recommender_new(VPA_YAML, strlen(VPA_YAML), "{", 1, &out),
               TS_RESULT_INVALID_VPA_OPTIONS);
    CHECK(out == sentinel); /* outputs are written only on success */
    ts_vpa_recommender_free(NULL);

    vpa = new_vpa(VPA_YAML);
    CHECK_CODE(ts_vpa_container_recommendation(vpa, 0, "app", 3, &r, NULL, NULL, NULL),
               TS_RESULT_UNKNOWN_CONTAINER);
    CHECK_CODE(ts_vpa_container_recommendation(vpa, 0, NULL, 3, &r, NULL, NULL, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_container_recommendation(NULL, 0, "app", 3, &r, NULL, NULL, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_recommendation(vpa, 0, buf, sizeof buf, &n), TS_RESULT_BUFFER_TOO_SMALL);
    CHECK(strcmp(buf, "abc") == 0 && n == strlen("{\"containerRecommendations\":[]}"));
    CHECK_CODE(ts_vpa_recommendation(vpa, 0, buf, sizeof buf, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_recommendation(NULL, 0, buf, sizeof buf, &n), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_vpa_checkpoint_save(NULL, 0, buf, sizeof buf, &n), TS_RESULT_NULL_ARGUMENT);
    ts_vpa_recommender_free(vpa);
}

int main(void) {
    test_worked_example();
    test_capping_and_options();
    test_batches_are_all_or_nothing();
    test_repeats_and_reordering();
    test_oom();
    test_checkpoints();
    test_new_errors();
    return finish();
}
