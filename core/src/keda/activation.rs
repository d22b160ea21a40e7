//! Activation across triggers and the executor's 0 <-> 1 / idle state machine
//! (`RequestScale`, spec §1.2-§1.3).
//!
//! Activation only decides the step between 0 (or `idleReplicaCount`) and the minimum; the
//! HPA does 1..N.

use std::collections::BTreeMap;

use super::goparse::go_parse_bool;
use crate::Timestamp;

/// `autoscaling.keda.sh/paused`.
pub const PAUSED: &str = "autoscaling.keda.sh/paused";
/// `autoscaling.keda.sh/paused-replicas` (pauses by its presence).
pub const PAUSED_REPLICAS: &str = "autoscaling.keda.sh/paused-replicas";
/// `autoscaling.keda.sh/paused-scale-in`.
pub const PAUSED_SCALE_IN: &str = "autoscaling.keda.sh/paused-scale-in";
/// `autoscaling.keda.sh/paused-scale-out`.
pub const PAUSED_SCALE_OUT: &str = "autoscaling.keda.sh/paused-scale-out";
/// `autoscaling.keda.sh/force-activation`.
pub const FORCE_ACTIVATION: &str = "autoscaling.keda.sh/force-activation";

/// An annotation flag: absent is false; otherwise `strconv.ParseBool`, and a value it cannot
/// parse (`yes`, `FaLsE`) counts as **true**.
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::keda::activation::{annotation_flag, FORCE_ACTIVATION};
/// let a = BTreeMap::from([(FORCE_ACTIVATION.to_owned(), "yes".to_owned())]);
/// assert!(annotation_flag(&a, FORCE_ACTIVATION));
/// ```
pub fn annotation_flag(annotations: &BTreeMap<String, String>, key: &str) -> bool {
    annotations
        .get(key)
        .is_some_and(|v| go_parse_bool(v).unwrap_or(true))
}

/// Whether the executor skips the ScaledObject entirely (`paused` true, or `paused-replicas`
/// present).
pub fn is_paused(annotations: &BTreeMap<String, String>) -> bool {
    annotations.contains_key(PAUSED_REPLICAS) || annotation_flag(annotations, PAUSED)
}

/// Activity of one trigger after fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerActivity {
    /// The scaler answered; its activity flag.
    Reading(bool),
    /// The scaler failed, but its fallback is in effect (counts as active).
    FallenBack,
    /// The scaler failed (does not count as active).
    Error,
    /// A cpu/memory trigger (never decides activity, except that all-cpu/memory objects are
    /// always active).
    Resource,
}

/// `isActive` across triggers: any trigger active (fallback counts); a cpu/memory-only object
/// with no error is always active.
///
/// ```
/// use tidescale::keda::activation::{is_active, TriggerActivity::*};
/// assert!(is_active(&[Reading(false), FallenBack]));
/// assert!(!is_active(&[Reading(false), Error]));
/// assert!(is_active(&[Resource, Resource]));
/// ```
pub fn is_active(triggers: &[TriggerActivity]) -> bool {
    let any = triggers.iter().any(|t| {
        matches!(
            t,
            TriggerActivity::Reading(true) | TriggerActivity::FallenBack
        )
    });
    let all_resource =
        !triggers.is_empty() && triggers.iter().all(|t| *t == TriggerActivity::Resource);
    any || all_resource
}

/// Inputs of one executor step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExecutorInput<'a> {
    /// `minReplicaCount` (unset: 0).
    pub min_replica_count: Option<i32>,
    /// `idleReplicaCount`.
    pub idle_replica_count: Option<i32>,
    /// Scale subresource `spec.replicas`.
    pub current_replicas: i32,
    /// Activity across triggers (before forced activation).
    pub is_active: bool,
    /// Some trigger errored (after fallback).
    pub is_error: bool,
    /// Object annotations.
    pub annotations: &'a BTreeMap<String, String>,
    /// `status.lastActiveTime`.
    pub last_active_time: Option<Timestamp>,
    /// `metadata.creationTimestamp`.
    pub creation_timestamp: Timestamp,
    /// `cooldownPeriod` in seconds.
    pub cooldown_period: i32,
    /// `initialCooldownPeriod` in seconds.
    pub initial_cooldown_period: i32,
    /// `fallback` is set and `fallback.replicas != 0`.
    pub fallback_holds: bool,
    /// Now.
    pub now: Timestamp,
}

/// Why the executor did what it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorReason {
    /// `paused` / `paused-replicas`: nothing evaluated.
    Paused,
    /// Active at 0 (or below min with an idle count): scaled up to min (or 1).
    ScaledUpFromZeroOrIdle,
    /// Active at 0, but paused-scale-out.
    ScaleOutPaused,
    /// Active, but some trigger errored (`Ready = Unknown`).
    PartialTriggerError,
    /// Active; the HPA handles 1..N.
    ActiveHpaHandles,
    /// Inactive with an erroring trigger and a non-zero fallback: kept above 0 for the HPA.
    FallbackHoldsReplicas,
    /// Inactive with an erroring trigger and no fallback (`Ready = False`).
    TriggerErrorNoFallback,
    /// Inactive past the cooldown: scaled to idle (or min/0).
    ScaledDown,
    /// Inactive, still inside the cooldown.
    CoolingDown,
    /// Inactive, would scale in, but paused-scale-in.
    ScaleInPaused,
    /// Inactive below the minimum: raised to it.
    RaisedToMin,
    /// Inactive, nothing to do.
    Idle,
}

