//! `prometheus`: one instant-query result against a float threshold (spec §1.6).
//!
//! The host runs `GET <serverAddress>/api/v1/query?query=<q>&time=<now>` and passes the HTTP
//! status and the decoded body ([`PrometheusResponse`], plain serde); tidescale applies KEDA's
//! rules for empty, multiple, null and non-finite results.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Meta, ScalerReading};
use crate::keda::KedaError;
use crate::keda::goparse::{go_parse_float, metric_milli, normalize_metric_name};

const SCALER: &str = "prometheus";

/// Parsed `prometheus` trigger metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusMetadata {
    /// `serverAddress`.
    pub server_address: String,
    /// `query`.
    pub query: String,
    /// `threshold` (required float): the target.
    pub threshold: f64,
    /// `activationThreshold`, default 0 (may be negative).
    pub activation_threshold: f64,
    /// `ignoreNullValues`, default true.
    pub ignore_null_values: bool,
    /// `namespace`, sent as a query parameter.
    pub namespace: Option<String>,
}

impl PrometheusMetadata {
    /// Parses the metadata. `metricName` (removed in KEDA v2.12) is accepted and ignored.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let md: BTreeMap<String, String> = [("serverAddress", "http://p:9090"), ("query", "up"),
    ///     ("threshold", "100"), ("activationThreshold", "one")]
    ///     .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// assert!(tidescale::keda::scalers::PrometheusMetadata::parse(&md).is_err());
    /// ```
    pub fn parse(metadata: &BTreeMap<String, String>) -> Result<Self, KedaError> {
        let m = Meta {
            scaler: SCALER,
            map: metadata,
        };
        Ok(Self {
            server_address: m.required("serverAddress")?.to_owned(),
            query: m.required("query")?.to_owned(),
            threshold: m.float("threshold", None)?,
            activation_threshold: m.float("activationThreshold", Some(0.0))?,
            ignore_null_values: m.bool("ignoreNullValues", true)?,
            namespace: m.get("namespace").map(str::to_owned),
        })
    }

    /// Always `s<i>-prometheus`.
    pub fn metric_name(trigger_index: usize) -> String {
        normalize_metric_name(&format!("s{trigger_index}-prometheus"))
    }

    /// Value and activity from one query answer. The metric sent to the HPA is 0 for a negative
    /// value, while activation compares the raw value.
    pub fn evaluate(
        &self,
        status: u16,
        body: &PrometheusResponse,
    ) -> Result<ScalerReading, KedaError> {
        let v = query_value(status, body, self.ignore_null_values)?;
        Ok(ScalerReading {
            raw: v,
            metric_milli: metric_milli(v),
            is_active: v > self.activation_threshold,
        })
    }
}

/// A scalar inside a Prometheus `value` pair: `[<unix time>, "<value>"]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum PromScalar {
    /// A JSON string (the sample value is always one).
    Str(String),
    /// A JSON number (the timestamp).
    Num(f64),
    /// A JSON bool.
    Bool(bool),
    /// `null`.
    Null,
}

/// One element of `data.result`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PromSample {
    /// Series labels.
    #[serde(default)]
    pub metric: BTreeMap<String, String>,
    /// `[time, "value"]`.
    #[serde(default)]
    pub value: Vec<PromScalar>,
}

/// `data` of a query answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromData {
    /// `vector`, `scalar`, ...
    #[serde(default)]
    pub result_type: String,
    /// The samples.
    #[serde(default)]
    pub result: Vec<PromSample>,
}

/// The body of `/api/v1/query`, as KEDA decodes it (missing fields are empty).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct PrometheusResponse {
    /// `status`.
    #[serde(default)]
    pub status: String,
    /// `data`.
    #[serde(default)]
    pub data: PromData,
}

/// KEDA's `ExecutePromQuery` result handling: non-2xx is an error; no result is 0 with
/// `ignoreNullValues` (error otherwise); several results are an error; an empty value list is
/// like no result; a one-element value list is an error; element `[1]` parses as a Go float;
/// ±Inf/NaN give 0 with `ignoreNullValues` (error otherwise). Upstream pairs every error with
/// the value -1.
///
/// ```
/// use tidescale::keda::scalers::prometheus::{query_value, PrometheusResponse};
/// assert_eq!(query_value(200, &PrometheusResponse::default(), true).unwrap(), 0.0);
/// assert!(query_value(200, &PrometheusResponse::default(), false).is_err());
/// ```
pub fn query_value(
    status: u16,
    body: &PrometheusResponse,
    ignore_null: bool,
) -> Result<f64, KedaError> {
    let err = |reason: String| KedaError::Scaler {
        scaler: SCALER,
        reason,
    };
    if !(200..=299).contains(&status) {
        return Err(err(format!(
            "prometheus query returned HTTP status {status}"
        )));
    }
    let sample = match body.data.result.as_slice() {
        [] if ignore_null => return Ok(0.0),
        [] => return Err(err("the result is empty (target may be lost)".to_owned())),
        [one] => one,
        _ => return Err(err("the query returned multiple elements".to_owned())),
    };
    let v = match sample.value.as_slice() {
        [] if ignore_null => return Ok(0.0),
        [] => {
            return Err(err(
                "the value list is empty (target may be lost)".to_owned()
            ));
        }
        [_] => return Err(err("the query did not return enough values".to_owned())),
        [_, val, ..] => match val {
            PromScalar::Null => 0.0,
            PromScalar::Str(s) => go_parse_float(s)
                .ok_or_else(|| err(format!("sample value {s:?} is not a float")))?,
            // Upstream type-asserts a string here (and would panic): report an error instead.
            other => return Err(err(format!("sample value {other:?} is not a string"))),
        },
    };
    if !v.is_finite() {
        if ignore_null {
            return Ok(0.0);
        }
        return Err(err(format!("prometheus query returns {v}")));
    }
    Ok(v)
}
