//! `aws-sqs-queue`: the queue length is the sum of the requested queue attributes (spec §1.6).

use std::collections::BTreeMap;

use super::{Meta, ScalerReading};
use crate::keda::KedaError;
use crate::keda::goparse::{go_parse_int, metric_milli, normalize_metric_name};

const SCALER: &str = "aws-sqs-queue";

/// `ApproximateNumberOfMessages`: visible messages, always counted.
pub const VISIBLE: &str = "ApproximateNumberOfMessages";
/// `ApproximateNumberOfMessagesNotVisible`: in flight, counted when `scaleOnInFlight`.
pub const IN_FLIGHT: &str = "ApproximateNumberOfMessagesNotVisible";
/// `ApproximateNumberOfMessagesDelayed`: delayed, counted when `scaleOnDelayed`.
pub const DELAYED: &str = "ApproximateNumberOfMessagesDelayed";

/// Parsed `aws-sqs-queue` trigger metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsMetadata {
    /// `queueURL` as written.
    pub queue_url: String,
    /// The queue name: third path segment of the URL, or the value itself if not a URL.
    pub queue_name: String,
    /// `queueLength`: the AverageValue target, default 5.
    pub queue_length: i64,
    /// `activationQueueLength`, default 0.
    pub activation_queue_length: i64,
    /// `scaleOnInFlight`, default true.
    pub scale_on_in_flight: bool,
    /// `scaleOnDelayed`, default false.
    pub scale_on_delayed: bool,
    /// `awsRegion`.
    pub aws_region: Option<String>,
}

impl SqsMetadata {
    /// Parses the trigger metadata (`queueURL` is required).
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// let md: BTreeMap<String, String> = [
    ///     ("queueURL", "https://sqs.eu-west-1.amazonaws.com/123/jobs"), ("queueLength", "30"),
    /// ].into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    /// let m = tidescale::keda::scalers::SqsMetadata::parse(&md).unwrap();
    /// assert_eq!((m.queue_name.as_str(), m.queue_length, m.scale_on_in_flight), ("jobs", 30, true));
    /// ```
    pub fn parse(metadata: &BTreeMap<String, String>) -> Result<Self, KedaError> {
        let m = Meta {
            scaler: SCALER,
            map: metadata,
        };
        let queue_url = m.required("queueURL")?.to_owned();
        let queue_name = queue_name_of(&queue_url).ok_or_else(|| {
            m.err(
                "queueURL",
                &queue_url,
                "cannot get the queue name from the URL",
            )
        })?;
        Ok(Self {
            queue_name,
            queue_length: m.int("queueLength", Some(5))?,
            activation_queue_length: m.int("activationQueueLength", Some(0))?,
            scale_on_in_flight: m.bool("scaleOnInFlight", true)?,
            scale_on_delayed: m.bool("scaleOnDelayed", false)?,
            aws_region: m.get("awsRegion").map(str::to_owned),
            queue_url,
        })
    }

    /// The attributes KEDA requests, in its order.
    pub fn counted_attributes(&self) -> Vec<&'static str> {
        let mut v = vec![VISIBLE];
        if self.scale_on_in_flight {
            v.push(IN_FLIGHT);
        }
        if self.scale_on_delayed {
            v.push(DELAYED);
        }
        v
    }

    /// `s<i>-aws-sqs-<queueName>`, normalised.
    pub fn metric_name(&self, trigger_index: usize) -> String {
        normalize_metric_name(&format!("s{trigger_index}-aws-sqs-{}", self.queue_name))
    }

    /// Queue length and activity from the `GetQueueAttributes` answer.
    pub fn evaluate(
        &self,
        attributes: &BTreeMap<String, String>,
    ) -> Result<ScalerReading, KedaError> {
        let all = [VISIBLE, IN_FLIGHT, DELAYED];
        let on = [true, self.scale_on_in_flight, self.scale_on_delayed];
        let mut len: i64 = 0;
        for (name, _) in all.iter().zip(on).filter(|(_, on)| *on) {
            len = len.wrapping_add(queue_length(attributes, &[name])?);
        }
        Ok(ScalerReading {
            raw: len as f64,
            // float64(sum) loses precision above 2^53, as upstream; negative sums report 0.
            metric_milli: metric_milli(len as f64),
            is_active: len > self.activation_queue_length,
        })
    }
}

/// Sums the `counted` attributes, each parsed as a 64-bit integer (`strconv.ParseInt`); a
/// missing or non-integer attribute is an error. The sum wraps on overflow like Go's `int64`.
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::keda::scalers::sqs::{queue_length, VISIBLE, IN_FLIGHT};
/// let a: BTreeMap<String, String> = [(VISIBLE, "200"), (IN_FLIGHT, "100")]
///     .into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
/// assert_eq!(queue_length(&a, &[VISIBLE, IN_FLIGHT]).unwrap(), 300);
/// ```
pub fn queue_length(
    attributes: &BTreeMap<String, String>,
    counted: &[&str],
) -> Result<i64, KedaError> {
    let mut sum: i64 = 0;
    for name in counted {
        let raw = attributes.get(*name).ok_or_else(|| KedaError::Scaler {
            scaler: SCALER,
            reason: format!("attribute {name} missing from the queue attributes"),
        })?;
        let v = go_parse_int(raw).ok_or_else(|| KedaError::Scaler {
            scaler: SCALER,
            reason: format!("attribute {name} value {raw:?} is not an integer"),
        })?;
        sum = sum.wrapping_add(v);
    }
    Ok(sum)
}

/// The queue name KEDA derives from `queueURL`: if the value parses as a request URI
/// (absolute URL or absolute path), the path must be `/<account>/<name>`; otherwise the value
/// itself is the name.
fn queue_name_of(url: &str) -> Option<String> {
    let path = if url.starts_with('/') {
        Some(url)
    } else if let Some((scheme, rest)) = url.split_once(':') {
        let scheme_ok = scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            None
        } else if let Some(after) = rest.strip_prefix("//") {
            Some(after.find('/').and_then(|i| after.get(i..)).unwrap_or(""))
        } else {
            Some(rest)
        }
    } else {
        None
    };
    match path {
        None => Some(url.to_owned()),
        Some(p) => {
            let p = p.split(['?', '#']).next().unwrap_or("");
            let parts: Vec<&str> = p.split('/').collect();
            match parts.as_slice() {
                [_, _, name] if !name.is_empty() => Some((*name).to_owned()),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names() {
        assert_eq!(
            queue_name_of("https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ"),
            Some("DeleteArtifactQ".to_owned())
        );
        assert_eq!(queue_name_of("my-queue"), Some("my-queue".to_owned()));
        assert_eq!(queue_name_of("https://sqs.x.com/only"), None);
        assert_eq!(queue_name_of("https://sqs.x.com/a/b/c"), None);
    }

    #[test]
    fn negative_sum_reports_zero_but_activates_on_raw() {
        let md: BTreeMap<String, String> = [
            ("queueURL", "q"),
            ("activationQueueLength", "-10"),
            ("scaleOnInFlight", "false"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let m = SqsMetadata::parse(&md).unwrap();
        let a: BTreeMap<String, String> = [(VISIBLE.to_owned(), "-5".to_owned())].into();
        let r = m.evaluate(&a).unwrap();
        assert_eq!(r.metric_milli, 0);
        assert!(r.is_active);
    }
}
