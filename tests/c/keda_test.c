/*
 * C99 test of the tidescale KEDA C ABI: the SQS 0 -> 1 -> N -> 0 scenario of the
 * KedaAutoscaler doctest (core/src/keda/autoscaler.rs) carried on through the cooldown, raw
 * values, scaler errors, Kafka offsets, cron, a ScaledJob decision, and every error path.
 * Built by scripts/test-c with
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic
 * and run under valgrind. Prints "N passed, M failed".
 */
#include <string.h>

#include "check.h"

static const char SQS_SO[] =
    "apiVersion: keda.sh/v1alpha1\n"
    "kind: ScaledObject\n"
    "metadata: {name: worker}\n"
    "spec:\n"
    "  scaleTargetRef: {name: worker}\n"
    "  minReplicaCount: 0\n"
    "  maxReplicaCount: 20\n"
    "  triggers:\n"
    "  - type: aws-sqs-queue\n"
    "    metadata:\n"
    "      queueURL: https://sqs.us-east-1.amazonaws.com/123456789012/jobs\n"
    "      queueLength: \"5\"\n"
    "      awsRegion: us-east-1\n";

static const char KAFKA_SO[] =
    "{\"apiVersion\": \"keda.sh/v1alpha1\", \"kind\": \"ScaledObject\","
    " \"metadata\": {\"name\": \"consumer\"},"
    " \"spec\": {\"scaleTargetRef\": {\"name\": \"consumer\"}, \"minReplicaCount\": 1,"
    " \"maxReplicaCount\": 10, \"triggers\": [{\"type\": \"kafka\", \"metadata\":"
    " {\"bootstrapServers\": \"kafka:9092\", \"consumerGroup\": \"g\", \"topic\": \"orders\","
    " \"lagThreshold\": \"50\"}}]}}";

static const char CRON_SO[] =
    "{\"kind\": \"ScaledObject\", \"metadata\": {\"name\": \"office\"},"
    " \"spec\": {\"scaleTargetRef\": {\"name\": \"web\"}, \"minReplicaCount\": 0,"
    " \"triggers\": [{\"type\": \"cron\", \"metadata\": {\"timezone\": \"UTC\","
    " \"start\": \"0 8 * * *\", \"end\": \"0 18 * * *\", \"desiredReplicas\": \"5\"}}]}}";

#define S(x) ((int64_t)(x) * 1000)

/* An SQS reading: visible and in-flight message counts as GetQueueAttributes returns them. */
struct sqs {
    ts_kv kv[2];
    ts_trigger_reading reading;
};

static void sqs_init(struct sqs *q, const char *visible, const char *in_flight) {
    q->kv[0].key = "ApproximateNumberOfMessages";
    q->kv[0].key_len = strlen(q->kv[0].key);
    q->kv[0].value = visible;
    q->kv[0].value_len = strlen(visible);
    q->kv[1].key = "ApproximateNumberOfMessagesNotVisible";
    q->kv[1].key_len = strlen(q->kv[1].key);
    q->kv[1].value = in_flight;
    q->kv[1].value_len = strlen(in_flight);
    q->reading = ts_trigger_reading_default();
    q->reading.kind = TS_TRIGGER_READING_KIND_SQS;
    q->reading.attributes = q->kv;
    q->reading.n_attributes = 2;
}

static ts_keda *new_keda(const char *manifest, int64_t creation_ms) {
    ts_keda *k = NULL;
    CHECK_CODE(ts_keda_new(manifest, strlen(manifest), NULL, 0, creation_ms, &k), TS_RESULT_OK);
    CHECK(k != NULL);
    return k;
}

