//! Compile-fail and hygiene cases of the derives. The `.stderr` files are the documentation of
//! each error message; they are pinned to the machines' one toolchain (regenerate with
//! `TRYBUILD=overwrite cargo test -p ui-tests`).

#[rustversion::attr(
    not(stable(1.95)),
    ignore = "the .stderr files are pinned to rustc 1.95"
)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
