//! Resource amounts (`model.ResourceAmount`) and resource lists as the VPA API carries them.

use serde::{Deserialize, Serialize};

use super::{Result, VpaError};
use crate::quantity::Quantity;

/// Largest amount the recommender produces (`MaxResourceAmount` = 1e14).
pub const MAX_RESOURCE_AMOUNT: i64 = 100_000_000_000_000;

/// Float to amount as upstream's `resourceAmountFromFloat`: above 1e14 → 1e14, negative → 0,
/// otherwise truncated toward zero. NaN (which Go converts to a platform-dependent integer)
/// maps to 0.
///
/// ```
/// use tidescale::vpa::resource_amount_from_float;
/// assert_eq!(resource_amount_from_float(100.5), 100);
/// assert_eq!(resource_amount_from_float(1e20), 100_000_000_000_000);
/// ```
pub fn resource_amount_from_float(amount: f64) -> i64 {
    if amount.is_nan() || amount < 0.0 {
        0
    } else if amount > MAX_RESOURCE_AMOUNT as f64 {
        MAX_RESOURCE_AMOUNT
    } else {
        amount as i64 // truncation toward zero, as Go's int64(float64)
    }
}

/// Cores to millicores, truncated (`CPUAmountFromCores`).
///
/// ```
/// assert_eq!(tidescale::vpa::cpu_amount_from_cores(0.2584), 258);
/// ```
pub fn cpu_amount_from_cores(cores: f64) -> i64 {
    resource_amount_from_float(cores * 1000.0)
}

/// Bytes to a memory amount, truncated (`MemoryAmountFromBytes`).
pub fn memory_amount_from_bytes(bytes: f64) -> i64 {
    resource_amount_from_float(bytes)
}

/// Millicores to cores (`CoresFromCPUAmount`).
pub fn cores_from_cpu_amount(millicores: i64) -> f64 {
    millicores as f64 / 1000.0
}

/// Memory amount to bytes (`BytesFromMemoryAmount`).
pub fn bytes_from_memory_amount(bytes: i64) -> f64 {
    bytes as f64
}

/// `ScaleResource(amount, factor)`: the product, clamped and truncated.
///
/// ```
/// assert_eq!(tidescale::vpa::scale_resource(1213, 1.2414), 1505);
/// ```
pub fn scale_resource(amount: i64, factor: f64) -> i64 {
    resource_amount_from_float(amount as f64 * factor)
}

/// `RoundUpToScale`: the next multiple of `scale` (ceil computed in float, as upstream).
///
/// ```
/// assert_eq!(tidescale::vpa::round_up_to_scale(100, 7), Ok(105));
/// assert!(tidescale::vpa::round_up_to_scale(100, 0).is_err());
/// ```
pub fn round_up_to_scale(value: i64, scale: i64) -> Result<i64> {
    if scale <= 0 {
        return Err(VpaError::InvalidScale);
    }
    // Go: int64(math.Ceil(float64(value)/float64(scale))) * scale (wrapping on overflow;
    // tidescale saturates).
    let q = (value as f64 / scale as f64).ceil();
    Ok((q as i64).saturating_mul(scale))
}

/// `HumanizeMemoryQuantity`: `%.2f` with `Ki`/`Mi`/`Gi`/`Ti`, or the plain integer below 1 KiB.
///
/// ```
/// assert_eq!(tidescale::vpa::humanize_memory(839_500_000), "800.61Mi");
/// ```
pub fn humanize_memory(bytes: i64) -> String {
    const KI: i64 = 1024;
    let units = [
        (KI * KI * KI * KI, "Ti"),
        (KI * KI * KI, "Gi"),
        (KI * KI, "Mi"),
        (KI, "Ki"),
    ];
    for (size, suffix) in units {
        if bytes >= size {
            return format!("{:.2}{suffix}", bytes as f64 / size as f64);
        }
    }
    bytes.to_string()
}

/// A resource the VPA manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceName {
    /// `cpu` (millicores).
    Cpu,
    /// `memory` (bytes).
    Memory,
}

impl ResourceName {
    /// Both, in the order tidescale iterates them.
    pub const ALL: [Self; 2] = [Self::Cpu, Self::Memory];

    /// `cpu` / `memory`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Memory => "memory",
        }
    }
}

/// Amounts per resource (`model.Resources`): CPU millicores, memory bytes; `None` = absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Resources {
    /// Millicores.
    pub cpu: Option<i64>,
    /// Bytes.
    pub memory: Option<i64>,
}

impl Resources {
    /// Both resources set.
    pub const fn new(cpu: i64, memory: i64) -> Self {
        Self {
            cpu: Some(cpu),
            memory: Some(memory),
        }
    }

    /// The amount of one resource.
    pub fn get(&self, r: ResourceName) -> Option<i64> {
        match r {
            ResourceName::Cpu => self.cpu,
            ResourceName::Memory => self.memory,
        }
    }

    /// Keeps only the listed resources (`FilterControlledResources`).
    pub fn filter(&self, controlled: &[ResourceName]) -> Self {
        Self {
            cpu: self.cpu.filter(|_| controlled.contains(&ResourceName::Cpu)),
            memory: self
                .memory
                .filter(|_| controlled.contains(&ResourceName::Memory)),
        }
    }