static void test_sqs_scenario(void) {
    ts_keda *k = new_keda(SQS_SO, 0);
    ts_keda_decision d;
    struct sqs q;
    char why[512];
    size_t n = 0;
    int64_t next = 0;

    /* before any step the explanation is empty */
    CHECK_CODE(ts_keda_explain(k, why, sizeof why, &n), TS_RESULT_OK);
    CHECK(n == 0 && why[0] == '\0');

    /* 0 -> 1 on the first messages: KEDA's executor scales, the HPA does not run */
    sqs_init(&q, "3", "0");
    CHECK_CODE(ts_keda_step(k, S(30), 0, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 1 && d.rescale);
    CHECK(d.current_replicas == 0);
    CHECK(d.reason == TS_KEDA_REASON_SCALED_UP_FROM_ZERO_OR_IDLE);
    CHECK(strcmp(ts_keda_reason_str(d.reason), "ScaledUpFromZeroOrIdle") == 0);
    CHECK(d.active && !d.fallback && !d.has_error);
    CHECK(!d.hpa_ran && d.hpa_desired_replicas == -1 && d.hpa_limited_by == TS_REASON_NONE);
    CHECK(d.cooldown_remaining_ms == -1);
    CHECK(d.next_wakeup_ms == S(45)); /* the HPA's 15 s sync comes before the 30 s poll */

    /* 1 -> 4 by the HPA: 40 messages / 5 per replica = 8, capped by the legacy max(2x, 4) */
    sqs_init(&q, "40", "0");
    CHECK_CODE(ts_keda_step(k, S(60), 1, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 4 && d.rescale);
    CHECK(d.reason == TS_KEDA_REASON_ACTIVE_HPA_HANDLES);
    CHECK(d.hpa_ran && d.hpa_desired_replicas == 4);
    CHECK(d.hpa_limited_by == TS_REASON_SCALE_UP_LIMIT);
    CHECK_CODE(ts_keda_explain(k, why, sizeof why, &n), TS_RESULT_OK);
    CHECK(strstr(why, "the HPA handles 1..N") != NULL);
    CHECK(strstr(why, "HPA: ") != NULL);

    /* the queue drains: inactive, cooling down 300 s after the last activity at 60 s */
    sqs_init(&q, "0", "0");
    CHECK_CODE(ts_keda_step(k, S(90), 4, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.reason == TS_KEDA_REASON_COOLING_DOWN);
    CHECK(!d.active);
    CHECK(d.cooldown_remaining_ms == S(270));
    /* the HPA runs with the metric at 0, but its stabilization window still holds the
       uncapped recommendation of 60 s (8), so it completes the rate-limited scale-up, as
       upstream does */
    CHECK(d.hpa_ran && d.hpa_desired_replicas == 8);
    CHECK(d.desired_replicas == 8 && d.rescale);
    CHECK_CODE(ts_keda_next_wakeup(k, S(90), &next), TS_RESULT_OK);
    CHECK(next == S(105)); /* the HPA's next sync comes first */
    CHECK(d.next_wakeup_ms == next);

    /* past the cooldown (strictly after 360 s): 4 -> 0 by KEDA */
    CHECK_CODE(ts_keda_step(k, S(361), 8, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.reason == TS_KEDA_REASON_SCALED_DOWN);
    CHECK(d.desired_replicas == 0 && d.rescale && !d.hpa_ran);
    CHECK(d.next_wakeup_ms == S(376));
    CHECK_CODE(ts_keda_explain(k, why, sizeof why, &n), TS_RESULT_OK);
    CHECK(strcmp(why, "inactive past the cooldown: scaled from 8 to 0") == 0);

    /* a raw value the host computed: SQS counts messages, so 0.9 truncates to 0, which is
       not above activationQueueLength 0 */
    q.reading = ts_trigger_reading_default();
    q.reading.kind = TS_TRIGGER_READING_KIND_VALUE;
    q.reading.value = 0.9;
    CHECK_CODE(ts_keda_step(k, S(375), 0, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(!d.active && d.desired_replicas == 0 && !d.rescale);
    CHECK(d.reason == TS_KEDA_REASON_IDLE);
    /* 12 messages > 0 */
    q.reading.value = 12.0;
    CHECK_CODE(ts_keda_step(k, S(390), 0, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 1 && d.active);
    q.reading.value = 30.0; /* 30 / 5 = 6, capped at max(2 x 1, 4) = 4 */
    CHECK_CODE(ts_keda_step(k, S(420), 1, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.hpa_ran && d.desired_replicas == 4);

    /* a failing scaler: the HPA gets no value; explained with the message */
    q.reading = ts_trigger_reading_default();
    q.reading.error = "AccessDenied";
    q.reading.error_len = strlen(q.reading.error);
    CHECK_CODE(ts_keda_step(k, S(450), 4, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.has_error);
    CHECK_CODE(ts_keda_explain(k, why, sizeof why, &n), TS_RESULT_OK);
    CHECK(strstr(why, "AccessDenied") != NULL);
    /* a reading of the wrong type is a scaler error too, not a call error */
    q.reading = ts_trigger_reading_default();
    q.reading.kind = TS_TRIGGER_READING_KIND_CRON;
    CHECK_CODE(ts_keda_step(k, S(480), 4, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.has_error);
    ts_keda_free(k);
}

static void test_kafka_and_cron(void) {
    ts_keda *k = new_keda(KAFKA_SO, 0);
    ts_keda *c = new_keda(CRON_SO, 0);
    ts_keda_decision d;
    ts_kafka_partition p[3];
    ts_trigger_reading r = ts_trigger_reading_default();
    int i;

    /* lag 100 + 150 + 0 = 250, lagThreshold 50: 5 replicas wanted, but without
       allowIdleConsumers the lag is capped at 3 partitions x 50 = 150: 3 replicas */
    for (i = 0; i < 3; i++) {
        p[i].topic = "orders";
        p[i].topic_len = 6;
        p[i].partition = i;
        p[i].has_consumer_offset = true;
        p[i].has_latest_offset = true;
        p[i].consumer_offset = 1000;
    }
    p[0].latest_offset = 1100;
    p[1].latest_offset = 1150;
    p[2].latest_offset = 1000;
    r.kind = TS_TRIGGER_READING_KIND_KAFKA;
    r.partitions = p;
    r.n_partitions = 3;
    CHECK_CODE(ts_keda_step(k, S(30), 2, &r, 1, &d), TS_RESULT_OK);
    CHECK(d.active && d.hpa_ran);
    CHECK(d.desired_replicas == 3 && d.rescale && d.hpa_limited_by == TS_REASON_NONE);
    CHECK(d.reason == TS_KEDA_REASON_ACTIVE_HPA_HANDLES);
    CHECK_CODE(ts_keda_step(k, S(60), 3, &r, 1, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas == 3 && !d.rescale);
    /* the same partition twice */
    p[2].partition = 1;
    CHECK_CODE(ts_keda_step(k, S(90), 5, &r, 1, &d), TS_RESULT_INVALID_ARGUMENT);
    CHECK(strstr(ts_last_error(), "readings[0].partitions[2]") != NULL);
    p[2].partition = 2;

    /* cron: 2023-11-15 09:00 UTC is inside 08:00-18:00, 19:00 is not */
    r = ts_trigger_reading_default();
    r.kind = TS_TRIGGER_READING_KIND_CRON;
    CHECK_CODE(ts_keda_step(c, 1700038800000LL, 0, &r, 1, &d), TS_RESULT_OK);
    CHECK(d.active && d.desired_replicas == 1 && d.rescale);
    CHECK_CODE(ts_keda_step(c, 1700038830000LL, 1, &r, 1, &d), TS_RESULT_OK);
    CHECK(d.hpa_ran && d.desired_replicas == 4); /* 5 wanted, legacy cap max(2, 4) = 4 */
    CHECK_CODE(ts_keda_step(c, 1700074800000LL, 4, &r, 1, &d), TS_RESULT_OK);
    /* 19:00: inactive since 09:00:30, long past the 300 s cooldown: 4 -> 0 */
    CHECK(!d.active && d.reason == TS_KEDA_REASON_SCALED_DOWN && d.desired_replicas == 0);
    ts_keda_free(k);
    ts_keda_free(c);
}

static void test_errors(void) {
    ts_keda *sentinel = (ts_keda *)&passed; /* never dereferenced */
    ts_keda *out = sentinel;
    ts_keda *k = new_keda(SQS_SO, 0);
    ts_keda_decision d, before;
    struct sqs q;
    ts_trigger_reading two[2];
    char buf[4] = "abc";
    size_t n = 0;
    int64_t next;
    const char rabbit[] = "{\"kind\": \"ScaledObject\", \"spec\": {\"scaleTargetRef\": {\"name\":"
                          " \"w\"}, \"triggers\": [{\"type\": \"rabbitmq\", \"metadata\": {}}]}}";
    const char bounds[] = "{\"kind\": \"ScaledObject\", \"spec\": {\"scaleTargetRef\": {\"name\":"
                          " \"w\"}, \"minReplicaCount\": 5, \"maxReplicaCount\": 2, \"triggers\":"
                          " [{\"type\": \"cron\", \"metadata\": {\"timezone\": \"UTC\", \"start\":"
                          " \"0 8 * * *\", \"end\": \"0 9 * * *\", \"desiredReplicas\": \"1\"}}]}}";
    const char hpa[] = "{\"kind\": \"HorizontalPodAutoscaler\", \"spec\": {\"maxReplicas\": 3}}";
    const char shape[] = "{\"kind\": \"ScaledObject\", \"spec\": {\"triggers\": 7}}";
    const char bad_settings[] = "{\"tolerance\": true}";

    CHECK_CODE(ts_keda_new(NULL, 1, NULL, 0, 0, &out), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_keda_new(SQS_SO, strlen(SQS_SO), NULL, 0, 0, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_keda_new("{\"spec\": ", 9, NULL, 0, 0, &out), TS_RESULT_INVALID_JSON);
    CHECK_CODE(ts_keda_new("spec: [", 7, NULL, 0, 0, &out), TS_RESULT_INVALID_YAML);
    CHECK_CODE(ts_keda_new(hpa, strlen(hpa), NULL, 0, 0, &out), TS_RESULT_SCALED_OBJECT_NOT_FOUND);
    CHECK_CODE(ts_keda_new(shape, strlen(shape), NULL, 0, 0, &out),
               TS_RESULT_SCALED_OBJECT_INVALID_MANIFEST);
    CHECK_CODE(ts_keda_new(rabbit, strlen(rabbit), NULL, 0, 0, &out), TS_RESULT_KEDA_VALIDATION);
    CHECK(strstr(ts_last_error(), "rabbitmq") != NULL);
    CHECK_CODE(ts_keda_new(bounds, strlen(bounds), NULL, 0, 0, &out), TS_RESULT_KEDA_VALIDATION);
    CHECK_CODE(ts_keda_new(SQS_SO, strlen(SQS_SO), bad_settings, strlen(bad_settings), 0, &out),
               TS_RESULT_INVALID_SETTINGS);
    CHECK(out == sentinel);
    ts_keda_free(NULL);

    memset(&d, 0x5a, sizeof d);
    before = d;
    sqs_init(&q, "3", "0");
    CHECK_CODE(ts_keda_step(NULL, S(30), 0, &q.reading, 1, &d), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_keda_step(k, S(30), 0, &q.reading, 1, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_keda_step(k, S(30), 0, NULL, 1, &d), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_keda_step(k, S(30), 0, &q.reading, 0, &d), TS_RESULT_TRIGGER_COUNT_MISMATCH);
    two[0] = q.reading;
    two[1] = q.reading;
    CHECK_CODE(ts_keda_step(k, S(30), 0, two, 2, &d), TS_RESULT_TRIGGER_COUNT_MISMATCH);
    CHECK_CODE(ts_keda_step(k, S(30), -1, &q.reading, 1, &d), TS_RESULT_NEGATIVE_VALUE);
    q.reading.kind = 99;
    CHECK_CODE(ts_keda_step(k, S(30), 0, &q.reading, 1, &d), TS_RESULT_UNKNOWN_CODE);
    CHECK(strcmp(ts_last_error(), "readings[0].kind: unknown code 99") == 0);
    q.reading.kind = TS_TRIGGER_READING_KIND_SQS;
    q.kv[1].value = "\xff";
    q.kv[1].value_len = 1;
    CHECK_CODE(ts_keda_step(k, S(30), 0, &q.reading, 1, &d), TS_RESULT_INVALID_UTF8);
    CHECK(strstr(ts_last_error(), "readings[0].attributes[1].value") != NULL);
    q.kv[1] = q.kv[0];
    CHECK_CODE(ts_keda_step(k, S(30), 0, &q.reading, 1, &d), TS_RESULT_INVALID_ARGUMENT);
    q.reading.attributes = NULL;
    CHECK_CODE(ts_keda_step(k, S(30), 0, &q.reading, 1, &d), TS_RESULT_NULL_ARGUMENT);
    CHECK(memcmp(&d, &before, sizeof d) == 0); /* untouched by every failure */

    /* time going backwards is accepted (one rule for every controller: clock skew) */
    sqs_init(&q, "3", "0");
    CHECK_CODE(ts_keda_step(k, S(60), 0, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK_CODE(ts_keda_step(k, S(59), 1, &q.reading, 1, &d), TS_RESULT_OK);
    CHECK(d.desired_replicas >= 1);

    CHECK_CODE(ts_keda_explain(k, buf, sizeof buf, &n), TS_RESULT_BUFFER_TOO_SMALL);
    CHECK(strcmp(buf, "abc") == 0 && n > sizeof buf);
    CHECK_CODE(ts_keda_explain(NULL, buf, sizeof buf, &n), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_keda_next_wakeup(NULL, 0, &next), TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_keda_next_wakeup(k, 0, NULL), TS_RESULT_NULL_ARGUMENT);
    CHECK(strcmp(ts_keda_reason_str(TS_KEDA_REASON_NONE), "") == 0);
    CHECK(strcmp(ts_keda_reason_str(TS_KEDA_REASON_IDLE), "Idle") == 0);
    CHECK(ts_keda_reason_str(13) == NULL);
    ts_keda_free(k);
}

static const char JOB_YAML[] =
    "apiVersion: keda.sh/v1alpha1\n"
    "kind: ScaledJob\n"
    "metadata: {name: batch}\n"
    "spec:\n"
    "  jobTargetRef: {template: {spec: {containers: [{name: w, image: w}]}}}\n"
    "  maxReplicaCount: 10\n"
    "  scalingStrategy: {strategy: accurate}\n"
    "  triggers: [{type: aws-sqs-queue, metadata: {queueURL: jobs, queueLength: \"5\"}}]\n";

static void test_scaled_job(void) {
    ts_scaledjob_scaler s[2];
    ts_scaledjob_input in;
    ts_scaledjob_output out, before;

    memset(s, 0, sizeof s);
    s[0].queue_length = 23;
    s[0].target_average_value = 5;
    s[0].is_active = true;
    in.scalers = s;
    in.n_scalers = 1;
    in.running_jobs = 3;
    in.pending_jobs = 1;
    /* maxValue ceil(23 / 5) = 5, scaleTo 23; accurate: 5 + 3 - 1 > 10? no: 5 - 1 = 4 */
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), &in, &out), TS_RESULT_OK);
    CHECK(out.active);
    CHECK(out.queue_length == 23 && out.max_value == 5);
    CHECK(out.effective_max_scale == 4 && out.scale_to == 23);
    CHECK(out.jobs_to_create == 4);
    CHECK(out.min_replica_count == 0 && out.max_replica_count == 10);
    /* accurate, near the cap: 5 + 8 - 1 > 10, so 10 - 8 = 2 */
    in.running_jobs = 8;
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), &in, &out), TS_RESULT_OK);
    CHECK(out.effective_max_scale == 2 && out.jobs_to_create == 2);
    /* inactive: nothing created */
    s[0].is_active = false;
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), &in, &out), TS_RESULT_OK);
    CHECK(!out.active && out.jobs_to_create == 0 && out.queue_length == 0);
    s[0].is_active = true;

    memset(&out, 0x5a, sizeof out);
    before = out;
    s[1].queue_length = NAN;
    in.n_scalers = 2;
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), &in, &out), TS_RESULT_NOT_FINITE);
    CHECK(strstr(ts_last_error(), "input.scalers[1].queue_length") != NULL);
    in.n_scalers = 1;
    in.pending_jobs = -1;
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), &in, &out),
               TS_RESULT_NEGATIVE_VALUE);
    in.pending_jobs = 0;
    CHECK_CODE(ts_scaledjob_decision(SQS_SO, strlen(SQS_SO), &in, &out),
               TS_RESULT_SCALED_JOB_NOT_FOUND);
    CHECK_CODE(ts_scaledjob_decision("{", 1, &in, &out), TS_RESULT_INVALID_JSON);
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), NULL, &out),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), &in, NULL),
               TS_RESULT_NULL_ARGUMENT);
    CHECK_CODE(ts_scaledjob_decision(NULL, 0, &in, &out), TS_RESULT_NULL_ARGUMENT);
    in.scalers = NULL;
    CHECK_CODE(ts_scaledjob_decision(JOB_YAML, strlen(JOB_YAML), &in, &out),
               TS_RESULT_NULL_ARGUMENT);
    CHECK(memcmp(&out, &before, sizeof out) == 0);
}

int main(void) {
    test_sqs_scenario();
    test_kafka_and_cron();
    test_errors();
    test_scaled_job();
    return finish();
}
