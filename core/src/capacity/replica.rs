//! Capacity of one replica and the replicas a load needs.
//!
//! One replica serves at most `min(KV-bound sequences, max_num_seqs)` requests at once; each
//! such slot is a server of an M/M/c queue, so "replicas for a wait target" is the Erlang C
//! sizing over slots, rounded up to whole replicas.
//!
//! ```
//! use tidescale::capacity::replica::{replicas_for_wait_prob, Replica};
//! // 29 KV-bound slots per replica (Llama-2-7B fp16, 4096 tokens, 80 GiB at 0.9).
//! let r = Replica::from_kv(524_288, 85_899_345_920, 0.9, 13_476_839_424, 4096, Some(256))?;
//! assert_eq!(r.slots, 29);
//! // λ = 20 req/s of 0.5 s each: 15 slots meet P(wait > 0.1 s) <= 5 %, so 1 replica.
//! let s = replicas_for_wait_prob(&r, 20.0, 0.5, 0.1, 0.05, None)?;
//! assert_eq!((s.replicas, s.slots_needed), (1, 15));
//! # Ok::<(), tidescale::capacity::CapacityError>(())
//! ```

use super::CapacityError;
use super::model::{DEFAULT_BLOCK_SIZE, KvFit, kv_fit};
use super::queueing::{DEFAULT_MAX_SERVERS, size_for_wait_prob};

/// One replica's concurrency.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Replica {
    /// Concurrent requests it can hold.
    pub slots: u32,
    /// Whether the KV cache (rather than `max_num_seqs`) set `slots`.
    pub kv_bound: bool,
    /// The KV fit it came from.
    pub kv: KvFit,
}

impl Replica {
    /// From the KV fit (16-token blocks), capped by `max_num_seqs` (vLLM's default is 256).
    /// A model that leaves no room for one sequence is an error naming `weightBytes`.
    pub fn from_kv(
        bytes_per_token: u64,
        gpu_memory_bytes: u64,
        gpu_memory_utilization: f64,
        weight_bytes: u64,
        tokens_per_sequence: u64,
        max_num_seqs: Option<u32>,
    ) -> Result<Self, CapacityError> {
        let kv = kv_fit(
            bytes_per_token,
            gpu_memory_bytes,
            gpu_memory_utilization,
            weight_bytes,
            tokens_per_sequence,
            DEFAULT_BLOCK_SIZE,
        )?;
        if !kv.fits() {
            return Err(CapacityError::InvalidValue {
                field: "weightBytes",
                reason: format!(
                    "the KV budget ({} bytes) holds no {tokens_per_sequence}-token sequence",
                    kv.kv_budget_bytes_floor
                ),
            });
        }
        let kv_slots = u32::try_from(kv.max_concurrent_sequences).unwrap_or(u32::MAX);
        let cap = max_num_seqs.unwrap_or(u32::MAX);
        if cap == 0 {
            return Err(CapacityError::InvalidValue {
                field: "maxNumSeqs",
                reason: "0".into(),
            });
        }
        Ok(Self {
            slots: kv_slots.min(cap),
            kv_bound: kv_slots <= cap,
            kv,
        })
    }
}

/// Replicas for a wait target.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ReplicaSizing {
    /// Whole replicas.
    pub replicas: u32,
    /// Slots (M/M/c servers) the target needs.
    pub slots_needed: u32,
    /// Whether the target is met (false: best achievable within the cap).
    pub met: bool,
    /// `P(wait > t)` at `slots_needed`.
    pub prob_wait_gt_t: f64,
}

/// Fewest replicas such that `P(wait > t) <= eps`, treating every slot as an M/M/c server
/// (`arrival_rate` requests per unit time, `mean_service_time` per request).
pub fn replicas_for_wait_prob(
    replica: &Replica,
    arrival_rate: f64,
    mean_service_time: f64,
    t: f64,
    eps: f64,
    max_replicas: Option<u32>,
) -> Result<ReplicaSizing, CapacityError> {
    let cap = max_replicas
        .map(|r| r.saturating_mul(replica.slots))
        .unwrap_or(DEFAULT_MAX_SERVERS);
    let s = size_for_wait_prob(arrival_rate, mean_service_time, t, eps, Some(cap))?;
    Ok(ReplicaSizing {
        replicas: s.servers.div_ceil(replica.slots),
        slots_needed: s.servers,
        met: s.met,
        prob_wait_gt_t: s.value_at_servers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_num_seqs_caps_kv_slots() {
        let r =
            Replica::from_kv(524_288, 85_899_345_920, 0.9, 13_476_839_424, 4096, Some(16)).unwrap();
        assert_eq!((r.slots, r.kv_bound), (16, false));
        // 15 slots needed at λ = 20, S = 0.5 -> one 16-slot replica; a 10-slot replica needs 2.
        let s = replicas_for_wait_prob(&r, 20.0, 0.5, 0.1, 0.05, None).unwrap();
        assert_eq!(s.replicas, 1);
        let r10 =
            Replica::from_kv(524_288, 85_899_345_920, 0.9, 13_476_839_424, 4096, Some(10)).unwrap();
        assert_eq!(
            replicas_for_wait_prob(&r10, 20.0, 0.5, 0.1, 0.05, None)
                .unwrap()
                .replicas,
            2
        );
    }

    #[test]
    fn a_model_that_fits_no_gpu_is_an_error() {
        let e = Replica::from_kv(524_288, 16 << 30, 0.9, 20_000_000_000, 4096, None);
        assert!(matches!(
            e,
            Err(CapacityError::InvalidValue {
                field: "weightBytes",
                ..
            })
        ));
    }

    #[test]
    fn unmeetable_within_max_replicas_reports_best() {
        let r =
            Replica::from_kv(524_288, 85_899_345_920, 0.9, 13_476_839_424, 4096, Some(4)).unwrap();
        let s = replicas_for_wait_prob(&r, 20.0, 0.5, 0.1, 0.05, Some(3)).unwrap();
        assert!(!s.met);
        assert_eq!(s.replicas, 3);
    }
}
