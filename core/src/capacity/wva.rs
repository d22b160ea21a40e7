//! llm-d workload-variant-autoscaler's queue analyzer (`pkg/analyzer`): an M/M/1/K queue whose
//! service rate depends on the batch size, `μ(n) = n / (prefill(n) + (out − 1)·decode(n))`,
//! with prefill `γ + δ·in·n` ms and decode `α + β·n` ms. Computed in `f32`, as upstream does.
//!
//! ```
//! use tidescale::capacity::wva::{QueueAnalyzer, QueueConfig};
//! let qa = QueueAnalyzer::new(&QueueConfig { max_batch_size: 8, max_queue_size: 16,
//!     alpha: 1.0, beta: 0.01, gamma: 10.0, delta: 0.001,
//!     avg_input_tokens: 100, avg_output_tokens: 1 })?;
//! assert_eq!(qa.rate_range(), (0.09900990128517151_f32, 740.0_f32));
//! let m = qa.analyze(0.5)?;
//! assert_eq!(m.throughput, 0.5);
//! # Ok::<(), tidescale::capacity::CapacityError>(())
//! ```

use super::CapacityError;

/// `Epsilon`: the rate range's margin.
const EPSILON: f32 = 0.001;
/// `StabilitySafetyFraction`: a TPS target sizes to this fraction below the max rate.
const STABILITY_SAFETY_FRACTION: f32 = 0.1;
const SEARCH_EPSILON: f32 = 1e-6;
const SEARCH_MAX_ITERATIONS: usize = 100;

/// The analyzer's inputs (`Configuration` and `RequestSize`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueueConfig {
    /// Max requests in service (batch), > 0.
    pub max_batch_size: u32,
    /// Max requests queued, >= 0.
    pub max_queue_size: u32,
    /// Decode base, ms (> 0).
    pub alpha: f32,
    /// Decode slope per batch member, ms (>= 0).
    pub beta: f32,
    /// Prefill base, ms (> 0).
    pub gamma: f32,
    /// Prefill slope per input token per batch member, ms (>= 0).
    pub delta: f32,
    /// Mean input tokens per request (>= 0).
    pub avg_input_tokens: u32,
    /// Mean output tokens per request (>= 1).
    pub avg_output_tokens: u32,
}

/// `AnalysisMetrics` (times in ms, rates per second).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct QueueMetrics {
    /// Effective throughput, requests/s.
    pub throughput: f32,
    /// Mean response time, ms.
    pub avg_resp_time: f32,
    /// Mean queueing time, ms (>= 0).
    pub avg_wait_time: f32,
    /// Mean requests in service.
    pub avg_num_in_serv: f32,
    /// Mean prefill time at the effective concurrency, ms.
    pub avg_prefill_time: f32,
    /// Mean inter-token time at the effective concurrency, ms.
    pub avg_token_time: f32,
    /// The highest analysable rate, requests/s.
    pub max_rate: f32,
    /// `avg_num_in_serv / max_batch`, clamped to [0, 1].
    pub rho: f32,
}

impl QueueMetrics {
    /// Time to first token: wait + prefill, ms.
    pub fn ttft(&self) -> f32 {
        self.avg_wait_time + self.avg_prefill_time
    }
}

/// `Size` targets; 0 ignores a target.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Targets {
    /// TTFT, ms.
    pub ttft: f32,
    /// ITL, ms.
    pub itl: f32,
    /// Tokens per second (only its presence matters: it sizes to 90 % of the max rate).
    pub tps: f32,
}

/// `Size`'s answer.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SizeResult {
    /// Max rate meeting the TTFT target, requests/s.
    pub rate_target_ttft: f32,
    /// Max rate meeting the ITL target, requests/s.
    pub rate_target_itl: f32,
    /// Max rate for the TPS target, requests/s.
    pub rate_target_tps: f32,
    /// Metrics at the smallest of the three.
    pub metrics: QueueMetrics,
    /// Achieved TTFT, ms.
    pub achieved_ttft: f32,
    /// Achieved ITL, ms.
    pub achieved_itl: f32,
    /// Achieved tokens/s.
    pub achieved_tps: f32,
}

/// The analyzer: service rates per batch size and the rate range.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueAnalyzer {
    cfg: QueueConfig,
    serv_rate: Vec<f32>,
    k: usize,
    min_rate: f32,
    max_rate: f32,
}

