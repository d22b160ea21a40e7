//! `v1.ResourceList`: a container's (or pod's) resource requests by resource name.
//!
//! The HPA reads `cpu` (and sometimes `memory`) requests once per pod per metric on every
//! sync, so those two are plain fields; any other resource (`nvidia.com/gpu`,
//! `ephemeral-storage`, ...) lives in a map. The type behaves as the name → quantity map it
//! stands for: it (de)serializes as one (`{"cpu": "500m", "memory": "1Gi"}`), iterates in name
//! order and compares by content.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Quantity;

/// Resource quantities by name (`cpu`, `memory`, `nvidia.com/gpu`, ...), as Kubernetes'
/// `ResourceList`.
///
/// ```
/// use tidescale::{Quantity, hpa::ResourceList};
/// let mut r = ResourceList::new();
/// r.insert("cpu", Quantity::from_milli(500));
/// r.insert("nvidia.com/gpu", Quantity::from_milli(1000));
/// assert_eq!(r.get("cpu").map(Quantity::milli_value), Some(500));
/// assert_eq!(r.len(), 2);
/// // the same list, built from pairs or a map
/// let same: ResourceList = [("nvidia.com/gpu", "1"), ("cpu", "500m")]
///     .into_iter()
///     .map(|(k, v)| (k.to_owned(), v.parse::<Quantity>().unwrap()))
///     .collect();
/// assert_eq!(r, same);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceList {
    cpu: Option<Quantity>,
    memory: Option<Quantity>,
    other: BTreeMap<String, Quantity>,
}

impl ResourceList {
    /// An empty list.
    pub const fn new() -> Self {
        Self {
            cpu: None,
            memory: None,
            other: BTreeMap::new(),
        }
    }

    /// The quantity of `resource`, if set.
    #[inline]
    pub fn get(&self, resource: &str) -> Option<&Quantity> {
        match resource {
            "cpu" => self.cpu.as_ref(),
            "memory" => self.memory.as_ref(),
            _ => self.other.get(resource),
        }
    }

    /// Sets `resource` to `quantity`, returning the previous quantity.
    pub fn insert(&mut self, resource: impl Into<String>, quantity: Quantity) -> Option<Quantity> {
        let resource = resource.into();
        match resource.as_str() {
            "cpu" => self.cpu.replace(quantity),
            "memory" => self.memory.replace(quantity),
            _ => self.other.insert(resource, quantity),
        }
    }

    /// Removes `resource`, returning its quantity.
    pub fn remove(&mut self, resource: &str) -> Option<Quantity> {
        match resource {
            "cpu" => self.cpu.take(),
            "memory" => self.memory.take(),
            _ => self.other.remove(resource),
        }
    }

    /// Removes every resource.
    pub fn clear(&mut self) {
        *self = Self::new();
    }

    /// The number of resources set.
    pub fn len(&self) -> usize {
        usize::from(self.cpu.is_some()) + usize::from(self.memory.is_some()) + self.other.len()
    }

    /// Whether no resource is set.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `(name, quantity)` pairs in name order, as the map would give them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Quantity)> {
        self.to_map().into_iter()
    }

    /// The list as a name-ordered map of borrowed entries.
    fn to_map(&self) -> BTreeMap<&str, &Quantity> {
        let named = [("cpu", self.cpu.as_ref()), ("memory", self.memory.as_ref())];
        named
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .chain(self.other.iter().map(|(k, v)| (k.as_str(), v)))
            .collect()
    }
}

impl FromIterator<(String, Quantity)> for ResourceList {
    fn from_iter<I: IntoIterator<Item = (String, Quantity)>>(iter: I) -> Self {
        let mut r = Self::new();
        for (k, v) in iter {
            r.insert(k, v);
        }
        r
    }
}

impl From<BTreeMap<String, Quantity>> for ResourceList {
    fn from(map: BTreeMap<String, Quantity>) -> Self {
        map.into_iter().collect()
    }
}

impl From<&BTreeMap<String, Quantity>> for ResourceList {
    fn from(map: &BTreeMap<String, Quantity>) -> Self {
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

impl From<ResourceList> for BTreeMap<String, Quantity> {
    fn from(list: ResourceList) -> Self {
        list.iter().map(|(k, v)| (k.to_owned(), *v)).collect()
    }
}

impl Serialize for ResourceList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ResourceList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, Quantity>::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        s.parse().unwrap()
    }

    #[test]
    fn behaves_as_the_map() {
        let mut r = ResourceList::new();
        assert!(r.is_empty());
        assert_eq!(r.insert("memory", q("1Gi")), None);
        assert_eq!(r.insert("cpu", q("250m")), None);
        assert_eq!(r.insert("cpu", q("500m")), Some(q("250m")));
        r.insert("amd.com/gpu", q("1"));
        r.insert("nvidia.com/gpu", q("2"));
        let names: Vec<&str> = r.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["amd.com/gpu", "cpu", "memory", "nvidia.com/gpu"]);
        assert_eq!(r.get("cpu"), Some(&q("500m")));
        assert_eq!(r.get("nvidia.com/gpu"), Some(&q("2")));
        assert_eq!(r.get("gpu"), None);
        assert_eq!(r.remove("memory"), Some(q("1Gi")));
        assert_eq!(r.len(), 3);
        let map: BTreeMap<String, Quantity> = r.clone().into();
        assert_eq!(ResourceList::from(map), r);
        r.clear();
        assert!(r.is_empty());
    }

    #[cfg(feature = "parse")]
    #[test]
    fn serializes_as_the_map_it_stands_for() {
        let text =
            r#"{"cpu":"500m","ephemeral-storage":"1Gi","memory":"2Gi","nvidia.com/gpu":"1"}"#;
        let r: ResourceList = serde_json::from_str(text).unwrap();
        assert_eq!(r.get("memory"), Some(&q("2Gi")));
        assert_eq!(serde_json::to_string(&r).unwrap(), text);
        let map: BTreeMap<String, Quantity> = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&map).unwrap(), text);
    }
}
