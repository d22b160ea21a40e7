//! Scale-event bookkeeping (`storeScaleEvent`, `getReplicasChangePerPeriod`).

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// A past rescale in one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScaleEvent {
    /// How many replicas were added (or removed), always positive.
    pub replica_change: i32,
    /// When.
    pub time: Timestamp,
    /// Older than the direction's longest policy period; its slot may be reused.
    pub outdated: bool,
}

/// Sum of `replica_change` over events strictly after `now - period_seconds` (the outdated
/// flag is ignored; only the time matters). Saturates instead of wrapping.
///
/// ```
/// use tidescale::Timestamp;
/// use tidescale::hpa::{ScaleEvent, replicas_change_per_period};
/// let ev = [ScaleEvent { replica_change: 3, time: Timestamp::from_secs(-60), outdated: false },
///           ScaleEvent { replica_change: 2, time: Timestamp::from_secs(-10), outdated: false }];
/// assert_eq!(replicas_change_per_period(60, &ev, Timestamp(0)), 2); // exactly 60 s old: out
/// ```
pub fn replicas_change_per_period(
    period_seconds: i32,
    events: &[ScaleEvent],
    now: Timestamp,
) -> i32 {
    let cutoff = now.minus_secs(i64::from(period_seconds));
    events
        .iter()
        .filter(|e| e.time > cutoff)
        .fold(0i32, |acc, e| acc.saturating_add(e.replica_change))
}

/// Records a rescale of `change` replicas in one direction: first marks events older than
/// `now - longest_period_seconds` as outdated (sticky), then reuses the **last** outdated slot
/// or appends.
pub fn store_scale_event(
    events: &mut Vec<ScaleEvent>,
    change: i32,
    longest_period_seconds: i32,
    now: Timestamp,
) {
    let cutoff = now.minus_secs(i64::from(longest_period_seconds));
    for e in events.iter_mut() {
        if e.time < cutoff {
            e.outdated = true;
        }
    }
    let ev = ScaleEvent {
        replica_change: change,
        time: now,
        outdated: false,
    };
    match events.iter_mut().rev().find(|e| e.outdated) {
        Some(slot) => *slot = ev,
        None => events.push(ev),
    }
}