/// One solved model (`MM1ModelStateDependent` after `Solve`).
struct Solved {
    throughput: f32,
    avg_resp: f32,
    avg_serv: f32,
    avg_wait: f32,
    avg_in_serv: f32,
}

fn bad(field: &'static str, reason: &str) -> CapacityError {
    CapacityError::InvalidValue {
        field,
        reason: reason.to_owned(),
    }
}

impl QueueAnalyzer {
    /// `NewQueueAnalyzer`: validates, then builds the service rates.
    pub fn new(cfg: &QueueConfig) -> Result<Self, CapacityError> {
        if cfg.max_batch_size == 0 {
            return Err(bad("maxBatchSize", "must be > 0"));
        }
        if !(cfg.alpha.is_finite() && cfg.alpha > 0.0) {
            return Err(bad("alpha", "must be a finite number > 0"));
        }
        if !(cfg.gamma.is_finite() && cfg.gamma > 0.0) {
            return Err(bad("gamma", "must be a finite number > 0"));
        }
        if !(cfg.beta.is_finite() && cfg.beta >= 0.0) {
            return Err(bad("beta", "must be a finite number >= 0"));
        }
        if !(cfg.delta.is_finite() && cfg.delta >= 0.0) {
            return Err(bad("delta", "must be a finite number >= 0"));
        }
        if cfg.avg_output_tokens < 1 {
            return Err(bad("avgOutputTokens", "must be >= 1"));
        }
        let mut serv_rate = Vec::with_capacity(cfg.max_batch_size as usize);
        for n in 1..=cfg.max_batch_size {
            let nf = n as f32;
            let prefill = prefill_time(cfg, nf);
            let mut num_decode = cfg.avg_output_tokens - 1;
            if cfg.avg_input_tokens == 0 && cfg.avg_output_tokens == 1 {
                num_decode = 1;
            }
            let decode = num_decode as f32 * decode_time(cfg, nf);
            serv_rate.push(nf / (prefill + decode));
        }
        let first = serv_rate.first().copied().unwrap_or(0.0);
        let last = serv_rate.last().copied().unwrap_or(0.0);
        let min_rate = first * EPSILON * 1000.0;
        let max_rate = last * (1.0 - EPSILON) * 1000.0;
        let k = cfg.max_queue_size as usize + cfg.max_batch_size as usize;
        Ok(Self {
            cfg: *cfg,
            serv_rate,
            k,
            min_rate,
            max_rate,
        })
    }

    /// Service rate per ms for batch sizes 1..=max_batch.
    pub fn service_rates_per_ms(&self) -> &[f32] {
        &self.serv_rate
    }

    /// `(Min, Max)` analysable rates, requests/s.
    pub fn rate_range(&self) -> (f32, f32) {
        (self.min_rate, self.max_rate)
    }

    /// Birth-death solution at `lambda` requests per ms (`None`: upstream's invalid model).
    fn solve(&self, lambda: f32) -> Option<Solved> {
        // Upstream's validity test reads the previous solution's p[0] (0 before the first
        // solve), so rho = 1 - p0 >= K fails exactly when K <= 1.
        if self.k <= 1 || lambda < 0.0 {
            return None;
        }
        let k = self.k;
        let num = self.serv_rate.len();
        let mut p = vec![0.0f64; k + 1];
        let scale = f64::MAX / k as f64;
        if let Some(p0) = p.first_mut() {
            *p0 = 1.0;
        }
        let lam = f64::from(lambda);
        for n in 0..k {
            let s = f64::from(*self.serv_rate.get(n.min(num - 1))?);
            let pn = *p.get(n)?;
            let mut next = pn * lam / s;
            while next < 0.0 || next.is_infinite() || next.is_nan() {
                for x in p.iter_mut().take(n + 1) {
                    *x /= scale;
                }
                next = *p.get(n)? * lam / s;
            }
            *p.get_mut(n + 1)? = next;
        }
        let mut sum = 0.0f64;
        for n in 0..=k {
            sum += *p.get(n)?;
            if sum < 0.0 || sum.is_infinite() {
                sum = 0.0;
                for (i, x) in p.iter_mut().enumerate() {
                    *x /= scale;
                    if i <= n {
                        sum += *x;
                    }
                }
            }
        }
        for x in &mut p {
            *x /= sum;
        }
        let mut in_servers = 0.0f64;
        let mut in_system = 0.0f64;
        let mut sum_p = *p.first()?;
        for i in 1..=k {
            let pi = *p.get(i)?;
            in_system += i as f64 * pi;
            sum_p += pi;
            if i == num {
                in_servers = in_system + (1.0 - sum_p) * num as f64;
            }
        }
        let avg_in_serv = in_servers as f32;
        let avg_in_sys = in_system as f32;
        let throughput = lambda * (1.0 - *p.get(k)? as f32);
        let avg_resp = avg_in_sys / throughput;
        let avg_serv = avg_in_serv / throughput;
        let avg_wait = (avg_resp - avg_serv).max(0.0);
        Some(Solved {
            throughput,
            avg_resp,
            avg_serv,
            avg_wait,
            avg_in_serv,
        })
    }

