//! `tidescale vpa recommend`: the binary against the core library called directly.

mod common;

use common::{assert_error, json_of, manifest, repo_path, run};
use serde_json::Value;
use tidescale::Timestamp;
use tidescale::vpa::{Recommender, VerticalPodAutoscaler, VpaRecommender};

fn vpa_manifest() -> String {
    manifest("05-basic-vpa.yaml")
}

fn fixture() -> String {
    repo_path(&["cli", "tests", "fixtures", "usage.csv"])
}

/// The fixture read by the test itself (it is plain: seconds, cores or `Nm`, bytes or `NMi`).
fn fixture_samples() -> Vec<(i64, String, Option<f64>, Option<f64>)> {
    let text = std::fs::read_to_string(fixture()).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let cpu = match f[2] {
                "" => None,
                c if c.ends_with('m') => {
                    Some(c.trim_end_matches('m').parse::<f64>().unwrap() / 1000.0)
                }
                c => Some(c.parse().unwrap()),
            };
            let mem = match f[3] {
                "" => None,
                m if m.ends_with("Mi") => {
                    Some(m.trim_end_matches("Mi").parse::<f64>().unwrap() * 1024.0 * 1024.0)
                }
                m => Some(m.parse().unwrap()),
            };
            (f[0].parse().unwrap(), f[1].to_owned(), cpu, mem)
        })
        .collect()
}

/// The same samples fed to the core directly.
fn core_recommender() -> (VpaRecommender, Timestamp) {
    let text = std::fs::read_to_string(vpa_manifest()).unwrap();
    let vpa: VerticalPodAutoscaler =
        tidescale::manifest::load(&text, &tidescale::manifest::VPA, None)
            .unwrap()
            .object;
    let mut r = VpaRecommender::for_vpa(Recommender::default(), &vpa);
    let mut last = Timestamp(0);
    for (t, c, cpu, mem) in fixture_samples() {
        let t = Timestamp::from_secs(t);
        r.add_container(t, &c);
        if let Some(cpu) = cpu {
            r.add_cpu_sample(t, &c, cpu).unwrap();
        }
        if let Some(mem) = mem {
            r.add_memory_sample(t, &c, mem).unwrap();
        }
        last = last.max(t);
    }
    (r, last)
}

fn recommend_json(extra: &[&str]) -> Value {
    let m = vpa_manifest();
    let f = fixture();
    let mut args = vec!["vpa", "recommend", &m, "--usage", &f, "-o", "json"];
    args.extend_from_slice(extra);
    json_of(&run(&args, None))
}

#[test]
fn fixture_recommendation_matches_the_core() {
    let out = recommend_json(&[]);
    let (r, last) = core_recommender();
    let core = serde_json::to_value(r.recommendation(last)).unwrap();
    assert_eq!(out["status"]["recommendation"], core);
    let recs = out["status"]["recommendation"]["containerRecommendations"]
        .as_array()
        .unwrap();
    // sorted by name; training has minAllowed cpu 1 / memory 2Gi, maxAllowed 16 / 64Gi
    assert_eq!(recs[0]["containerName"], "sidecar");
    assert_eq!(recs[1]["containerName"], "training");
    let training = &recs[1];
    assert_eq!(training["target"]["cpu"], "1038m");
    assert_eq!(training["target"]["memory"], "3861631195");
    assert_eq!(training["lowerBound"]["cpu"], "1"); // 708m raised to minAllowed
    assert_eq!(training["uncappedTarget"]["cpu"], "1038m");
    assert_eq!(training["upperBound"]["cpu"], "6228m");
    // sidecar: memory held at the per-container minimum, 250 MiB / 2 containers
    assert_eq!(recs[0]["target"]["memory"], "131072k");
    assert_eq!(recs[0]["target"]["cpu"], "78m");
}