    /// As a Kubernetes resource list, with upstream's optional rounding and humanizing
    /// (`ResourcesAsResourceList`). A scale of 1 (or ≤ 0) leaves values unchanged.
    ///
    /// ```
    /// use tidescale::vpa::Resources;
    /// let rl = Resources::new(1000, 839_500_000).as_resource_list(false, 3, 134_217_728);
    /// assert_eq!(rl.cpu.unwrap().milli_value(), 1002);
    /// assert_eq!(rl.memory.unwrap().value(), 939_524_096);
    /// ```
    pub fn as_resource_list(&self, humanize: bool, round_cpu: i64, round_mem: i64) -> ResourceList {
        let round = |v: i64, k: i64| {
            if k != 1 && v != 0 {
                round_up_to_scale(v, k).unwrap_or(v)
            } else {
                v
            }
        };
        let cpu = self.cpu.map(|v| Quantity::from_milli(round(v, round_cpu)));
        let memory = self.memory.map(|v| {
            let v = round(v, round_mem);
            if humanize && v != 0 {
                humanize_memory(v)
                    .parse::<Quantity>()
                    .unwrap_or_else(|_| Quantity::from_units(v))
            } else {
                Quantity::from_units(v)
            }
        });
        ResourceList { cpu, memory }
    }
}

/// A Kubernetes `ResourceList` restricted to the resources the VPA manages. Other keys
/// (`ephemeral-storage`, extended resources) are ignored when reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ResourceList {
    /// `cpu`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "Cpu")]
    pub cpu: Option<Quantity>,
    /// `memory`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "Memory")]
    pub memory: Option<Quantity>,
}

impl ResourceList {
    /// CPU in millicores and memory in bytes.
    pub fn from_amounts(cpu_millis: Option<i64>, memory_bytes: Option<i64>) -> Self {
        Self {
            cpu: cpu_millis.map(Quantity::from_milli),
            memory: memory_bytes.map(Quantity::from_units),
        }
    }

    /// One resource.
    pub fn get(&self, r: ResourceName) -> Option<Quantity> {
        match r {
            ResourceName::Cpu => self.cpu,
            ResourceName::Memory => self.memory,
        }
    }

    /// One resource, or a zero quantity (Go's `list.Cpu()` / `list.Memory()`).
    pub fn get_or_zero(&self, r: ResourceName) -> Quantity {
        self.get(r).unwrap_or_default()
    }

    /// Sets (or clears) one resource.
    pub fn set(&mut self, r: ResourceName, q: Option<Quantity>) {
        match r {
            ResourceName::Cpu => self.cpu = q,
            ResourceName::Memory => self.memory = q,
        }
    }

    /// Whether no resource is set.
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none()
    }

    /// The set resources, CPU first.
    pub fn iter(&self) -> impl Iterator<Item = (ResourceName, Quantity)> + '_ {
        ResourceName::ALL
            .into_iter()
            .filter_map(|r| self.get(r).map(|q| (r, q)))
    }
}

/// One container's recommendation (`RecommendedContainerResources`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendedContainerResources {
    /// The container this is for.
    #[serde(alias = "Container Name")]
    pub container_name: String,
    /// The recommended requests.
    #[serde(default, alias = "Target")]
    pub target: ResourceList,
    /// The minimum recommended requests.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        alias = "Lower Bound"
    )]
    pub lower_bound: ResourceList,
    /// The maximum recommended requests.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        alias = "Upper Bound"
    )]
    pub upper_bound: ResourceList,
    /// The target before the `containerPolicies` bounds were applied.
    #[serde(
        default,
        skip_serializing_if = "ResourceList::is_empty",
        alias = "Uncapped Target"
    )]
    pub uncapped_target: ResourceList,
}

/// `status.recommendation` (`RecommendedPodResources`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecommendedPodResources {
    /// One entry per container, sorted by name when produced by the recommender.
    #[serde(default, alias = "Container Recommendations")]
    pub container_recommendations: Vec<RecommendedContainerResources>,
}

impl RecommendedPodResources {
    /// The recommendation for one container (`GetRecommendationForContainer`).
    pub fn for_container(&self, name: &str) -> Option<&RecommendedContainerResources> {
        self.container_recommendations
            .iter()
            .find(|c| c.container_name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_truncate_and_clamp() {
        assert_eq!(cpu_amount_from_cores(0.069946), 69);
        assert_eq!(cpu_amount_from_cores(f64::NAN), 0);
        assert_eq!(scale_resource(11, 0.0), 0);
        assert_eq!(scale_resource(5, f64::INFINITY), MAX_RESOURCE_AMOUNT);
        assert_eq!(resource_amount_from_float(-3.0), 0);
    }

    #[test]
    fn humanize() {
        assert_eq!(humanize_memory(1024), "1.00Ki");
        assert_eq!(humanize_memory(1537), "1.50Ki");
        assert_eq!(humanize_memory(15_530_468_536), "14.46Gi");
        assert_eq!(humanize_memory(1000), "1000");
    }
}