    /// `EffectiveConcurrency`: solve `γ + α(out−1) + n(δ·in + β(out−1)) = avgServTime`, clamp
    /// to `[0, maxBatch]`.
    fn effective_concurrency(&self, avg_serv: f32) -> f32 {
        let c = &self.cfg;
        let tokens = (c.avg_output_tokens as i64 - 1) as f32;
        let numerator = avg_serv - (c.gamma + c.alpha * tokens);
        let denominator = c.delta * c.avg_input_tokens as f32 + c.beta * tokens;
        let n = numerator / denominator;
        // Go's min/max: NaN propagates; clamp as upstream (max then min).
        go_min(go_max(n, 0.0), c.max_batch_size as f32)
    }

    /// `Analyze`: metrics at `rate` requests/s (`0 < rate <= Max`).
    pub fn analyze(&self, rate: f32) -> Result<QueueMetrics, CapacityError> {
        if rate.is_nan() || rate <= 0.0 {
            return Err(bad("rate", "must be > 0"));
        }
        if rate > self.max_rate {
            return Err(CapacityError::InvalidValue {
                field: "rate",
                reason: format!("rate={rate}, max allowed rate={}", self.max_rate),
            });
        }
        let s = self
            .solve(rate / 1000.0)
            .ok_or_else(|| bad("rate", "invalid model"))?;
        let eff = self.effective_concurrency(s.avg_serv);
        let rho = go_min(
            go_max(s.avg_in_serv / self.cfg.max_batch_size as f32, 0.0),
            1.0,
        );
        Ok(QueueMetrics {
            throughput: s.throughput * 1000.0,
            avg_resp_time: s.avg_resp,
            avg_wait_time: s.avg_wait,
            avg_num_in_serv: s.avg_in_serv,
            avg_prefill_time: prefill_time(&self.cfg, eff),
            avg_token_time: decode_time(&self.cfg, eff),
            max_rate: self.max_rate,
            rho,
        })
    }

    fn eval_ttft(&self, x: f32) -> Option<f32> {
        let s = self.solve(x)?;
        let eff = self.effective_concurrency(s.avg_serv);
        Some(s.avg_wait + prefill_time(&self.cfg, eff))
    }

    fn eval_itl(&self, x: f32) -> Option<f32> {
        let s = self.solve(x)?;
        Some(decode_time(
            &self.cfg,
            self.effective_concurrency(s.avg_serv),
        ))
    }

    /// `BinarySearch`; `Err(())` when the function cannot be evaluated or the target is below
    /// the region. A flat curve (both ends equal) is answered with `x_max` when the target is
    /// at or above it (upstream misclassifies it as decreasing and fails).
    fn search(
        &self,
        x_min: f32,
        x_max: f32,
        y: f32,
        eval: impl Fn(f32) -> Option<f32>,
    ) -> Result<f32, ()> {
        let (mut lo, mut hi) = (x_min, x_max);
        if lo > hi {
            return Err(());
        }
        let y0 = eval(lo).ok_or(())?;
        if within(y0, y) {
            return Ok(lo);
        }
        let y1 = eval(hi).ok_or(())?;
        if within(y1, y) {
            return Ok(hi);
        }
        if y0 == y1 {
            return if y >= y1 { Ok(hi) } else { Err(()) };
        }
        let increasing = y0 < y1;
        if (increasing && y < y0) || (!increasing && y > y0) {
            return Err(());
        }
        if (increasing && y > y1) || (!increasing && y < y1) {
            return Ok(hi);
        }
        let mut x = lo;
        for _ in 0..SEARCH_MAX_ITERATIONS {
            x = 0.5 * (lo + hi);
            let v = eval(x).ok_or(())?;
            if within(v, y) {
                break;
            }
            if (increasing && y < v) || (!increasing && y > v) {
                hi = x;
            } else {
                lo = x;
            }
        }
        Ok(x)
    }