impl ExecutorReason {
    /// The reason's name, as tidescale reports it (`CoolingDown`, `ScaledDown`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Paused => "Paused",
            Self::ScaledUpFromZeroOrIdle => "ScaledUpFromZeroOrIdle",
            Self::ScaleOutPaused => "ScaleOutPaused",
            Self::PartialTriggerError => "PartialTriggerError",
            Self::ActiveHpaHandles => "ActiveHpaHandles",
            Self::FallbackHoldsReplicas => "FallbackHoldsReplicas",
            Self::TriggerErrorNoFallback => "TriggerErrorNoFallback",
            Self::ScaledDown => "ScaledDown",
            Self::CoolingDown => "CoolingDown",
            Self::ScaleInPaused => "ScaleInPaused",
            Self::RaisedToMin => "RaisedToMin",
            Self::Idle => "Idle",
        }
    }
}

/// `Ready` condition the step reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadyStatus {
    /// Ready.
    True,
    /// A trigger errored with no fallback.
    False,
    /// Some trigger errored while active.
    Unknown,
}

/// What one executor step decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecutorOutcome {
    /// Replicas after the step (unchanged unless `scaled`).
    pub replicas: i32,
    /// Whether the scale target was updated.
    pub scaled: bool,
    /// The `Active` condition; `None` when paused (the condition is not set at all).
    pub active_condition: Option<bool>,
    /// The `Ready` condition.
    pub ready: ReadyStatus,
    /// The new `lastActiveTime`.
    pub last_active_time: Option<Timestamp>,
    /// Why.
    pub reason: ExecutorReason,
    /// While cooling down: milliseconds until scale-in is allowed (strictly after).
    pub cooldown_remaining_ms: Option<i64>,
}

/// KEDA's `RequestScale` for a ScaledObject (spec §1.3).
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::Timestamp;
/// use tidescale::keda::{request_scale, ExecutorInput, ExecutorReason};
/// let ann = BTreeMap::new();
/// let step = |now, last| request_scale(&ExecutorInput {
///     min_replica_count: Some(0), idle_replica_count: None, current_replicas: 3,
///     is_active: false, is_error: false, annotations: &ann, last_active_time: Some(last),
///     creation_timestamp: Timestamp(0), cooldown_period: 300, initial_cooldown_period: 0,
///     fallback_holds: false, now });
/// let t0 = Timestamp::from_secs(1000);
/// assert_eq!(step(t0.plus_secs(300), t0).reason, ExecutorReason::CoolingDown);
/// let out = step(t0.plus_secs(301), t0);
/// assert_eq!((out.replicas, out.reason), (0, ExecutorReason::ScaledDown));
/// ```
pub fn request_scale(i: &ExecutorInput<'_>) -> ExecutorOutcome {
    let ann = i.annotations;
    let mut out = ExecutorOutcome {
        replicas: i.current_replicas,
        scaled: false,
        active_condition: None,
        ready: ReadyStatus::True,
        last_active_time: i.last_active_time,
        reason: ExecutorReason::Paused,
        cooldown_remaining_ms: None,
    };
    if is_paused(ann) {
        return out;
    }
    let min = i.min_replica_count.unwrap_or(0);
    let current = i.current_replicas;
    let active = i.is_active || annotation_flag(ann, FORCE_ACTIVATION);
    if active {
        out.active_condition = Some(true);
        if (i.idle_replica_count.is_some() && current < min) || current == 0 {
            out.last_active_time = Some(i.now);
            if annotation_flag(ann, PAUSED_SCALE_OUT) {
                out.reason = ExecutorReason::ScaleOutPaused;
            } else {
                out.replicas = if min > 0 { min } else { 1 };
                out.scaled = out.replicas != current;
                out.reason = ExecutorReason::ScaledUpFromZeroOrIdle;
            }
        } else if i.is_error {
            out.ready = ReadyStatus::Unknown;
            out.reason = ExecutorReason::PartialTriggerError;
        } else {
            out.last_active_time = Some(i.now);
            out.reason = ExecutorReason::ActiveHpaHandles;
        }
        return out;
    }
    out.active_condition = Some(false);
    if i.is_error && i.fallback_holds {
        out.reason = ExecutorReason::FallbackHoldsReplicas;
        return out;
    }
    if i.is_error {
        out.ready = ReadyStatus::False;
        out.reason = ExecutorReason::TriggerErrorNoFallback;
        return out;
    }
    let idle = i.idle_replica_count;
    if idle.is_some_and(|idle| current > idle) || (current > 0 && min == 0) {
        if annotation_flag(ann, PAUSED_SCALE_IN) {
            out.reason = ExecutorReason::ScaleInPaused;
            return out;
        }
        // Strictly after the cooldown; a nil lastActiveTime uses creation + initialCooldown.
        let deadline = match i.last_active_time {
            None => i
                .creation_timestamp
                .plus_secs(i64::from(i.initial_cooldown_period)),
            Some(t) => t.plus_secs(i64::from(i.cooldown_period)),
        };
        if deadline < i.now {
            out.replicas = idle.unwrap_or(min);
            out.scaled = out.replicas != current;
            out.reason = ExecutorReason::ScaledDown;
        } else {
            out.reason = ExecutorReason::CoolingDown;
            out.cooldown_remaining_ms =
                Some(deadline.as_millis().saturating_sub(i.now.as_millis()));
        }
        return out;
    }
    if idle.is_none() && current < min {
        out.replicas = min;
        out.scaled = true;
        out.reason = ExecutorReason::RaisedToMin;
        return out;
    }
    out.reason = ExecutorReason::Idle;
    out
}