#[test]
fn explain_steps_arrive_at_the_core_estimates() {
    let out = recommend_json(&["--explain"]);
    let (r, last) = core_recommender();
    let estimates = r.estimates(last);
    let explain = out["explain"].as_array().unwrap();
    assert_eq!(explain.len(), 4); // 2 containers x cpu, memory
    for e in explain {
        let name = e["container"].as_str().unwrap();
        let est = &estimates[name];
        let (res, q): (&str, fn(i64) -> String) = match e["resource"].as_str().unwrap() {
            "cpu" => ("cpu", |a| tidescale::Quantity::from_milli(a).to_string()),
            _ => ("memory", |a| tidescale::Quantity::from_units(a).to_string()),
        };
        let get = |r: &tidescale::vpa::Resources| {
            if res == "cpu" { r.cpu } else { r.memory }
        };
        let b = &e["bounds"];
        assert_eq!(
            b["target"]["estimate"],
            q(get(&est.target).unwrap()),
            "{name} {res}"
        );
        assert_eq!(
            b["lowerBound"]["estimate"],
            q(get(&est.lower_bound).unwrap())
        );
        assert_eq!(
            b["upperBound"]["estimate"],
            q(get(&est.upper_bound).unwrap())
        );
    }
    let training_cpu = explain
        .iter()
        .find(|e| e["container"] == "training" && e["resource"] == "cpu")
        .unwrap();
    // 288 samples over a day: confidence min(23h55m / 24h, 288 / 1440) = 0.2
    assert_eq!(training_cpu["confidence"], 0.2);
    assert_eq!(training_cpu["minimum"], "12m"); // 25m / 2 containers
    assert_eq!(training_cpu["minAllowed"], "1");
    assert_eq!(training_cpu["maxAllowed"], "16");
    let lb = &training_cpu["bounds"]["lowerBound"];
    assert_eq!(lb["percentileEstimate"], "623m");
    assert_eq!(lb["withMargin"], "716m");
    assert_eq!(lb["withConfidence"], "708m");
    assert_eq!(lb["estimate"], "708m");
    assert_eq!(lb["recommended"], "1");
    let up = &training_cpu["bounds"]["upperBound"];
    assert_eq!(up["percentileEstimate"], "903m");
    assert_eq!(up["withConfidence"], "6228m"); // x (1 + 1/0.2)
}

#[test]
fn worked_example_of_the_core_doctest() {
    // 1440 samples of 250m / 500 MiB, one a minute, asked 24 h after the first
    let start = 1_700_006_400i64;
    let mut csv = String::from("container,timestamp,cpu,memory\n");
    for i in 0..1440 {
        csv.push_str(&format!("app,{},250m,500Mi\n", start + i * 60));
    }
    let m = vpa_manifest();
    let out = run(
        &[
            "vpa",
            "recommend",
            &m,
            "--usage",
            "-",
            "--now",
            "2023-11-16T00:00:00Z",
            "-o",
            "json",
        ],
        Some(&csv),
    );
    let d = json_of(&out);
    let app = &d["status"]["recommendation"]["containerRecommendations"][0];
    assert_eq!(app["containerName"], "app");
    assert_eq!(app["target"]["cpu"], "296m");
    assert_eq!(app["target"]["memory"], "628694953");
    assert_eq!(app["upperBound"]["cpu"], "592m");
}

/// Upstream drops a CPU sample whose start is not after the last one and a memory sample
/// before the last one, and carries on. The worked example with, after minute 700, the same
/// minute again (4 cores, 500 MiB) and a row 30 s back (8 cores, 4 GiB): both CPU values and
/// the earlier memory value are discarded and the repeated 500 MiB does not raise the window's
/// peak, so the recommendation is the spec's (vpa.md §13) and the explanation counts them.
#[test]
fn repeated_and_reordered_rows_are_discarded_as_upstream() {
    let start = 1_700_006_400i64;
    let mut csv = String::from("container,timestamp,cpu,memory\n");
    for i in 0..1440 {
        csv.push_str(&format!("app,{},250m,500Mi\n", start + i * 60));
        if i == 700 {
            let t = start + i * 60;
            csv.push_str(&format!("app,{t},4,500Mi\n"));
            csv.push_str(&format!("app,{},8,4Gi\n", t - 30));
        }
    }
    let m = vpa_manifest();
    let args = |o: &'static str| {
        vec![
            "vpa".to_owned(),
            "recommend".to_owned(),
            m.clone(),
            "--usage".to_owned(),
            "-".to_owned(),
            "--now".to_owned(),
            "2023-11-16T00:00:00Z".to_owned(),
            "-o".to_owned(),
            o.to_owned(),
        ]
    };
    let a = args("json");
    let out = run(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        Some(&csv),
    );
    assert!(out.status.success(), "{out:?}");
    let d = json_of(&out);
    let app = &d["status"]["recommendation"]["containerRecommendations"][0];
    assert_eq!(app["lowerBound"]["cpu"], "295m");
    assert_eq!(app["target"]["cpu"], "296m");
    assert_eq!(app["upperBound"]["cpu"], "592m");
    assert_eq!(app["lowerBound"]["memory"], "627438575");
    assert_eq!(app["target"]["memory"], "628694953");
    assert_eq!(app["upperBound"]["memory"], "1257826803");
    let mut a = args("json");
    a.push("--explain".to_owned());
    let out = run(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        Some(&csv),
    );
    let d = json_of(&out);
    let items = d["explain"].as_array().expect("an explain list");
    let discarded = |r: &str| {
        items
            .iter()
            .find(|i| i["container"] == "app" && i["resource"] == r)
            .map(|i| i["discardedSamples"].clone())
    };
    assert_eq!(discarded("cpu"), Some(serde_json::json!(2)));
    assert_eq!(discarded("memory"), Some(serde_json::json!(1)));
    let mut a = args("table");
    a.push("--explain".to_owned());
    let out = run(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        Some(&csv),
    );
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("app cpu: 1442 samples in the CSV, 2 discarded as upstream does"),
        "{s}"
    );
}

