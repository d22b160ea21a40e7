/*
 * C99 test of the tidescale HPA fleet C ABI (ts_hpa_fleet_*): many controllers stepped from
 * columns, checked item by item against ts_hpa_step decisions of the same questions (the core's
 * hpa::Fleet and hpa::what_if), and every error path.
 * Built by scripts/test-c with
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic
 * and run under valgrind. Prints "N passed, M failed".
 */
#include <math.h>
#include <string.h>

#include "check.h"

static const char CPU50[] =
    "{\"metadata\": {\"name\": \"web\"}, \"spec\": {\"scaleTargetRef\": {\"kind\": \"Deployment\","
    " \"name\": \"web\"}, \"minReplicas\": 1, \"maxReplicas\": 10, \"metrics\": [{\"type\": \"Resource\","
    " \"resource\": {\"name\": \"cpu\", \"target\": {\"type\": \"Utilization\", \"averageUtilization\": 50}}}]}}";

static const char CPU50_MAX3[] =
    "{\"metadata\": {\"name\": \"small\"}, \"spec\": {\"scaleTargetRef\": {\"kind\": \"Deployment\","
    " \"name\": \"small\"}, \"minReplicas\": 1, \"maxReplicas\": 3, \"metrics\": [{\"type\": \"Resource\","
    " \"resource\": {\"name\": \"cpu\", \"target\": {\"type\": \"Utilization\", \"averageUtilization\": 50}}}]}}";

static const char RPS[] =
    "{\"metadata\": {\"name\": \"api\"}, \"spec\": {\"scaleTargetRef\": {\"kind\": \"Deployment\","
    " \"name\": \"api\"}, \"minReplicas\": 1, \"maxReplicas\": 50, \"metrics\": [{\"type\": \"Pods\","
    " \"pods\": {\"metric\": {\"name\": \"rps\"}, \"target\": {\"type\": \"AverageValue\","
    " \"averageValue\": \"100\"}}}]}}";

static ts_hpa *make(const char *m) {
    ts_hpa *h = NULL;
    CHECK_CODE(ts_hpa_new(m, strlen(m), NULL, 0, &h), TS_RESULT_OK);
    return h;
}

