//! trybuild UI tests of memo built without its shared tiers: `disk` and `redis` are then one
//! error each, saying which feature to turn on. Run by .ci/run as
//! `cargo test -p memo-tests --no-default-features --test ui_features_off`; with the features
//! on (every other build of the workspace) there is nothing to check.

#[cfg(not(feature = "shared"))]
#[test]
fn ui_features_off() {
    trybuild::TestCases::new().compile_fail("ui-features-off/*.rs");
}
