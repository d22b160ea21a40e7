//! A model's memory: KV-cache bytes per token from its Hugging Face `config.json` (GQA/MQA
//! aware), and how many sequences fit in a GPU's KV budget with 16-token paged blocks.
//!
//! ```
//! use tidescale::capacity::model::{KvDtype, ModelConfig};
//! // Llama-3-8B: 32 layers, 8 KV heads (GQA), hidden 4096 / 32 heads = head_dim 128.
//! let m = ModelConfig { hidden_size: Some(4096), num_attention_heads: Some(32),
//!     num_key_value_heads: Some(8), num_hidden_layers: Some(32), ..Default::default() };
//! assert_eq!(m.kv_bytes_per_token(KvDtype::Bf16)?, 131_072); // 128 KiB
//! assert_eq!(m.kv_bytes_per_token(KvDtype::Fp8)?, 65_536);
//! # Ok::<(), tidescale::capacity::CapacityError>(())
//! ```

use serde::{Deserialize, Serialize};

use super::CapacityError;

/// vLLM's default paged-attention block size, in tokens.
pub const DEFAULT_BLOCK_SIZE: u32 = 16;

/// The attention fields of a Hugging Face `config.json`; other fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// `hidden_size`.
    pub hidden_size: Option<u64>,
    /// `num_attention_heads`.
    pub num_attention_heads: Option<u64>,
    /// `num_key_value_heads` (absent: multi-head attention, as many KV heads as heads).
    pub num_key_value_heads: Option<u64>,
    /// `num_hidden_layers`.
    pub num_hidden_layers: Option<u64>,
    /// `head_dim`, when published (Gemma 2/3, Qwen3): it wins over `hidden/heads`.
    pub head_dim: Option<u64>,
    /// `torch_dtype` (`"bfloat16"`, `"float16"`, ...): the `auto` KV dtype.
    pub torch_dtype: Option<String>,
}

/// The KV-cache element type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum KvDtype {
    /// IEEE half, 2 bytes.
    Fp16,
    /// bfloat16, 2 bytes.
    Bf16,
    /// FP8 (E4M3 or E5M2), 1 byte.
    Fp8,
    /// float32, 4 bytes.
    Fp32,
}

impl KvDtype {
    /// Bytes per element.
    pub fn bytes(self) -> u64 {
        match self {
            Self::Fp8 => 1,
            Self::Fp16 | Self::Bf16 => 2,
            Self::Fp32 => 4,
        }
    }

    /// Parses vLLM's `--kv-cache-dtype` and `torch_dtype` spellings (`"float16"`, `"bf16"`,
    /// `"fp8"`, `"fp8_e4m3"`, `"float32"`, ...). `None` for an unknown name.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "float16" | "fp16" | "half" => Some(Self::Fp16),
            "bfloat16" | "bf16" => Some(Self::Bf16),
            "fp8" | "fp8_e4m3" | "fp8_e5m2" | "float8_e4m3fn" | "float8_e5m2" => Some(Self::Fp8),
            "float32" | "fp32" | "float" => Some(Self::Fp32),
            _ => None,
        }
    }
}

fn need(v: Option<u64>, field: &'static str) -> Result<u64, CapacityError> {
    match v {
        Some(0) => Err(CapacityError::InvalidValue {
            field,
            reason: "0".into(),
        }),
        Some(x) => Ok(x),
        None => Err(CapacityError::MissingField { field }),
    }
}

