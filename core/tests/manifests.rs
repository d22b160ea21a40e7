//! Every HorizontalPodAutoscaler in the seed manifests (`examples/manifests/`, copied from the
//! lecture) deserializes, passes API validation and yields a controller.

use std::path::Path;

use tidescale::hpa::{Controller, Settings};
use tidescale::manifest;

#[test]
fn every_seed_hpa_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/manifests");
    let mut found = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let docs = manifest::documents(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (i, doc) in docs.iter().enumerate() {
            if doc.get("kind").and_then(|k| k.as_str()) != Some("HorizontalPodAutoscaler") {
                continue;
            }
            let hpa = serde_json::from_value(doc.clone())
                .unwrap_or_else(|e| panic!("{} doc {i}: {e}", path.display()));
            Controller::new(hpa, Settings::default())
                .unwrap_or_else(|e| panic!("{} doc {i}: {e}", path.display()));
            found += 1;
        }
    }
    assert_eq!(found, 8, "HPAs found in the seed manifests");
}
