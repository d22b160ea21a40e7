//! Gives the shared library its SONAME, `libtidescale.so.<ABI>`, on Linux, with the ABI
//! number taken from `TS_ABI_VERSION` in `src/lib.rs` (the one place it is written).

use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=src/lib.rs");
    let src = fs::read_to_string("src/lib.rs").unwrap_or_default();
    let abi = src.lines().find_map(|l| {
        l.trim()
            .strip_prefix("pub const TS_ABI_VERSION: u32 = ")?
            .strip_suffix(';')?
            .parse::<u32>()
            .ok()
    });
    let Some(abi) = abi else {
        println!("cargo:warning=TS_ABI_VERSION not found in src/lib.rs; no SONAME set");
        return;
    };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libtidescale.so.{abi}");
    }
}
