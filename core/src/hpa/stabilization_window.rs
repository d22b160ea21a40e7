//! Stabilization windows over the recommendation history (`stabilizeRecommendation` and
//! `stabilizeRecommendationWithBehaviors`).

use serde::{Deserialize, Serialize};

use super::conditions::Reason;
use crate::Timestamp;

/// One stored recommendation: the raw desired count (before stabilization and clamping).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Recommendation {
    /// Recommended replicas.
    pub replicas: i32,
    /// When it was made.
    pub time: Timestamp,
}

/// Stores `{desired, now}` in the **last** slot older than every window, or appends.
fn record(
    history: &mut Vec<Recommendation>,
    old_slot: Option<usize>,
    desired: i32,
    now: Timestamp,
) {
    let rec = Recommendation {
        replicas: desired,
        time: now,
    };
    match old_slot.and_then(|i| history.get_mut(i)) {
        Some(slot) => *slot = rec,
        None => history.push(rec),
    }
}

/// Legacy (no `behavior`) stabilization: scale-down only. Returns the highest recommendation
/// at or after `now - window` (or `desired` if higher) and records `desired`.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{Recommendation, stabilize_legacy};
/// let mut h = vec![Recommendation { replicas: 8, time: Timestamp::from_secs(-60) }];
/// assert_eq!(stabilize_legacy(&mut h, 5, 300, Timestamp(0)), 8);
/// assert_eq!(h.len(), 2);
/// ```
pub fn stabilize_legacy(
    history: &mut Vec<Recommendation>,
    desired: i32,
    window_seconds: i64,
    now: Timestamp,
) -> i32 {
    let cutoff = now.minus_secs(window_seconds);
    let mut max = desired;
    let mut old = None;
    for (i, rec) in history.iter().enumerate() {
        if rec.time < cutoff {
            old = Some(i);
        } else if rec.replicas > max {
            max = rec.replicas;
        }
    }
    record(history, old, desired, now);
    max
}

/// The outcome of behavior stabilization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stabilized {
    /// The stabilized replica count.
    pub replicas: i32,
    /// `ScaleUpStabilized` or `ScaleDownStabilized`, meaningful when `replicas != desired`.
    pub reason: Reason,
}

/// Behavior stabilization: clamps `current` into `[min(desired, recs after up cutoff),
/// max(desired, recs after down cutoff)]` and records `desired`. Cutoffs are strict: a
/// recommendation exactly at a cutoff is neither in the window nor reusable.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{Recommendation, stabilize_with_behavior};
/// let mut h = vec![Recommendation { replicas: 9, time: Timestamp::from_secs(-10) }];
/// // scale-down held by the recommendation of 9 inside the 300 s window
/// assert_eq!(stabilize_with_behavior(&mut h, 10, 4, 0, 300, Timestamp(0)).replicas, 9);
/// ```
pub fn stabilize_with_behavior(
    history: &mut Vec<Recommendation>,
    current: i32,
    desired: i32,
    up_window_seconds: i64,
    down_window_seconds: i64,
    now: Timestamp,
) -> Stabilized {
    let up_cutoff = now.minus_secs(up_window_seconds);
    let down_cutoff = now.minus_secs(down_window_seconds);
    let (mut up, mut down) = (desired, desired);
    let mut old = None;
    for (i, rec) in history.iter().enumerate() {
        if rec.time > up_cutoff {
            up = up.min(rec.replicas);
        }
        if rec.time > down_cutoff {
            down = down.max(rec.replicas);
        }
        if rec.time < up_cutoff && rec.time < down_cutoff {
            old = Some(i);
        }
    }
    let replicas = current.max(up).min(down);
    record(history, old, desired, now);
    let reason = if desired >= current {
        Reason::ScaleUpStabilized
    } else {
        Reason::ScaleDownStabilized
    };
    Stabilized { replicas, reason }
}