    /// `Size`: the max rates meeting each target, and the metrics at the smallest.
    pub fn size(&self, t: &Targets) -> Result<SizeResult, CapacityError> {
        for (f, v) in [("ttft", t.ttft), ("itl", t.itl), ("tps", t.tps)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(f, "must be a finite number >= 0"));
            }
        }
        let lmin = self.min_rate / 1000.0;
        let lmax = self.max_rate / 1000.0;
        let below = |f| CapacityError::InvalidValue {
            field: f,
            reason: "target is below the bounded region".into(),
        };
        let l_ttft = if t.ttft > 0.0 {
            self.search(lmin, lmax, t.ttft, |x| self.eval_ttft(x))
                .map_err(|()| below("ttft"))?
        } else {
            lmax
        };
        let l_itl = if t.itl > 0.0 {
            self.search(lmin, lmax, t.itl, |x| self.eval_itl(x))
                .map_err(|()| below("itl"))?
        } else {
            lmax
        };
        let l_tps = if t.tps > 0.0 {
            lmax * (1.0 - STABILITY_SAFETY_FRACTION)
        } else {
            lmax
        };
        let lambda = go_min(go_min(l_ttft, l_itl), l_tps);
        let metrics = self.analyze(lambda * 1000.0)?;
        Ok(SizeResult {
            rate_target_ttft: l_ttft * 1000.0,
            rate_target_itl: l_itl * 1000.0,
            rate_target_tps: l_tps * 1000.0,
            metrics,
            achieved_ttft: metrics.avg_wait_time + metrics.avg_prefill_time,
            achieved_itl: metrics.avg_token_time,
            achieved_tps: metrics.throughput * self.cfg.avg_output_tokens as f32,
        })
    }
}

fn within(x: f32, value: f32) -> bool {
    if x == value {
        return true;
    }
    if value == 0.0 {
        return false;
    }
    f64::from((x - value) / value).abs() <= f64::from(SEARCH_EPSILON)
}

fn go_max(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else {
        a.max(b)
    }
}

fn go_min(a: f32, b: f32) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else {
        a.min(b)
    }
}

fn prefill_time(c: &QueueConfig, n: f32) -> f32 {
    if c.avg_input_tokens == 0 {
        0.0
    } else {
        c.gamma + c.delta * c.avg_input_tokens as f32 * n
    }
}

fn decode_time(c: &QueueConfig, n: f32) -> f32 {
    c.alpha + c.beta * n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> QueueConfig {
        QueueConfig {
            max_batch_size: 8,
            max_queue_size: 16,
            alpha: 1.0,
            beta: 0.01,
            gamma: 10.0,
            delta: 0.001,
            avg_input_tokens: 100,
            avg_output_tokens: 1,
        }
    }

    #[test]
    fn upstream_test_config_rates() {
        // wva-003 (the upstream unit test's parameters).
        let qa = QueueAnalyzer::new(&cfg()).unwrap();
        assert_eq!(qa.service_rates_per_ms().first(), Some(&0.099_009_894_f32));
        assert_eq!(qa.rate_range().1, 740.0);
        let m = qa.analyze(100.0).unwrap();
        assert!((m.avg_num_in_serv - 1.020_201_9).abs() < 1e-5);
        assert!(qa.analyze(741.0).is_err());
        assert!(qa.analyze(0.0).is_err());
    }

    #[test]
    fn bad_config_names_the_field() {
        let c = QueueConfig {
            alpha: 0.0,
            ..cfg()
        };
        assert!(matches!(
            QueueAnalyzer::new(&c),
            Err(CapacityError::InvalidValue { field: "alpha", .. })
        ));
    }
}
