//! Command-line cases as files: `tests/cmd/*.toml` (trycmd). Each case is a
//! command, its exit code and its exact output; `TRYCMD=overwrite` rewrites them
//! for review.

mod common;

use common::run::isdb;

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

/// The shared PostgreSQL's host and port (the README's test command names it).
fn postgres_server() -> String {
    let url = std::env::var("ISDB_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let u = url::Url::parse(&url).expect("ISDB_TEST_POSTGRES_URL is a URL");
    format!(
        "{}:{}",
        u.host_str().unwrap_or("127.0.0.1"),
        u.port().unwrap_or(5432)
    )
}

#[test]
fn an_error_names_its_cause_once_without_the_servers_source_line() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9: the driver's cause, once.
    let (code, _, err) = isdb(
        dir.path(),
        &[
            "migrate",
            "--url",
            "postgres://u@127.0.0.1:9/x",
            "--nodes",
            "1",
        ],
        &[("ISDB_PASSWORD", "")],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // PostgreSQL refuses a role it does not know: its message, once, without "at line N".
    let url = format!(
        "postgres://isdb_no_such_role@{}/isdb_never_created",
        postgres_server()
    );
    let (code, _, err) = isdb(
        dir.path(),
        &["migrate", "--url", &url, "--nodes", "1"],
        &[("ISDB_PASSWORD", "")],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err.matches("role \"isdb_no_such_role\" does not exist")
            .count(),
        1,
        "{err}"
    );
    assert!(!err.contains(" at line "), "{err}");
}

#[test]
fn log_lines_carry_colour_only_at_a_terminal_without_no_color() {
    let dir = tempfile::tempdir().unwrap();
    // A password in --url makes isdb warn; nothing listens on port 9.
    let args = ["status", "--url", "postgres://u:pw@127.0.0.1:9/x"];
    let (_, _, err) = isdb(dir.path(), &args, &[]);
    assert!(err.contains("WARN"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "colour codes in redirected stderr: {err:?}"
    );

    // At a terminal (script(1) gives isdb one), colour unless NO_COLOR is set.
    let at_terminal = |no_color: bool| {
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec"])
            .arg(format!("{} {}", env!("CARGO_BIN_EXE_isdb"), args.join(" ")))
            .arg("/dev/null")
            .current_dir(dir.path())
            .env_remove("RUST_LOG")
            .env_remove("NO_COLOR");
        if no_color {
            cmd.env("NO_COLOR", "1");
        }
        let out = cmd.output().expect("script(1) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = at_terminal(false);
    assert!(
        coloured.contains("WARN") && coloured.contains('\u{1b}'),
        "{coloured:?}"
    );
    let plain = at_terminal(true);
    assert!(
        plain.contains("WARN") && !plain.contains('\u{1b}'),
        "{plain:?}"
    );
}

#[test]
fn a_huge_invalid_value_is_cut_in_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x-".repeat(5_000_000);
    std::fs::write(
        dir.path().join("isdb.toml"),
        format!("db_prefix = \"{huge}\"\n"),
    )
    .unwrap();
    let (code, out, err) = isdb(
        dir.path(),
        &["migrate", "--dry-run", "--config", "isdb.toml"],
        &[],
    );
    assert_eq!(code, 2, "{}", &err[..err.len().min(500)]);
    assert!(out.is_empty());
    assert!(err.len() < 600, "{} bytes: {}", err.len(), &err[..600]);
    assert!(err.contains("10000000 bytes in all"), "{err}");
    assert!(!dir.path().join("isdb-data").exists());

    // Values clap rejects are cut as well (argv takes at most 128 KiB per value).
    let long = "y".repeat(100_000);
    let (code, _, err) = isdb(dir.path(), &["migrate", "--layout", &long], &[]);
    assert_eq!(code, 2, "{}", &err[..err.len().min(500)]);
    assert!(err.len() < 1500, "{} bytes", err.len());
    assert!(err.contains("bytes in all"), "{err}");
}

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

/// Each subcommand's `--help` lists only the options it uses (issue 10): the
/// lock, charset and index flags belong to the commands that lock or create.
#[test]
fn each_subcommand_lists_only_the_options_it_uses() {
    let dir = tempfile::tempdir().unwrap();
    let help = |sub: &str| {
        let (code, out, err) = isdb(dir.path(), &[sub, "--help"], &[]);
        assert_eq!(code, 0, "{sub}: {err}");
        out
    };
    let creating = ["--mysql-charset", "--index-timeout"];
    let session = ["--connect-timeout", "--statement-timeout", "--idle-timeout"];
    for (sub, used, unused) in [
        (
            "status",
            &session[..],
            &[&creating[..], &["--lock-timeout"]].concat(),
        ),
        (
            "verify",
            &session[..],
            &[&creating[..], &["--lock-timeout"]].concat(),
        ),
        (
            "baseline",
            &[&session[..], &["--lock-timeout"]].concat()[..],
            &creating.to_vec(),
        ),
        (
            "migrate",
            &[&session[..], &creating[..], &["--lock-timeout"]].concat()[..],
            &vec![],
        ),
    ] {
        let text = help(sub);
        for flag in used {
            assert!(text.contains(flag), "{sub} --help lacks {flag}:\n{text}");
        }
        for flag in unused {
            assert!(!text.contains(flag), "{sub} --help lists {flag}:\n{text}");
        }
    }
}
