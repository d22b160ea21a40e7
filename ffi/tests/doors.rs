//! The cross-door cases (`tests/doors/hpa_what_if.json`) through the C door: each case is a
//! one-item `ts_hpa_fleet` (N identical pods, the levels as numbers: percent for Utilization
//! targets, else units), and the decision `ts_hpa_fleet_decision` writes is compared field by
//! field to the core's answer.

#[path = "../../tests/doors/common.rs"]
mod common;

use std::ffi::c_char;

use serde_json::{Map, Value, json};
use tidescale_core::Quantity;
use tidescale_core::hpa::{Controller, HorizontalPodAutoscaler, Reason, Settings};
use tidescale_ffi::*;

fn level_number(text: &str) -> f64 {
    match text.trim().strip_suffix('%') {
        Some(p) => p.trim().parse().expect("percent"),
        None => text.parse::<Quantity>().expect("quantity").milli_value() as f64 / 1000.0,
    }
}

fn condition(c: ts_condition) -> Option<Value> {
    let status = match c.status {
        0 => return None,
        1 => "True",
        2 => "False",
        _ => "Unknown",
    };
    let reason = Reason::from_code(c.reason).map(Reason::as_str);
    Some(json!([status, reason]))
}

/// The C decision in the shape of `common::summary` (the fields the C struct has).
fn summary(d: &ts_hpa_decision, metric_names: &[String]) -> Value {
    let opt = |v: i32| if v < 0 { Value::Null } else { json!(v) };
    let mut conditions = Map::new();
    for (name, c) in [
        ("AbleToScale", d.able_to_scale),
        ("ScalingActive", d.scaling_active),
        ("ScalingLimited", d.scaling_limited),
        ("ScaledToZero", d.scaled_to_zero),
    ] {
        if let Some(v) = condition(c) {
            conditions.insert(name.to_owned(), v);
        }
    }
    json!({
        "currentReplicas": d.current_replicas,
        "desiredReplicas": d.desired_replicas,
        "proposedReplicas": opt(d.proposed_replicas),
        "stabilizedReplicas": opt(d.stabilized_replicas),
        "rescale": d.rescale,
        "limitedBy": Reason::from_code(d.limited_by).map(Reason::as_str),
        "conditions": conditions,
        "chosenMetric": usize::try_from(d.chosen_metric).ok().and_then(|i| metric_names.get(i)),
    })
}

fn fleet_metric_names(fleet: *const ts_hpa_fleet) -> Vec<String> {
    let mut columns = 0usize;
    // SAFETY: a live handle and writable outputs.
    assert_eq!(
        unsafe { ts_hpa_fleet_shape(fleet, std::ptr::null_mut(), &mut columns) },
        ts_result::Ok
    );
    (0..columns)
        .map(|c| {
            let mut buf = [0 as c_char; 64];
            let mut len = 0usize;
            // SAFETY: a live handle, a 64-byte buffer.
            let r = unsafe { ts_hpa_fleet_metric_name(fleet, c, buf.as_mut_ptr(), 64, &mut len) };
            assert_eq!(r, ts_result::Ok);
            buf[..len].iter().map(|&b| b as u8 as char).collect()
        })
        .collect()
}

#[test]
fn c_door_answers_the_cross_door_cases_as_the_core_does() {
    let doc = common::load();
    let mut diffs = Vec::new();
    let cases = common::cases(&doc);
    assert!(cases.len() >= 10);
    for case in &cases {
        let text = case.manifest.to_string();
        let mut hpa: *mut ts_hpa = std::ptr::null_mut();
        // SAFETY (all blocks): valid pointers and lengths; handles freed once.
        let r = unsafe {
            ts_hpa_new(
                text.as_ptr().cast(),
                text.len(),
                std::ptr::null(),
                0,
                &mut hpa,
            )
        };
        assert_eq!(r, ts_result::Ok, "{}", case.name);
        let mut fleet: *mut ts_hpa_fleet = std::ptr::null_mut();
        let handles = [hpa.cast_const()];
        let r = unsafe { ts_hpa_fleet_new(handles.as_ptr(), 1, std::ptr::null(), 0, &mut fleet) };
        assert_eq!(r, ts_result::Ok, "{}", case.name);
        let names = fleet_metric_names(fleet);
        let values: Vec<Option<f64>> = names
            .iter()
            .map(|n| {
                case.set
                    .iter()
                    .find(|(m, _)| m == n)
                    .map(|(_, l)| level_number(l))
            })
            .collect();
        let cols: Vec<*const f64> = values
            .iter()
            .map(|v| v.as_ref().map_or(std::ptr::null(), std::ptr::from_ref))
            .collect();
        let (mut desired, mut rescale, mut limited) = (0i32, 0u8, 0u32);
        let r = unsafe {
            ts_hpa_fleet_step(
                fleet,
                0,
                &case.replicas,
                1,
                cols.as_ptr(),
                cols.len(),
                &mut desired,
                &mut rescale,
                &mut limited,
            )
        };
        assert_eq!(r, ts_result::Ok, "{}", case.name);
        let mut d = ts_hpa_decision::default();
        assert_eq!(
            unsafe { ts_hpa_fleet_decision(fleet, 0, &mut d) },
            ts_result::Ok
        );
        assert_eq!(d.desired_replicas, desired, "{}", case.name);
        assert_eq!(u8::from(d.rescale), rescale, "{}", case.name);
        assert_eq!(d.limited_by, limited, "{}", case.name);
        unsafe {
            ts_hpa_fleet_free(fleet);
            ts_hpa_free(hpa);
        }
        // the spec's metric names after defaulting, for the chosen index
        let core: HorizontalPodAutoscaler =
            serde_json::from_value(case.manifest.clone()).expect("manifest");
        let ctl = Controller::new(core, Settings::default()).expect("valid");
        let spec_names: Vec<String> = ctl
            .hpa()
            .spec
            .metrics
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        diffs.extend(common::diff(
            "C",
            case.name,
            &summary(&d, &spec_names),
            case.expected,
        ));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
