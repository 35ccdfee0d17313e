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

/// Every subcommand's `--help` ends with examples of that subcommand, and
/// each example parses (`isdb` takes the arguments; only `--help` is added).
#[test]
fn every_subcommand_help_has_examples_that_parse() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    for sub in [
        "render", "migrate", "status", "verify", "baseline", "config",
    ] {
        let (code, out, err) = common::run_isdb(dir.path(), &[sub, "--help"], &[]);
        assert_eq!(code, 0, "{err}");
        let examples = out
            .split_once("Examples:\n")
            .unwrap_or_else(|| panic!("{sub} --help has no examples:\n{out}"))
            .1;
        let commands: Vec<&str> = examples
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        assert!(!commands.is_empty(), "{sub}");
        for c in commands {
            let words: Vec<&str> = c
                .split(" && ")
                .next()
                .unwrap()
                .split(" > ")
                .next()
                .unwrap()
                .split_whitespace()
                .skip_while(|w| w.contains('='))
                .collect();
            assert_eq!(words.get(1), Some(&sub), "{sub}: {c}");
            if let Err(e) = isdb::cli::Cli::try_parse_from(&words) {
                panic!("{sub}: example `{c}` does not parse: {e}");
            }
        }
    }
}
