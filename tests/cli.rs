//! Command-line cases as files: `tests/cmd/*.toml` (trycmd). Each case is a
//! command, its exit code and its exact output; `TRYCMD=overwrite` rewrites them
//! for review.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