#[test]
fn yaml_is_exactly_the_status_block() {
    let m = vpa_manifest();
    let f = fixture();
    let out = run(&["vpa", "recommend", &m, "--usage", &f, "-o", "yaml"], None);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("status:\n  recommendation:\n    containerRecommendations:\n"),
        "{text}"
    );
    let back: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(back, recommend_json(&[]));
    // and it reads back as a VPA status
    let status: tidescale::vpa::spec::VerticalPodAutoscalerStatus =
        serde_json::from_value(back["status"].clone()).unwrap();
    let rec = status.recommendation.unwrap();
    assert_eq!(
        rec.for_container("training")
            .unwrap()
            .target
            .cpu
            .unwrap()
            .milli_value(),
        1038
    );
}

#[test]
fn table_and_explain_text() {
    let m = vpa_manifest();
    let f = fixture();
    let out = run(&["vpa", "recommend", &m, "--usage", &f, "--explain"], None);
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("VPA training-job-vpa -> Deployment/training-job"),
        "{s}"
    );
    assert!(s.contains("training   cpu       1 "), "{s}");
    assert!(s.contains("1 (raised to minAllowed)"), "{s}");
    assert!(s.contains("(1 + 1/0.2000)^1 -> 6228m"), "{s}");
}

#[test]
fn csv_errors_name_the_file_row_and_field() {
    let m = vpa_manifest();
    let cases = [
        (
            "timestamp,container,cpu,gpu\n1,a,1,1\n",
            vec!["<stdin>", "row 1", "unknown column \"gpu\""],
        ),
        (
            "timestamp,container,cpu\n1,a,0.5\n2,a,NaN\n",
            vec!["row 3", "field cpu", "NaN"],
        ),
        (
            "timestamp,container,memory\n1,a,-5Mi\n",
            vec!["row 2", "field memory"],
        ),
        (
            "timestamp,container,cpu\n1,a,lots\n",
            vec!["row 2", "field cpu", "\"lots\""],
        ),
        (
            "timestamp,container,cpu\n1,a,1,2\n",
            vec!["row 2", "3 columns"],
        ),
        (
            "timestamp,container,cpu\n\"1,a,1\n",
            vec!["row 2", "quotes"],
        ),
        (
            "timestamp,container,cpu\nnoon,a,1\n",
            vec!["row 2", "field timestamp"],
        ),
    ];
    for (csv, needles) in cases {
        let out = run(&["vpa", "recommend", &m, "--usage", "-"], Some(csv));
        assert_error(&out, &needles);
    }
    let out = run(
        &["vpa", "recommend", &m, "--usage", "/nonexistent/u.csv"],
        None,
    );
    assert_error(&out, &["/nonexistent/u.csv"]);
    let out = run(&["vpa", "recommend", &m], None);
    assert_error(&out, &["--usage"]);
    let out = run(
        &["vpa", "recommend", &m, "--usage", "-", "--now", "soon"],
        Some("x"),
    );
    assert_error(&out, &["--now soon"]);
}

#[test]
fn manifest_errors_name_document_and_field() {
    let bad = "apiVersion: v1\nkind: Service\n---\napiVersion: autoscaling.k8s.io/v1\n\
               kind: VerticalPodAutoscaler\nspec:\n  resourcePolicy:\n    containerPolicies:\n\
               \x20   - containerName: app\n      minAllowed: {cpu: lots}\n";
    let f = fixture();
    let out = run(&["vpa", "recommend", "-", "--usage", &f], Some(bad));
    assert_error(
        &out,
        &[
            "<stdin>",
            "document 1",
            "spec.resourcePolicy.containerPolicies[0].minAllowed.cpu",
        ],
    );
    let out = run(&["vpa", "recommend", "-", "--usage", "-"], Some(bad));
    assert_error(&out, &["stdin"]);
}
