//! The committed C header is exactly what cbindgen generates from `src/lib.rs`.
//!
//! Why a test rather than a build script: the header is part of the source a vendor reviews and
//! copies, so it is committed; building the library then needs neither cbindgen nor `syn`, and
//! this test catches a header that has fallen behind the code. `OVERSIGHT_BLESS=1` rewrites it.

use std::path::Path;

#[test]
fn the_committed_header_is_what_cbindgen_generates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("UTF-8 header");
    let path = dir.join("include/oversight_attest.h");
    if std::env::var_os("OVERSIGHT_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write header");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/oversight_attest.h is stale: run `OVERSIGHT_BLESS=1 cargo test -p oversight-attest-ffi --test header`"
    );
}
