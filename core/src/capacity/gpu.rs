//! A small catalog of datacenter GPUs with the vendors' published figures.
//!
//! Figures are per GPU, **dense** (the datasheets' "with sparsity" tensor figures halved, as
//! their footnotes state). A figure the vendor does not publish is `None`, never guessed; no
//! prices are included (no published on-demand figure was verified for this catalog).
//!
//! ```
//! use tidescale::capacity::gpu::{self, Gpu};
//! let h100 = gpu::find("H100-SXM").unwrap();
//! assert_eq!(h100.memory_gb, 80.0);
//! assert_eq!(h100.dense_fp8_tflops, Some(1979.0));
//! assert!(gpu::find("A100-40GB").unwrap().dense_fp8_tflops.is_none()); // no FP8 on Ampere
//! ```

/// One GPU model's published figures.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Gpu {
    /// Catalog name (`"H100-SXM"`).
    pub name: &'static str,
    /// Memory as the vendor states it, in GB (the device reports its own byte total; pass that
    /// to [`super::model::kv_fit`] when exactness matters).
    pub memory_gb: f64,
    /// Memory bandwidth, GB/s (`None`: not published by the vendor).
    pub memory_bandwidth_gb_s: Option<f64>,
    /// Dense FP16/BF16 tensor TFLOPS.
    pub dense_bf16_tflops: Option<f64>,
    /// Dense FP8 tensor TFLOPS (`None`: no FP8 tensor cores or not published).
    pub dense_fp8_tflops: Option<f64>,
    /// Where the figures come from.
    pub source: &'static str,
}

impl Gpu {
    /// Nominal memory in bytes (`memory_gb × 10^9`); a lower bound for the NVIDIA parts, whose
    /// "80GB" is 80 GiB or slightly less as reported.
    pub fn nominal_memory_bytes(&self) -> u64 {
        (self.memory_gb * 1e9) as u64
    }
}

/// The catalog.
pub const CATALOG: &[Gpu] = &[
    Gpu {
        name: "A10G",
        memory_gb: 24.0,
        memory_bandwidth_gb_s: None,
        dense_bf16_tflops: None,
        dense_fp8_tflops: None,
        source: "AWS EC2 G5 instance page (24 GB per A10G); NVIDIA publishes no A10G datasheet",
    },
    Gpu {
        name: "L4",
        memory_gb: 24.0,
        memory_bandwidth_gb_s: Some(300.0),
        dense_bf16_tflops: Some(121.0),
        dense_fp8_tflops: Some(242.5),
        source: "NVIDIA L4 datasheet (242 / 485 TFLOPS with sparsity)",
    },
    Gpu {
        name: "L40S",
        memory_gb: 48.0,
        memory_bandwidth_gb_s: Some(864.0),
        dense_bf16_tflops: Some(362.05),
        dense_fp8_tflops: Some(733.0),
        source: "NVIDIA L40S datasheet",
    },
    Gpu {
        name: "A100-40GB",
        memory_gb: 40.0,
        memory_bandwidth_gb_s: Some(1555.0),
        dense_bf16_tflops: Some(312.0),
        dense_fp8_tflops: None,
        source: "NVIDIA A100 datasheet (SXM, 40GB HBM2)",
    },
    Gpu {
        name: "A100-80GB",
        memory_gb: 80.0,
        memory_bandwidth_gb_s: Some(2039.0),
        dense_bf16_tflops: Some(312.0),
        dense_fp8_tflops: None,
        source: "NVIDIA A100 datasheet (SXM, 80GB HBM2e)",
    },
    Gpu {
        name: "H100-SXM",
        memory_gb: 80.0,
        memory_bandwidth_gb_s: Some(3350.0),
        dense_bf16_tflops: Some(989.5),
        dense_fp8_tflops: Some(1979.0),
        source: "NVIDIA H100 datasheet (SXM; 1979 / 3958 TFLOPS with sparsity)",
    },
    Gpu {
        name: "H100-PCIe",
        memory_gb: 80.0,
        memory_bandwidth_gb_s: Some(2000.0),
        dense_bf16_tflops: Some(756.5),
        dense_fp8_tflops: Some(1513.0),
        source: "NVIDIA H100 datasheet (PCIe; 1513 / 3026 TFLOPS with sparsity)",
    },
    Gpu {
        name: "H200",
        memory_gb: 141.0,
        memory_bandwidth_gb_s: Some(4800.0),
        dense_bf16_tflops: Some(989.5),
        dense_fp8_tflops: Some(1979.0),
        source: "NVIDIA H200 datasheet (SXM)",
    },
    Gpu {
        name: "B200",
        memory_gb: 180.0,
        memory_bandwidth_gb_s: Some(8000.0),
        dense_bf16_tflops: Some(2250.0),
        dense_fp8_tflops: Some(4500.0),
        source: "NVIDIA HGX B200 specifications (8 GPUs: 1.44 TB, 36 / 72 PFLOPS FP16 / FP8 with sparsity), per GPU",
    },
    Gpu {
        name: "MI300X",
        memory_gb: 192.0,
        memory_bandwidth_gb_s: Some(5300.0),
        dense_bf16_tflops: Some(1307.4),
        dense_fp8_tflops: Some(2614.9),
        source: "AMD Instinct MI300X datasheet",
    },
];

/// A catalog GPU by name (case-insensitive).
pub fn find(name: &str) -> Option<&'static Gpu> {
    CATALOG.iter().find(|g| g.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_are_unique_and_figures_positive() {
        for (i, g) in CATALOG.iter().enumerate() {
            assert!(CATALOG.iter().skip(i + 1).all(|h| h.name != g.name));
            assert!(g.memory_gb > 0.0);
            for v in [
                g.memory_bandwidth_gb_s,
                g.dense_bf16_tflops,
                g.dense_fp8_tflops,
            ]
            .into_iter()
            .flatten()
            {
                assert!(v > 0.0);
            }
        }
        assert_eq!(find("mi300x").map(|g| g.memory_gb), Some(192.0));
        assert!(find("H300").is_none());
    }
}
