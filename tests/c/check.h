/*
 * Tiny check macros shared by the C99 tests of the tidescale C ABI. Each test file prints
 * "N passed, M failed" and exits non-zero on a failure.
 */
#ifndef TIDESCALE_TEST_CHECK_H
#define TIDESCALE_TEST_CHECK_H

#include <math.h>
#include <stdio.h>

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

static const char *describe(uint32_t code) {
    const char *s = ts_result_str(code);
    return s ? s : "unknown code";
}

/* A call must return `code`, and leave a last error message exactly when it failed. */
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

/* |a - b| <= rel * |b| (or both NaN). */
static inline int close_to(double a, double b, double rel) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return 1;
    return fabs(a - b) <= rel * fabs(b);
}

static int finish(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