int main(void) {
    ts_hpa *hpas[3];
    ts_hpa_fleet *fleet = NULL;
    size_t items = 0, columns = 0, len = 0;
    char name[16];
    hpas[0] = make(CPU50);
    hpas[1] = make(RPS);
    hpas[2] = make(CPU50_MAX3);

    CHECK_CODE(ts_hpa_fleet_new((const ts_hpa *const *)hpas, 3, NULL, 0, &fleet), TS_RESULT_OK);
    CHECK_CODE(ts_hpa_fleet_shape(fleet, &items, &columns), TS_RESULT_OK);
    CHECK(items == 3);
    CHECK(columns == 2);
    CHECK_CODE(ts_hpa_fleet_metric_name(fleet, 0, name, sizeof name, &len), TS_RESULT_OK);
    CHECK(strcmp(name, "cpu") == 0 && len == 3);
    CHECK_CODE(ts_hpa_fleet_metric_name(fleet, 1, name, sizeof name, &len), TS_RESULT_OK);
    CHECK(strcmp(name, "rps") == 0);
    CHECK_CODE(ts_hpa_fleet_metric_name(fleet, 2, name, sizeof name, &len),
               TS_RESULT_INDEX_OUT_OF_RANGE);

    {
        /* 3 pods at 140% of their CPU request against 50%: proposes 9, doubling allows 6;
         * 4 pods at 250 rps against 100 per pod: 10, doubling allows 8;
         * 2 pods at 300%: proposes 12, maxReplicas 3. */
        const int32_t replicas[3] = {3, 4, 2};
        const double cpu[3] = {140.0, 0.0, 300.0};
        const double rps[3] = {0.0, 250.0, 0.0};
        const double *cols[2] = {cpu, rps};
        int32_t desired[3] = {0, 0, 0};
        uint8_t rescale[3] = {9, 9, 9};
        uint32_t limited[3] = {99, 99, 99};
        CHECK_CODE(ts_hpa_fleet_step(fleet, 0, replicas, 3, cols, 2, desired, rescale, limited),
                   TS_RESULT_OK);
        CHECK(desired[0] == 6 && desired[1] == 8 && desired[2] == 3);
        CHECK(rescale[0] == 1 && rescale[1] == 1 && rescale[2] == 1);
        CHECK(limited[0] == TS_REASON_SCALE_UP_LIMIT);
        CHECK(limited[1] == TS_REASON_SCALE_UP_LIMIT);
        CHECK(limited[2] == TS_REASON_TOO_MANY_REPLICAS);

        /* errors: nothing written, nothing stepped */
        {
            const double bad[3] = {140.0, 1.0, NAN}; /* item 1 has no cpu metric: its value is not read */
            const double neg[3] = {-1.0, 0.0, 0.0};
            const int32_t neg_replicas[3] = {3, -1, 2};
            const double *bad_cols[2] = {bad, rps};
            const double *neg_cols[2] = {neg, rps};
            desired[0] = -7;
            CHECK_CODE(ts_hpa_fleet_step(fleet, 0, replicas, 3, bad_cols, 2, desired, rescale,
                                         limited),
                       TS_RESULT_NOT_FINITE);
            CHECK(desired[0] == -7);
            CHECK_CODE(ts_hpa_fleet_step(fleet, 0, replicas, 3, neg_cols, 2, desired, rescale,
                                         limited),
                       TS_RESULT_NEGATIVE_VALUE);
            CHECK_CODE(ts_hpa_fleet_step(fleet, 0, neg_replicas, 3, cols, 2, desired, rescale,
                                         limited),
                       TS_RESULT_NEGATIVE_VALUE);
            CHECK_CODE(ts_hpa_fleet_step(fleet, 0, replicas, 2, cols, 2, desired, rescale,
                                         limited),
                       TS_RESULT_INVALID_ARGUMENT);
            CHECK_CODE(ts_hpa_fleet_step(fleet, 0, replicas, 3, cols, 1, desired, rescale,
                                         limited),
                       TS_RESULT_METRIC_COUNT_MISMATCH);
            CHECK_CODE(ts_hpa_fleet_step(fleet, 0, replicas, 3, cols, 2, NULL, rescale, limited),
                       TS_RESULT_NULL_ARGUMENT);
            CHECK_CODE(ts_hpa_fleet_step(NULL, 0, replicas, 3, cols, 2, desired, rescale,
                                         limited),
                       TS_RESULT_NULL_ARGUMENT);
            CHECK(desired[0] == -7);
        }

        /* a NULL column is an unavailable metric: no rescale */
        {
            const double *only_cpu[2] = {cpu, NULL};
            CHECK_CODE(ts_hpa_fleet_step(fleet, 15000, replicas, 3, only_cpu, 2, desired,
                                         rescale, limited),
                       TS_RESULT_OK);
            CHECK(rescale[1] == 0);
        }
    }

    /* requests: JSON; a percentage needs the request */
    {
        ts_hpa_fleet *bare = NULL;
        const int32_t one[1] = {1};
        const double half[1] = {50.0};
        const double *cols[1] = {half};
        int32_t d[1];
        uint8_t r[1];
        uint32_t l[1];
        CHECK_CODE(ts_hpa_fleet_new((const ts_hpa *const *)hpas, 1, "{\"memory\": \"1Gi\"}", 17,
                                    &bare),
                   TS_RESULT_OK);
        CHECK_CODE(ts_hpa_fleet_step(bare, 0, one, 1, cols, 1, d, r, l),
                   TS_RESULT_INVALID_OBSERVATION);
        ts_hpa_fleet_free(bare);
        bare = NULL;
        CHECK_CODE(ts_hpa_fleet_new((const ts_hpa *const *)hpas, 1, "{\"cpu\": ", 8, &bare),
                   TS_RESULT_INVALID_JSON);
        CHECK(bare == NULL);
    }

    /* NULL handles */
    {
        const ts_hpa *with_null[2];
        ts_hpa_fleet *f = NULL;
        with_null[0] = hpas[0];
        with_null[1] = NULL;
        CHECK_CODE(ts_hpa_fleet_new(with_null, 2, NULL, 0, &f), TS_RESULT_NULL_ARGUMENT);
        CHECK(f == NULL);
        CHECK_CODE(ts_hpa_fleet_new(NULL, 0, NULL, 0, &f), TS_RESULT_OK);
        CHECK_CODE(ts_hpa_fleet_shape(f, &items, NULL), TS_RESULT_OK);
        CHECK(items == 0);
        CHECK_CODE(ts_hpa_fleet_step(f, 0, NULL, 0, NULL, 0, NULL, NULL, NULL), TS_RESULT_OK);
        ts_hpa_fleet_free(f);
        ts_hpa_fleet_free(NULL);
    }

    ts_hpa_fleet_free(fleet);
    ts_hpa_free(hpas[0]);
    ts_hpa_free(hpas[1]);
    ts_hpa_free(hpas[2]);
    return finish();
}
