// C++17 smoke test of the VPA, KEDA and Prometheus parts of the tidescale C ABI through small
// RAII wrappers: the VPA spec's worked example, the KEDA SQS 0 -> 1 -> N scenario, a ScaledJob
// decision, a Prometheus rate vector and the streaming window, and a few error paths. Built by
// scripts/test-c with
//   c++ -std=c++17 -Wall -Wextra -Werror -pedantic
// against the shared library, and run under valgrind. Prints "N passed, M failed".
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tidescale.h"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const char *what, int line) {
    if (ok) {
        ++passed;
    } else {
        ++failed;
        std::fprintf(stderr, "abi_smoke_test.cpp:%d: check failed: %s (last error: %s)\n", line,
                     what, ts_last_error());
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

struct Error : std::runtime_error {
    ts_result code;
    Error(ts_result c, const std::string &m) : std::runtime_error(m), code(c) {}
};

void ok(ts_result r) {
    if (r != TS_RESULT_OK) {
        throw Error(r, std::string(ts_result_str(r)) + ": " + ts_last_error());
    }
}

template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
using Vpa = std::unique_ptr<ts_vpa_recommender, Deleter<ts_vpa_recommender, ts_vpa_recommender_free>>;
using Keda = std::unique_ptr<ts_keda, Deleter<ts_keda, ts_keda_free>>;
using Window =
    std::unique_ptr<ts_prom_counter_window, Deleter<ts_prom_counter_window, ts_prom_counter_window_free>>;

template <typename F>
std::string text_out(F call) {
    std::size_t n = 0;
    ts_result r = call(nullptr, 0, &n);
    if (r != TS_RESULT_BUFFER_TOO_SMALL) ok(r);
    std::string s(n + 1, '\0');
    ok(call(s.data(), s.size(), &n));
    s.resize(n);
    return s;
}

constexpr std::string_view kVpa = R"(apiVersion: autoscaling.k8s.io/v1
kind: VerticalPodAutoscaler
metadata: {name: llm}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: llm}
)";

void vpa() {
    ts_vpa_recommender *raw = nullptr;
    ok(ts_vpa_recommender_new(kVpa.data(), kVpa.size(), nullptr, 0, &raw));
    Vpa v(raw);
    constexpr int64_t start = 1700006400000;  // 2023-11-15T00:00:00Z
    const std::string name = "server";
    std::vector<ts_vpa_sample> day;
    for (int i = 0; i < 1440; ++i) {
        ts_vpa_sample s = ts_vpa_sample_default();
        s.container = name.data();
        s.container_len = name.size();
        s.timestamp_ms = start + int64_t{i} * 60000;
        s.cpu_cores = 0.25;
        s.memory_bytes = 500.0 * 1024 * 1024;
        day.push_back(s);
    }
    ok(ts_vpa_add_samples(v.get(), day.data(), day.size()));
    const int64_t now = start + 86400000;
    ts_vpa_resources target{}, upper{};
    ok(ts_vpa_container_recommendation(v.get(), now, name.data(), name.size(), &target, nullptr,
                                       &upper, nullptr));
    CHECK(target.cpu_milli == 296 && target.memory_bytes == 628694953);  // VPA spec §13
    CHECK(upper.cpu_milli == 592 && upper.memory_bytes == 1257826803);
    const std::string json = text_out([&](char *b, std::size_t l, std::size_t *n) {
        return ts_vpa_recommendation(v.get(), now, b, l, n);
    });
    CHECK(json.find(R"("target":{"cpu":"296m","memory":"628694953"})") != std::string::npos);
    const std::string cp = text_out([&](char *b, std::size_t l, std::size_t *n) {
        return ts_vpa_checkpoint_save(v.get(), now, b, l, n);
    });
    ts_vpa_recommender *raw2 = nullptr;
    ok(ts_vpa_recommender_new(kVpa.data(), kVpa.size(), nullptr, 0, &raw2));
    Vpa restored(raw2);
    ok(ts_vpa_checkpoint_load(restored.get(), now, cp.data(), cp.size()));
    CHECK(json == text_out([&](char *b, std::size_t l, std::size_t *n) {
              return ts_vpa_recommendation(restored.get(), now, b, l, n);
          }));
    day[0].cpu_cores = std::nan("");
    CHECK(ts_vpa_add_samples(v.get(), day.data(), 1) == TS_RESULT_NOT_FINITE);
    try {
        ok(ts_vpa_container_recommendation(v.get(), now, "nope", 4, &target, nullptr, nullptr,
                                           nullptr));
        CHECK(false);
    } catch (const Error &e) {
        CHECK(e.code == TS_RESULT_UNKNOWN_CONTAINER);
    }
}

