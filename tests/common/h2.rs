//! H2 through its own tools (Debian's `libh2-java`, run by java): a script
//! run with `RunScript` into a fresh file database, then the table and
//! column counts H2 reports for it. isdb has no H2 inspector; these counts
//! are what the H2 tests compare with the model.
#![allow(dead_code)]

use std::path::Path;

/// Where Debian's `libh2-java` puts H2 2.x.
pub const H2_JAR: &str = "/usr/share/java/h2.jar";

/// Fails the test, saying what to install, when the H2 jar is missing.
pub fn require() {
    assert!(
        Path::new(H2_JAR).exists(),
        "{H2_JAR} is missing (apt-get install libh2-java)"
    );
}

/// Runs `args` of H2's tools through java and returns stdout.
pub fn tool(args: &[&str]) -> String {
    let out = std::process::Command::new("java")
        .args(["-cp", H2_JAR])
        .args(args)
        .output()
        .expect("java runs (H2 tests need java and libh2-java)");
    assert!(
        out.status.success(),
        "java {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `script` with `RunScript` into the H2 database at `url` (a
/// `jdbc:h2:` file URL), then returns the counts of columns and tables in
/// its PUBLIC schema, and H2's output for messages.
pub fn run_and_count(url: &str, script: &Path) -> ([usize; 2], String) {
    let script = script.display().to_string();
    tool(&[
        "org.h2.tools.RunScript",
        "-url",
        url,
        "-user",
        "sa",
        "-script",
        &script,
    ]);
    let out = tool(&[
        "org.h2.tools.Shell",
        "-url",
        url,
        "-user",
        "sa",
        "-sql",
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'PUBLIC'; \
         SELECT COUNT(DISTINCT TABLE_NAME) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'",
    ]);
    let counts: Vec<usize> = out.lines().filter_map(|l| l.trim().parse().ok()).collect();
    match counts[..] {
        [columns, tables] => ([columns, tables], out),
        _ => panic!("H2 did not report two counts for {url}:\n{out}"),
    }
}