impl ModelConfig {
    /// Parses the `config.json` text of a Hugging Face model.
    #[cfg(feature = "parse")]
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        serde_json::from_str(text).map_err(|e| crate::Error::invalid("config.json", e.to_string()))
    }

    /// `head_dim`, else `hidden_size / num_attention_heads` (which must divide evenly).
    pub fn head_dim(&self) -> Result<u64, CapacityError> {
        if let Some(h) = self.head_dim {
            return need(Some(h), "head_dim");
        }
        let hidden = need(self.hidden_size, "hidden_size")?;
        let heads = need(self.num_attention_heads, "num_attention_heads")?;
        if hidden % heads != 0 {
            return Err(CapacityError::InvalidValue {
                field: "hidden_size",
                reason: format!("{hidden} is not a multiple of num_attention_heads {heads}"),
            });
        }
        Ok(hidden / heads)
    }

    /// `num_key_value_heads`, else `num_attention_heads` (MHA).
    pub fn kv_heads(&self) -> Result<u64, CapacityError> {
        match self.num_key_value_heads {
            Some(k) => need(Some(k), "num_key_value_heads"),
            None => need(self.num_attention_heads, "num_attention_heads"),
        }
    }

    /// The `auto` KV dtype: `torch_dtype`, or bfloat16 when absent.
    pub fn auto_kv_dtype(&self) -> Result<KvDtype, CapacityError> {
        match &self.torch_dtype {
            None => Ok(KvDtype::Bf16),
            Some(s) => KvDtype::parse(s).ok_or_else(|| CapacityError::InvalidValue {
                field: "torch_dtype",
                reason: format!("unknown dtype {s:?}"),
            }),
        }
    }

    /// The KV dtype named `name` (`"auto"`: the model's own, see [`Self::auto_kv_dtype`]).
    pub fn kv_dtype(&self, name: &str) -> Result<KvDtype, CapacityError> {
        if name.eq_ignore_ascii_case("auto") {
            return self.auto_kv_dtype();
        }
        KvDtype::parse(name).ok_or_else(|| CapacityError::InvalidValue {
            field: "kvCacheDtype",
            reason: format!("unknown dtype {name:?}"),
        })
    }

    /// `2 (K and V) × layers × kv_heads × head_dim × bytes per element`.
    pub fn kv_bytes_per_token(&self, dtype: KvDtype) -> Result<u64, CapacityError> {
        self.kv_bytes_per_token_with(dtype.bytes())
    }

    /// As [`Self::kv_bytes_per_token`], with an explicit element size in bytes.
    pub fn kv_bytes_per_token_with(&self, bytes_per_element: u64) -> Result<u64, CapacityError> {
        if bytes_per_element == 0 {
            return Err(CapacityError::InvalidValue {
                field: "bytesPerElement",
                reason: "0".into(),
            });
        }
        let layers = need(self.num_hidden_layers, "num_hidden_layers")?;
        let per = [
            2,
            layers,
            self.kv_heads()?,
            self.head_dim()?,
            bytes_per_element,
        ]
        .into_iter()
        .try_fold(1u64, u64::checked_mul);
        per.ok_or(CapacityError::InvalidValue {
            field: "num_hidden_layers",
            reason: "KV bytes per token overflow u64".into(),
        })
    }
}

/// How many sequences fit in one GPU's KV budget (vLLM's paged allocator, no TP).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct KvFit {
    /// KV bytes per token.
    pub bytes_per_token: u64,
    /// `ceil(tokens / block_size)`.
    pub blocks_per_sequence: u64,
    /// `bytes_per_token × block_size × blocks_per_sequence`.
    pub bytes_per_sequence: u64,
    /// `floor(gpu_memory × gpu_memory_utilization − weights)`: negative when the weights alone
    /// do not fit.
    pub kv_budget_bytes_floor: i64,
    /// `max(0, floor(budget / (bytes_per_token × block_size)))`.
    pub num_gpu_blocks: u64,
    /// `max(0, floor(budget / bytes_per_sequence))`.
    pub max_concurrent_sequences: u64,
}

impl KvFit {
    /// Whether the weights fit and leave room for at least one sequence.
    pub fn fits(&self) -> bool {
        self.max_concurrent_sequences > 0
    }
}

