// C++17 test of the tidescale HPA C ABI through a small RAII wrapper: the header compiles as
// C++ (extern "C", enum class-free constants), a scale-up, a stabilized scale-down, history
// save/restore and the main error paths. Built by scripts/test-c with
//   c++ -std=c++17 -Wall -Wextra -Werror -pedantic
// against the shared library, and run under valgrind. Prints "N passed, M failed".
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
        std::fprintf(stderr, "hpa_test.cpp:%d: check failed: %s (last error: %s)\n", line, what,
                     ts_last_error());
    }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

struct HpaDeleter {
    void operator()(ts_hpa *h) const noexcept { ts_hpa_free(h); }
};
using Hpa = std::unique_ptr<ts_hpa, HpaDeleter>;

struct Error : std::runtime_error {
    ts_result code;
    Error(ts_result c, const std::string &m) : std::runtime_error(m), code(c) {}
};

void ok(ts_result r) {
    if (r != TS_RESULT_OK) {
        throw Error(r, std::string(ts_result_str(r)) + ": " + ts_last_error());
    }
}

Hpa make_hpa(std::string_view manifest, std::string_view settings = {}) {
    ts_hpa *h = nullptr;
    ok(ts_hpa_new(manifest.data(), manifest.size(), settings.empty() ? nullptr : settings.data(),
                  settings.size(), &h));
    return Hpa(h);
}

// Size query, then the real call: the pattern for every text output.
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

struct Fleet {
    std::vector<std::string> names;
    std::vector<ts_pod> pods;
    std::vector<ts_pod_sample> samples;

    Fleet(int n, int64_t usage_milli, int64_t now_ms) {
        for (int i = 0; i < n; ++i) names.push_back("model-" + std::to_string(i));
        for (int i = 0; i < n; ++i) {
            ts_pod p = ts_pod_default();
            p.name = names[i].data();
            p.name_len = names[i].size();
            p.has_start_time = true;
            p.ready = TS_READY_TRUE;
            p.has_cpu_request = true;
            p.cpu_request_milli = 1000;
            pods.push_back(p);
            samples.push_back(ts_pod_sample{static_cast<std::size_t>(i), usage_milli, now_ms, 60000});
        }
    }

    ts_hpa_decision step(ts_hpa *h, int64_t now_ms) {
        ts_metric_reading reading = ts_metric_reading_default();
        reading.kind = TS_METRIC_KIND_PODS;
        reading.samples = samples.data();
        reading.n_samples = samples.size();
        const auto n = static_cast<int32_t>(pods.size());
        ts_scale scale{n, n};
        ts_hpa_decision d{};
        ok(ts_hpa_step(h, now_ms, &scale, pods.data(), pods.size(), &reading, 1, &d));
        return d;
    }
};

constexpr std::string_view kManifest = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: llm}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llm}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 50}
)";

constexpr int64_t T0 = 1000000;

void scenario() {
    Hpa hpa = make_hpa(kManifest, R"({"downscaleStabilizationSeconds": 300})");
    ts_hpa_decision d = Fleet(3, 900, T0).step(hpa.get(), T0);
    CHECK(d.desired_replicas == 6 && d.rescale);
    CHECK(d.able_to_scale.reason == TS_REASON_SUCCEEDED_RESCALE);
    CHECK(std::string_view(ts_reason_str(d.scaling_limited.reason)) == "DesiredWithinRange");
    std::string why = text_out([&](char *b, std::size_t l, std::size_t *n) {
        return ts_hpa_explain(hpa.get(), b, l, n);
    });
    CHECK(why.rfind("3 -> 6", 0) == 0);
    std::printf("explain: %s\n", why.c_str());

    d = Fleet(6, 100, T0 + 15000).step(hpa.get(), T0 + 15000);
    CHECK(d.desired_replicas == 6 && !d.rescale);
    CHECK(d.proposed_replicas == 2);
    CHECK(d.able_to_scale.reason == TS_REASON_SCALE_DOWN_STABILIZED);

    std::string history = text_out([&](char *b, std::size_t l, std::size_t *n) {
        return ts_hpa_history_save(hpa.get(), b, l, n);
    });
    CHECK(!history.empty() && history.front() == '{');
    Hpa restored = make_hpa(kManifest);
    ok(ts_hpa_history_load(restored.get(), history.data(), history.size()));

    Fleet idle(6, 100, T0 + 301000);
    d = idle.step(hpa.get(), T0 + 301000);
    CHECK(d.desired_replicas == 2 && d.rescale);
    d = idle.step(restored.get(), T0 + 301000);
    CHECK(d.desired_replicas == 2 && d.rescale);
}

void errors() {
    try {
        make_hpa("kind: HorizontalPodAutoscaler\nspec: {minReplicas: 3, maxReplicas: 2}\n");
        CHECK(false);
    } catch (const Error &e) {
        CHECK(e.code == TS_RESULT_VALIDATION);
        CHECK(std::string_view(e.what()).find("minReplicas") != std::string_view::npos);
    }
    try {
        make_hpa("{not json");
        CHECK(false);
    } catch (const Error &e) {
        CHECK(e.code == TS_RESULT_INVALID_JSON);
    }
    try {
        make_hpa("spec: {maxReplicas: [}");
        CHECK(false);
    } catch (const Error &e) {
        CHECK(e.code == TS_RESULT_INVALID_YAML);
    }
    Hpa hpa = make_hpa(kManifest);
    ts_scale scale{-2, 0};
    ts_hpa_decision d{};
    CHECK(ts_hpa_step(hpa.get(), 0, &scale, nullptr, 0, nullptr, 1, &d) == TS_RESULT_NULL_ARGUMENT);
    CHECK(ts_hpa_step(hpa.get(), 0, &scale, nullptr, 0, nullptr, 0, &d) == TS_RESULT_NEGATIVE_VALUE);
    CHECK(ts_hpa_step(nullptr, 0, &scale, nullptr, 0, nullptr, 0, &d) == TS_RESULT_NULL_ARGUMENT);
    char small[2];
    std::size_t n = 0;
    CHECK(ts_hpa_history_save(hpa.get(), small, sizeof small, &n) == TS_RESULT_BUFFER_TOO_SMALL);
    CHECK(n > 0);
    CHECK(ts_reason_str(4242) == nullptr);
    CHECK(ts_result_str(4242) == nullptr);
    ts_hpa_free(nullptr);
}

}  // namespace

int main() {
    if (ts_abi_version() != TS_ABI_VERSION) {
        std::fprintf(stderr, "ABI mismatch: header %d, library %u\n", TS_ABI_VERSION,
                     ts_abi_version());
        return 2;
    }
    try {
        scenario();
        errors();
    } catch (const Error &e) {
        ++failed;
        std::fprintf(stderr, "unexpected error %u: %s\n", static_cast<unsigned>(e.code), e.what());
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
