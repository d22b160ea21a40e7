// A model server's autoscaling loop on top of the tidescale C ABI.
//
// The server owns the clock and the metrics: at each wake-up it reports its replicas, their
// CPU usage and their inference queue depth, asks the HPA controller for a decision, applies it
// ("starts" or "stops" replicas), and sleeps until the controller's next wake-up. The history
// is saved at the end, as a server would before a restart.
//
// This example runs on a virtual clock with a synthetic load so that it is deterministic and
// quick; a real server would use a monotonic clock and its own metrics.
//
//   c++ -std=c++17 -Iinclude examples/cpp/model_server_loop.cpp target/debug/libtidescale_ffi.a
//       -lpthread -ldl -lm -o model_server_loop
//   ./model_server_loop [hpa.yaml]
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tidescale.h"

namespace {

const char *kDefaultManifest = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: llm-server}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: llm-server}
  minReplicas: 2
  maxReplicas: 12
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 70}
  - type: Pods
    pods:
      metric: {name: inference_queue_depth}
      target: {type: AverageValue, averageValue: "4"}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 0
      policies:
      - {type: Percent, value: 100, periodSeconds: 30}
    scaleDown:
      stabilizationWindowSeconds: 120
      policies:
      - {type: Pods, value: 1, periodSeconds: 60}
)";

struct HpaDeleter {
    void operator()(ts_hpa *h) const noexcept { ts_hpa_free(h); }
};
using Hpa = std::unique_ptr<ts_hpa, HpaDeleter>;

void ok(ts_result r, const char *what) {
    if (r != TS_RESULT_OK) {
        throw std::runtime_error(std::string(what) + ": " + ts_result_str(r) + ": " +
                                 ts_last_error());
    }
}

std::string read_file(const char *path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot read ") + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Requests per second offered to the whole service at time t (a daily-like swell).
double offered_load(int64_t now_ms) {
    const double t = static_cast<double>(now_ms) / 1000.0;
    return 20.0 + 60.0 * std::pow(std::sin(t / 1200.0 * 3.14159265), 2.0);
}

struct Replica {
    std::string name;
    int64_t started_ms;
};

}  // namespace

int main(int argc, char **argv) {
    if (ts_abi_version() != TS_ABI_VERSION) {
        std::fprintf(stderr, "libtidescale ABI %u, header ABI %d\n", ts_abi_version(),
                     TS_ABI_VERSION);
        return 2;
    }
    try {
        const std::string manifest = argc > 1 ? read_file(argv[1]) : kDefaultManifest;
        ts_hpa *raw = nullptr;
        ok(ts_hpa_new(manifest.data(), manifest.size(), nullptr, 0, &raw), "ts_hpa_new");
        Hpa hpa(raw);

        std::vector<Replica> replicas;
        int next_id = 0;
        auto add_replica = [&](int64_t now) {
            replicas.push_back({"llm-server-" + std::to_string(next_id++), now});
        };
        for (int i = 0; i < 2; ++i) add_replica(-600000);

        int64_t now = 0;
        std::string last_why;
        std::printf("%8s %6s %8s %8s  %s\n", "time_s", "load", "current", "desired", "why");
        while (now <= 1800000) {
            // 1. observe: each replica serves an equal share; ~12 rps saturate one CPU core
            const double load = offered_load(now);
            const double per_replica = load / static_cast<double>(replicas.size());
            std::vector<ts_pod> pods;
            std::vector<ts_pod_sample> cpu, queue;
            for (std::size_t i = 0; i < replicas.size(); ++i) {
                ts_pod p = ts_pod_default();
                p.name = replicas[i].name.data();
                p.name_len = replicas[i].name.size();
                p.has_start_time = true;
                p.start_ms = replicas[i].started_ms;
                p.ready = TS_READY_TRUE;
                p.ready_transition_ms = replicas[i].started_ms + 20000;
                p.has_cpu_request = true;
                p.cpu_request_milli = 1000;
                pods.push_back(p);
                const auto cpu_milli = static_cast<int64_t>(std::min(per_replica / 12.0, 1.0) * 1000.0);
                const auto queue_milli = static_cast<int64_t>(per_replica / 5.0 * 1000.0);
                cpu.push_back({i, cpu_milli, now, 30000});
                queue.push_back({i, queue_milli, now, 30000});
            }
            ts_metric_reading readings[2] = {ts_metric_reading_default(),
                                             ts_metric_reading_default()};
            readings[0].kind = TS_METRIC_KIND_PODS;
            readings[0].samples = cpu.data();
            readings[0].n_samples = cpu.size();
            readings[1].kind = TS_METRIC_KIND_PODS;
            readings[1].samples = queue.data();
            readings[1].n_samples = queue.size();
            const auto n = static_cast<int32_t>(replicas.size());
            const ts_scale scale{n, n};

            // 2. decide
            ts_hpa_decision d{};
            ok(ts_hpa_step(hpa.get(), now, &scale, pods.data(), pods.size(), readings, 2, &d),
               "ts_hpa_step");
            std::string why = ts_reason_str(d.able_to_scale.reason);
            if (d.limited_by != TS_REASON_NONE) why += std::string(", ") + ts_reason_str(d.limited_by);

            // 3. act (and log the steps that change something)
            if (d.rescale || why != last_why) std::printf("%8lld %6.1f %8d %8d  %s\n", static_cast<long long>(now / 1000), load,
                        d.current_replicas, d.desired_replicas, why.c_str());
            last_why = why;
            if (d.rescale) {
                while (static_cast<int32_t>(replicas.size()) < d.desired_replicas) add_replica(now);
                while (static_cast<int32_t>(replicas.size()) > d.desired_replicas) replicas.pop_back();
            }

            // 4. sleep until the controller wants to be called again
            ok(ts_hpa_next_wakeup(hpa.get(), now, &now), "ts_hpa_next_wakeup");
        }

        // Before a restart: keep the history so the stabilization windows survive it.
        std::size_t len = 0;
        ts_result r = ts_hpa_history_save(hpa.get(), nullptr, 0, &len);
        if (r != TS_RESULT_BUFFER_TOO_SMALL) ok(r, "ts_hpa_history_save");
        std::string history(len + 1, '\0');
        ok(ts_hpa_history_save(hpa.get(), history.data(), history.size(), &len),
           "ts_hpa_history_save");
        history.resize(len);
        std::printf("saved %zu bytes of history\n", history.size());
        return 0;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "model_server_loop: %s\n", e.what());
        return 1;
    }
}
