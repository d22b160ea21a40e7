//! Every number a user hands tidescale as text becomes the nearest double, as Go's `strconv`
//! makes it: JSON (serde_json with `float_roundtrip`) and YAML (serde-saphyr), through the
//! core's own parsing helper [`tidescale::manifest::documents`]. Out-of-range and non-finite
//! numbers are typed errors, never infinities or NaN.
#![cfg(feature = "parse")]

use proptest::prelude::*;
use tidescale::manifest::{ManifestErrorKind, documents};

/// The number under key `x` of the one document `text` holds.
fn number(text: &str) -> f64 {
    let docs = documents(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let [(_, doc)] = docs.as_slice() else {
        panic!("{text:?}: one document expected, got {}", docs.len());
    };
    doc["x"]
        .as_f64()
        .unwrap_or_else(|| panic!("{text:?}: x is {}", doc["x"]))
}

fn json_number(t: &str) -> f64 {
    number(&format!("{{\"x\": {t}}}"))
}

fn yaml_number(t: &str) -> f64 {
    number(&format!("kind: Test\nx: {t}\n"))
}

/// Same bits (so -0.0 differs from 0.0), with a readable message.
fn same_bits(what: &str, text: &str, want: f64, got: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        want.to_bits(),
        got.to_bits(),
        "{} {:?}: want {:?}, got {:?}",
        what,
        text,
        want,
        got
    );
    Ok(())
}

/// Decimals that serde_json's fast (non-`float_roundtrip`) path reads one ulp off; found by
/// comparing it with Rust's correctly rounded `str::parse` on random inputs. The first is the
/// shortest representation of its double, so `format → parse` itself went wrong.
const ONE_ULP_OFF: [&str; 4] = [
    "10053326052.896315",
    "7850478860959.8785",
    "771814871.60779125",
    "5.4375025926749718e-33",
];

#[test]
fn decimals_the_fast_path_gets_wrong_parse_correctly_rounded() {
    for t in ONE_ULP_OFF {
        let want: f64 = t.parse().unwrap();
        same_bits("json", t, want, json_number(t)).unwrap();
        same_bits("yaml", t, want, yaml_number(t)).unwrap();
    }
    // The bits themselves (from Python's correctly rounded float()), so the test does not
    // only trust `str::parse`.
    assert_eq!(
        json_number("10053326052.896315").to_bits(),
        0x4202_B9CC_A727_2BA7
    );
    assert_eq!(json_number("0.1").to_bits(), 0x3FB9_9999_9999_999A);
}

#[test]
fn out_of_range_and_non_finite_numbers_are_typed_errors() {
    // Go's strconv.ParseFloat("1e400") is ErrRange (encoding/json refuses it too); neither door
    // may turn it into an infinity.
    for t in ["1e400", "-1e400", "NaN", "Infinity", "-Infinity"] {
        let e = documents(&format!("{{\"x\": {t}}}")).unwrap_err();
        assert_eq!(e.kind, ManifestErrorKind::InvalidJson, "{t}: {e}");
    }
    for t in ["1e400", "-1e400", ".nan", ".NaN", ".inf", "-.inf", "+.Inf"] {
        let e = documents(&format!("kind: Test\nx: {t}\n")).unwrap_err();
        assert_eq!(e.kind, ManifestErrorKind::InvalidYaml, "{t}: {e}");
    }
    // Underflow is not an error in Go either: the nearest double (0 or the smallest subnormal).
    assert_eq!(json_number("1e-400").to_bits(), 0);
    assert_eq!(json_number("2.5e-324"), 5e-324);
    assert_eq!(yaml_number("2.5e-324"), 5e-324);
    assert_eq!(yaml_number("2.4e-324").to_bits(), 0);
}

fn finite() -> impl Strategy<Value = f64> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Random finite doubles, written as Rust's shortest round-trip text (`Display`, which
    /// never uses an exponent, and `Debug`) and as 17 significant digits in exponent form, come back with the same bits through JSON and YAML.
    #[test]
    fn format_then_parse_gives_the_same_bits(x in finite()) {
        for t in [format!("{x}"), format!("{x:?}"), format!("{x:.16e}")] {
            same_bits("json", &t, x, json_number(&t))?;
            // YAML's `-0` is the integer zero (core schema), as in Go's sigs.k8s.io/yaml, which
            // turns it into the JSON integer 0: the sign of an integer zero is not kept.
            let yaml_want = if t == "-0" { 0.0 } else { x };
            same_bits("yaml", &t, yaml_want, yaml_number(&t))?;
        }
    }

    /// Random decimal strings (up to 19 digits, any exponent that stays finite) give the
    /// correctly rounded double, as Go's strconv.ParseFloat does.
    #[test]
    fn random_decimals_are_correctly_rounded(
        mantissa in 0u64..10_000_000_000_000_000_000,
        exp in -340i32..300,
        negative in any::<bool>(),
    ) {
        let t = format!("{}{mantissa}e{exp}", if negative { "-" } else { "" });
        let want: f64 = t.parse().unwrap();
        prop_assume!(want.is_finite());
        same_bits("json", &t, want, json_number(&t))?;
        same_bits("yaml", &t, want, yaml_number(&t))?;
    }
}

#[test]
fn checkpoint_text_keeps_total_weight_bits() {
    use tidescale::manifest::checkpoints_from_str;
    for t in ONE_ULP_OFF {
        let want: f64 = t.parse().unwrap();
        let json = format!(
            r#"{{"kind": "List", "items": [{{"kind": "VerticalPodAutoscalerCheckpoint",
            "spec": {{"vpaObjectName": "web", "containerName": "app"}},
            "status": {{"version": "v3", "cpuHistogram": {{"totalWeight": {t}}}}}}}]}}"#
        );
        let yaml = format!(
            "kind: VerticalPodAutoscalerCheckpoint\nspec: {{containerName: a}}\n---\n\
             kind: VerticalPodAutoscalerCheckpoint\nspec: {{containerName: b}}\n\
             status: {{memoryHistogram: {{totalWeight: {t}}}}}\n"
        );
        let cps = checkpoints_from_str(&json).unwrap();
        assert_eq!(cps.len(), 1);
        assert_eq!(
            cps[0].status.cpu_histogram.total_weight.to_bits(),
            want.to_bits(),
            "{t}"
        );
        let cps = checkpoints_from_str(&yaml).unwrap();
        assert_eq!(cps.len(), 2);
        assert_eq!(cps[1].spec.container_name, "b");
        assert_eq!(
            cps[1].status.memory_histogram.total_weight.to_bits(),
            want.to_bits(),
            "{t}"
        );
    }
    let e = checkpoints_from_str("kind: HorizontalPodAutoscaler\nspec: {maxReplicas: 1}\n")
        .unwrap_err();
    assert_eq!(e.kind, ManifestErrorKind::NotFound, "{e}");
    let e = checkpoints_from_str(r#"{"kind": "VerticalPodAutoscalerCheckpoint", "status": {"cpuHistogram": {"totalWeight": "x"}}}"#)
        .unwrap_err();
    assert_eq!(
        (e.kind, e.path.as_deref()),
        (
            ManifestErrorKind::InvalidObject,
            Some("status.cpuHistogram.totalWeight")
        )
    );
}
