//! Helpers shared by the CLI test binaries: paths, running the binary, reading its output.
#![allow(dead_code)] // each test binary uses a subset

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A path under the repository root (`cli/..`).
pub(crate) fn repo_path(parts: &[&str]) -> String {
    let mut p = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    p.push("..");
    for part in parts {
        p.push(part);
    }
    p.to_string_lossy().into_owned()
}

/// A seed manifest in `examples/manifests/`.
pub(crate) fn manifest(name: &str) -> String {
    repo_path(&["examples", "manifests", name])
}

/// Runs `tidescale` with `args`, feeding `stdin` (empty when `None`).
pub(crate) fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tidescale"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // the binary may exit (on a usage error) before reading stdin: a broken pipe is fine
    let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    drop(input);
    child.wait_with_output().unwrap()
}

/// The JSON document a successful run printed.
pub(crate) fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A usage error: exit 2, nothing on stdout, and every needle in the message.
pub(crate) fn assert_error(out: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(out.stdout.is_empty());
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err:?}");
    }
}