constexpr std::string_view kSqs = R"({"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
  "metadata": {"name": "worker"},
  "spec": {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 0, "maxReplicaCount": 20,
    "triggers": [{"type": "aws-sqs-queue", "metadata": {
      "queueURL": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
      "queueLength": "5", "awsRegion": "us-east-1"}}]}})";

ts_keda_decision sqs_step(ts_keda *k, int64_t now, int32_t replicas, std::string_view visible) {
    constexpr std::string_view vis = "ApproximateNumberOfMessages";
    constexpr std::string_view inflight = "ApproximateNumberOfMessagesNotVisible";
    const ts_kv kv[2] = {{vis.data(), vis.size(), visible.data(), visible.size()},
                         {inflight.data(), inflight.size(), "0", 1}};
    ts_trigger_reading r = ts_trigger_reading_default();
    r.kind = TS_TRIGGER_READING_KIND_SQS;
    r.attributes = kv;
    r.n_attributes = 2;
    ts_keda_decision d{};
    ok(ts_keda_step(k, now, replicas, &r, 1, &d));
    return d;
}

void keda() {
    ts_keda *raw = nullptr;
    ok(ts_keda_new(kSqs.data(), kSqs.size(), nullptr, 0, 0, &raw));
    Keda k(raw);
    // the KedaAutoscaler doctest: 0 -> 1 by KEDA, then 1 -> 4 by the HPA (legacy cap)
    ts_keda_decision d = sqs_step(k.get(), 30000, 0, "3");
    CHECK(d.desired_replicas == 1 && d.reason == TS_KEDA_REASON_SCALED_UP_FROM_ZERO_OR_IDLE);
    d = sqs_step(k.get(), 60000, 1, "40");
    CHECK(d.desired_replicas == 4 && d.hpa_ran && d.hpa_limited_by == TS_REASON_SCALE_UP_LIMIT);
    CHECK(std::string(ts_reason_str(d.hpa_limited_by)) == "ScaleUpLimit");
    const std::string why = text_out([&](char *b, std::size_t l, std::size_t *n) {
        return ts_keda_explain(k.get(), b, l, n);
    });
    CHECK(why.find("HPA: ") != std::string::npos);
    // time going backwards is a step at that time (clock skew), as for every controller
    CHECK(sqs_step(k.get(), 1000, 4, "1").current_replicas == 4);

    constexpr std::string_view job = R"({"kind": "ScaledJob", "spec": {"jobTargetRef": {},
      "maxReplicaCount": 10, "triggers": []}})";
    const ts_scaledjob_scaler s{23, 5, true};
    const ts_scaledjob_input in{&s, 1, 3, 0};
    ts_scaledjob_output out{};
    ok(ts_scaledjob_decision(job.data(), job.size(), &in, &out));
    CHECK(out.jobs_to_create == 2);  // default strategy: maxValue 5 - 3 running
}

void prom() {
    // prom-016: rate(testcounter_zero_cutoff_total[20m]) @ 600s = 0.5
    const std::vector<ts_prom_sample> s = {
        {0, 0}, {240000, 240}, {480000, 480}, {720000, 720}, {960000, 960}};
    double v = 0;
    bool has = false;
    ok(ts_prom_rate(s.data(), s.size(), 600000, 1200000, TS_WINDOW_MODE_LEFT_OPEN, &v, &has));
    CHECK(has && std::fabs(v - 0.5) < 1e-9);
    const ts_prom_bucket b[] = {{0.1, 50}, {0.2, 70}, {1, 110}, {INFINITY, 120}};
    ok(ts_prom_histogram_quantile(0.2, b, 4, &v, &has));
    CHECK(has && std::fabs(v - 0.048) < 1e-12);
    ok(ts_prom_histogram_quantile(NAN, nullptr, 0, &v, &has));
    CHECK(!has); // no buckets: no result, as Prometheus

    ts_prom_counter_window *raw = nullptr;
    ok(ts_prom_counter_window_new(64, 120000, TS_WINDOW_MODE_LEFT_OPEN, &raw));
    Window w(raw);
    for (int i = 0; i <= 8; ++i) ok(ts_prom_counter_window_push(w.get(), i * 15000, 30.0 * i));
    ok(ts_prom_counter_window_rate(w.get(), 120000, &v, &has));
    CHECK(has && std::fabs(v - 2.0) < 1e-12);
    CHECK(ts_prom_counter_window_push(w.get(), 0, 1) == TS_RESULT_PROM_OUT_OF_ORDER);
}

}  // namespace

int main() {
    for (auto f : {vpa, keda, prom}) {
        try {
            f();
        } catch (const std::exception &e) {
            ++failed;
            std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
