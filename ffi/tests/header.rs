//! The checked-in `include/tidescale.h` is exactly what cbindgen 0.29.4 generates from the
//! sources, and its version macros match `Cargo.toml`.
//!
//! `TIDESCALE_BLESS=1 cargo test -p tidescale-ffi --test header` rewrites the header.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ffi/ has a parent")
        .to_path_buf()
}

fn generate() -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml parses");
    // The same as `cbindgen --config ffi/cbindgen.toml --crate tidescale-ffi ... ffi`.
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_crate_and_name(crate_dir, "tidescale-ffi")
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn header_is_fresh() {
    let path = repo_root().join("include/tidescale.h");
    let generated = generate();
    if std::env::var_os("TIDESCALE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write include/tidescale.h");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let first = current
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "a length difference".to_owned(),
                |i| {
                    format!(
                        "line {}: checked in {:?}, generated {:?}",
                        i + 1,
                        current.lines().nth(i).unwrap_or(""),
                        generated.lines().nth(i).unwrap_or("")
                    )
                },
            );
        panic!(
            "include/tidescale.h is stale (first difference at {first}); \
             run TIDESCALE_BLESS=1 cargo test -p tidescale-ffi --test header"
        );
    }
}

fn define(header: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    header
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{name} is not defined in the header"))
        .trim()
        .to_owned()
}

#[test]
fn version_macros_match_cargo() {
    let header = std::fs::read_to_string(repo_root().join("include/tidescale.h")).unwrap();
    let num = |name: &str| -> u32 { define(&header, name).parse().unwrap() };
    let (major, minor, patch) = (
        num("TS_VERSION_MAJOR"),
        num("TS_VERSION_MINOR"),
        num("TS_VERSION_PATCH"),
    );
    assert_eq!(major.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
    assert_eq!(minor.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
    assert_eq!(patch.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
    // The derived macro too (rustls.h once shifted the patch into the minor's place).
    assert_eq!(
        define(&header, "TS_VERSION_NUMBER"),
        "((TS_VERSION_MAJOR << 16) | (TS_VERSION_MINOR << 8) | TS_VERSION_PATCH)"
    );
    assert!(major < 256 && minor < 256 && patch < 256);
    assert_eq!(num("TS_ABI_VERSION"), tidescale_ffi::ts_abi_version());
    let v = unsafe { std::ffi::CStr::from_ptr(tidescale_ffi::ts_version()) };
    assert_eq!(
        v.to_str().unwrap(),
        format!("tidescale/{major}.{minor}.{patch}")
    );
}

/// `(NAME, value)` of every `PREFIX*` enumeration constant in the header.
fn constants(header: &str, prefix: &str) -> Vec<(String, u32)> {
    header
        .lines()
        .filter_map(|l| {
            let l = l.trim().strip_suffix(',')?;
            let (name, value) = l.split_once(" = ")?;
            name.starts_with(prefix)
                .then(|| (name.to_owned(), value.parse().unwrap()))
        })
        .collect()
}

fn screaming(camel: &str) -> String {
    let mut s = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            s.push('_');
        }
        s.push(c.to_ascii_uppercase());
    }
    s
}

#[test]
fn every_result_code_has_a_description() {
    let header = std::fs::read_to_string(repo_root().join("include/tidescale.h")).unwrap();
    let codes = constants(&header, "TS_RESULT_");
    assert_eq!(codes.len(), tidescale_ffi::ts_result::ALL.len());
    assert_eq!(codes[0], ("TS_RESULT_OK".to_owned(), 0));
    for (name, code) in &codes {
        let p = tidescale_ffi::ts_result_str(*code);
        assert!(!p.is_null(), "{name} has no description");
        let r = tidescale_ffi::ts_result::from_u32(*code).unwrap();
        assert_eq!(*name, format!("TS_RESULT_{}", screaming(&format!("{r:?}"))));
    }
    assert!(tidescale_ffi::ts_result_str(1).is_null());
    assert!(tidescale_ffi::ts_result_str(u32::MAX).is_null());
}

#[test]
fn reason_codes_mirror_the_core() {
    use tidescale_core::hpa::Reason;
    let header = std::fs::read_to_string(repo_root().join("include/tidescale.h")).unwrap();
    let codes = constants(&header, "TS_REASON_");
    assert_eq!(codes[0], ("TS_REASON_NONE".to_owned(), 0));
    let core: Vec<Reason> = (1..=1024).filter_map(Reason::from_code).collect();
    assert_eq!(
        codes.len(),
        core.len() + 1,
        "every core reason has a TS_REASON_ constant"
    );
    for r in core {
        assert!(
            codes.contains(&(format!("TS_REASON_{}", screaming(r.as_str())), r.code())),
            "{r:?} = {} is missing from the header",
            r.code()
        );
        let s = unsafe { std::ffi::CStr::from_ptr(tidescale_ffi::ts_reason_str(r.code())) };
        assert_eq!(s.to_str().unwrap(), r.as_str());
    }
    let none = unsafe { std::ffi::CStr::from_ptr(tidescale_ffi::ts_reason_str(0)) };
    assert_eq!(none.to_bytes(), b"");
    assert!(tidescale_ffi::ts_reason_str(9999).is_null());
}
