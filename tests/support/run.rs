//! Runs the isdb binary as an operator would, in an environment of the test's
//! choosing: the caller's `RUST_LOG`, `ISDB_PASSWORD` and `NO_COLOR` do not leak in.
#![allow(dead_code)]

use std::path::Path;

/// Runs isdb with `args` in `dir` and `env` on top of a clean environment;
/// returns (exit code, stdout, stderr).
pub fn isdb(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_isdb"));
    cmd.args(args).current_dir(dir);
    for k in ["RUST_LOG", "ISDB_PASSWORD", "NO_COLOR"] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    output(&mut cmd)
}

/// Runs `cmd` to its end; returns (exit code, stdout, stderr).
pub fn output(cmd: &mut std::process::Command) -> (i32, String, String) {
    let out = cmd.output().expect("isdb runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
