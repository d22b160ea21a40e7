//! HPA status conditions and their reasons, with the exact Kubernetes strings.

use serde::{Deserialize, Serialize};

/// `status.conditions[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionType {
    /// The controller can read and update the scale.
    AbleToScale,
    /// Metrics could be computed.
    ScalingActive,
    /// The desired count was clamped.
    ScalingLimited,
    /// (newest master) the HPA itself scaled the target to zero.
    ScaledToZero,
}

impl ConditionType {
    /// The Kubernetes spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AbleToScale => "AbleToScale",
            Self::ScalingActive => "ScalingActive",
            Self::ScalingLimited => "ScalingLimited",
            Self::ScaledToZero => "ScaledToZero",
        }
    }
}

/// `True` / `False` / `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// It does not.
    False,
    /// Not known.
    Unknown,
}

impl ConditionStatus {
    /// The Kubernetes spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::True => "True",
            Self::False => "False",
            Self::Unknown => "Unknown",
        }
    }
}

macro_rules! reasons {
    ($($(#[$m:meta])* $v:ident = $code:literal,)*) => {
        /// Every reason the HPA controller writes into a condition. The numeric code is stable
        /// (the C ABI exposes it) and never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[repr(u32)]
        pub enum Reason {
            $($(#[$m])* $v = $code,)*
        }

        impl Reason {
            /// The exact Kubernetes reason string.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$v => stringify!($v),)* }
            }

            /// The stable numeric code.
            pub const fn code(self) -> u32 {
                self as u32
            }

            /// The reason for a stable numeric code.
            pub fn from_code(code: u32) -> Option<Self> {
                match code { $($code => Some(Self::$v),)* _ => None }
            }

            /// Parses the Kubernetes reason string.
            ///
            /// ```
            /// use tidescale::hpa::Reason;
            /// assert_eq!(Reason::parse("ScaleUpLimit"), Some(Reason::ScaleUpLimit));
            /// ```
            pub fn parse(s: &str) -> Option<Self> {
                match s { $(stringify!($v) => Some(Self::$v),)* _ => None }
            }
        }
    };
}

reasons! {
    /// AbleToScale=True: the scale subresource was read.
    SucceededGetScale = 1,
    /// AbleToScale=False: the scale subresource could not be read.
    FailedGetScale = 2,
    /// AbleToScale=True: stabilization did not change the recommendation.
    ReadyForNewScale = 3,
    /// AbleToScale=True: a higher recent recommendation held the scale down.
    ScaleDownStabilized = 4,
    /// AbleToScale=True: a lower recent recommendation held the scale up.
    ScaleUpStabilized = 5,
    /// AbleToScale=True: the scale was updated.
    SucceededRescale = 6,
    /// AbleToScale=False: the scale update failed.
    FailedUpdateScale = 7,
    /// ScalingActive=True: at least one metric gave a proposal.
    ValidMetricFound = 8,
    /// ScalingActive=False: the target is at zero replicas and scaling is disabled.
    ScalingDisabled = 9,
    /// ScalingActive=False: the selector is empty or unparsable.
    InvalidSelector = 10,
    /// ScalingActive=False: pods are matched by more than one HPA.
    AmbiguousSelector = 11,
    /// ScalingActive=False: a Resource metric failed.
    FailedGetResourceMetric = 12,
    /// ScalingActive=False: a ContainerResource metric failed.
    FailedGetContainerResourceMetric = 13,
    /// ScalingActive=False: a Pods metric failed.
    FailedGetPodsMetric = 14,
    /// ScalingActive=False: an Object metric failed.
    FailedGetObjectMetric = 15,
    /// ScalingActive=False: an External metric failed.
    FailedGetExternalMetric = 16,
    /// ScalingActive=False: the metric source type is not known.
    InvalidMetricSourceType = 17,
    /// ScalingLimited=False: no bound applied.
    DesiredWithinRange = 18,
    /// ScalingLimited=True: clamped to maxReplicas.
    TooManyReplicas = 19,
    /// ScalingLimited=True: clamped to minReplicas.
    TooFewReplicas = 20,
    /// ScalingLimited=True: a scale-up policy (or the legacy cap) limited the change.
    ScaleUpLimit = 21,
    /// ScalingLimited=True: a scale-down policy limited the change.
    ScaleDownLimit = 22,
    /// ScaledToZero=True (newest master).
    ScaledToZero = 23,
    /// ScaledToZero=False (newest master).
    NotScaledToZero = 24,
}

/// One status condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Which condition.
    #[serde(rename = "type")]
    pub type_: ConditionType,
    /// True / False / Unknown.
    pub status: ConditionStatus,
    /// Why.
    pub reason: Reason,
    /// Human-readable detail, in the controller's words.
    #[serde(default)]
    pub message: std::borrow::Cow<'static, str>,
}

/// Sets `cond` in `list`: replaces the entry of the same type in place, or appends it, keeping
/// the first-insertion order Kubernetes keeps.
pub fn set_condition(list: &mut Vec<Condition>, cond: Condition) {
    if let Some(c) = list.iter_mut().find(|c| c.type_ == cond.type_) {
        *c = cond;
    } else {
        list.push(cond);
    }
}
