//! trybuild UI tests: each `ui/*.rs` is one misuse of the attributes and must fail with the
//! diagnostic recorded beside it in `ui/*.stderr`; each `ui/pass/*.rs` is a tricky valid use.
//!
//! New or changed diagnostics are written to `tests/wip/` (git-ignored) and fail the run:
//! review them, then move them into `tests/ui/`. `ui/pending/` holds valid uses the macro does
//! not handle yet; they are not run.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui/pass/*.rs");
}
