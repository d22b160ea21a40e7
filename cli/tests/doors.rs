//! The cross-door cases (`tests/doors/hpa_what_if.json`) through the CLI:
//! `tidescale hpa what-if MANIFEST -r N --set METRIC=LEVEL ... -o json`, compared field by
//! field to the core's answer.

#[path = "../../tests/doors/common.rs"]
mod common;

use std::process::Command;

#[test]
fn cli_answers_the_cross_door_cases_as_the_core_does() {
    let doc = common::load();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("doors");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let mut diffs = Vec::new();
    let cases = common::cases(&doc);
    assert!(cases.len() >= 10);
    for (i, case) in cases.iter().enumerate() {
        let file = dir.join(format!("case{i}.json"));
        std::fs::write(&file, case.manifest.to_string()).expect("write manifest");
        let replicas = case.replicas.to_string();
        let mut args = vec![
            "hpa".to_owned(),
            "what-if".to_owned(),
            file.display().to_string(),
            "--replicas".to_owned(),
            replicas,
            "-o".to_owned(),
            "json".to_owned(),
        ];
        for (m, level) in &case.set {
            args.push("--set".to_owned());
            args.push(format!("{m}={level}"));
        }
        let out = Command::new(env!("CARGO_BIN_EXE_tidescale"))
            .args(&args)
            .output()
            .expect("run tidescale");
        assert!(
            out.status.success(),
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
        diffs.extend(common::diff(
            "CLI",
            case.name,
            &common::summary(&doc),
            case.expected,
        ));
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