/// KV-bound concurrency of one GPU: `gpu_memory_utilization` (vLLM default 0.9) of
/// `gpu_memory_bytes` minus `weight_bytes` is the KV budget, allocated in blocks of
/// `block_size` tokens.
///
/// ```
/// use tidescale::capacity::model::kv_fit;
/// // Llama-2-7B fp16 (512 KiB/token), 80 GiB at 0.9, 13.48 GB of weights, 4096-token sequences.
/// let f = kv_fit(524_288, 85_899_345_920, 0.9, 13_476_839_424, 4096, 16)?;
/// assert_eq!((f.num_gpu_blocks, f.max_concurrent_sequences), (7609, 29));
/// # Ok::<(), tidescale::capacity::CapacityError>(())
/// ```
pub fn kv_fit(
    bytes_per_token: u64,
    gpu_memory_bytes: u64,
    gpu_memory_utilization: f64,
    weight_bytes: u64,
    tokens_per_sequence: u64,
    block_size: u32,
) -> Result<KvFit, CapacityError> {
    if !(gpu_memory_utilization > 0.0 && gpu_memory_utilization <= 1.0) {
        return Err(CapacityError::InvalidValue {
            field: "gpuMemoryUtilization",
            reason: format!("{gpu_memory_utilization} is not in (0, 1]"),
        });
    }
    for (field, v) in [
        ("bytesPerToken", bytes_per_token),
        ("gpuMemoryBytes", gpu_memory_bytes),
        ("tokensPerSequence", tokens_per_sequence),
        ("blockSize", u64::from(block_size)),
    ] {
        if v == 0 {
            return Err(CapacityError::InvalidValue {
                field,
                reason: "0".into(),
            });
        }
    }
    let block = u64::from(block_size);
    let blocks_per_sequence = tokens_per_sequence.div_ceil(block);
    let overflow = |field| CapacityError::InvalidValue {
        field,
        reason: "overflows u64".into(),
    };
    let bytes_per_block = bytes_per_token
        .checked_mul(block)
        .ok_or(overflow("bytesPerToken"))?;
    let bytes_per_sequence = bytes_per_block
        .checked_mul(blocks_per_sequence)
        .ok_or(overflow("tokensPerSequence"))?;
    // The budget in IEEE doubles, as vLLM computes it (u64 -> f64 as Python's int * float).
    let budget = gpu_memory_bytes as f64 * gpu_memory_utilization - weight_bytes as f64;
    let floor_div = |d: u64| -> u64 {
        if budget <= 0.0 {
            0
        } else {
            // Saturating float -> int, as a count can never exceed u64 here in practice.
            (budget / d as f64).floor() as u64
        }
    };
    Ok(KvFit {
        bytes_per_token,
        blocks_per_sequence,
        bytes_per_sequence,
        kv_budget_bytes_floor: budget.floor() as i64,
        num_gpu_blocks: floor_div(bytes_per_block),
        max_concurrent_sequences: floor_div(bytes_per_sequence),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(hidden: u64, heads: u64, kv: Option<u64>, layers: u64, hd: Option<u64>) -> ModelConfig {
        ModelConfig {
            hidden_size: Some(hidden),
            num_attention_heads: Some(heads),
            num_key_value_heads: kv,
            num_hidden_layers: Some(layers),
            head_dim: hd,
            torch_dtype: None,
        }
    }

    #[test]
    fn published_shapes() {
        // Llama-2-7B (MHA), fp16: 512 KiB per token.
        assert_eq!(
            cfg(4096, 32, None, 32, None)
                .kv_bytes_per_token(KvDtype::Fp16)
                .unwrap(),
            524_288
        );
        // Llama-2-70B (GQA 8): 320 KiB.
        assert_eq!(
            cfg(8192, 64, Some(8), 80, None)
                .kv_bytes_per_token(KvDtype::Bf16)
                .unwrap(),
            327_680
        );
        // Gemma-2-9B publishes head_dim 256 (hidden/heads would be 224).
        let g = cfg(3584, 16, Some(8), 42, Some(256));
        assert_eq!(g.head_dim().unwrap(), 256);
    }

    #[test]
    fn missing_fields_are_named() {
        let mut m = cfg(4096, 32, None, 32, None);
        m.num_hidden_layers = None;
        assert_eq!(
            m.kv_bytes_per_token(KvDtype::Fp16),
            Err(CapacityError::MissingField {
                field: "num_hidden_layers"
            })
        );
        let odd = cfg(4097, 32, None, 32, None);
        assert!(matches!(
            odd.head_dim(),
            Err(CapacityError::InvalidValue {
                field: "hidden_size",
                ..
            })
        ));
    }

    #[test]
    fn weights_that_do_not_fit() {
        // 10 GB of weights on a 8 GiB card at 0.9: negative budget, nothing fits.
        let f = kv_fit(131_072, 8 << 30, 0.9, 10_000_000_000, 2048, 16).unwrap();
        assert!(f.kv_budget_bytes_floor < 0);
        assert!(!f.fits());
        assert_eq!(f.num_gpu_blocks, 0);
        assert!(kv_fit(1, 1, f64::NAN, 0, 1, 16).is_err());
    }

    #[test]
    fn a_4097_token_sequence_needs_257_blocks() {
        let f = kv_fit(131_072, 80 << 30, 0.9, 16 << 30, 4097, 16).unwrap();
        assert_eq!(f.blocks_per_sequence, 257);
    }
}
