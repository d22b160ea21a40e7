//! The core's answers to the cross-door cases (`tests/doors/hpa_what_if.json`), which the C,
//! Python and CLI doors compare theirs to. `TIDESCALE_BLESS=1` rewrites the expected answers.
#![cfg(feature = "parse")]

#[path = "../../tests/doors/common.rs"]
mod common;

use tidescale::hpa::{Controller, HorizontalPodAutoscaler, Settings, WhatIf, what_if};

#[test]
fn core_answers_the_cross_door_cases() {
    let mut doc = common::load();
    let mut answers = Vec::new();
    for case in common::cases(&doc) {
        let hpa: HorizontalPodAutoscaler =
            serde_json::from_value(case.manifest.clone()).expect(case.name);
        let mut ctl = Controller::new(hpa, Settings::default()).expect(case.name);
        let mut w = WhatIf::new(case.replicas);
        for (m, level) in &case.set {
            w = w.with_level(m, level.parse().expect(case.name));
        }
        let d = what_if(&mut ctl, &w).expect(case.name);
        answers.push(common::summary(&d.to_json()));
    }
    if std::env::var_os("TIDESCALE_BLESS").is_some() {
        for (c, a) in doc["cases"]
            .as_array_mut()
            .expect("cases")
            .iter_mut()
            .zip(answers)
        {
            c["expected"] = a;
        }
        let text = serde_json::to_string_pretty(&doc).expect("json") + "\n";
        std::fs::write(common::path(), text).expect("write");
        return;
    }
    let mut diffs = Vec::new();
    for (case, a) in common::cases(&doc).iter().zip(&answers) {
        diffs.extend(common::diff("core", case.name, a, case.expected));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
