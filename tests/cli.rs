//! Command-line cases as files: `tests/cmd/*.toml` (trycmd). Each case is a
//! command, its exit code and its exact output; `TRYCMD=overwrite` rewrites them
//! for review.

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

mod common;

/// `render --out` over an earlier render replaces it: the scripts it no longer
/// writes go, a file isdb did not write stays (and then needs --force).
#[test]
fn render_replaces_an_earlier_render_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "--dialect", "postgres", "--out", "out"];
        args.extend_from_slice(extra);
        common::run_isdb(dir.path(), &args, &[])
    };
    let scripts = || {
        let mut v: Vec<String> = std::fs::read_dir(dir.path().join("out/sql"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let (code, _, err) = render(&["--layout", "split"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(scripts().len(), 8);
    let (code, _, err) = render(&["--layout", "merged"]);
    assert_eq!(
        code, 0,
        "an earlier render is replaced without --force: {err}"
    );
    assert_eq!(scripts(), ["wso2is.sql"]);

    std::fs::write(dir.path().join("out/sql/dba-notes.sql"), "-- mine").unwrap();
    let (code, _, err) = render(&["--layout", "split"]);
    assert_eq!(code, 2, "a file isdb did not write needs --force: {err}");
    let (code, _, err) = render(&["--layout", "split", "--db-prefix", "p_", "--force"]);
    assert_eq!(code, 0, "{err}");
    let s = scripts();
    assert_eq!(s.len(), 9, "{s:?}");
    assert!(s.contains(&"dba-notes.sql".to_string()) && !s.contains(&"wso2is.sql".to_string()));
}
