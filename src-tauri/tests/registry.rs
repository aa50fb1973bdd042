//! The shell's command registries agree with `parity_api::registry`: the `#[tauri::command]`
//! functions (names, argument names and types, success types), the `generate_handler!` list,
//! the build script's permission list, the capability and the generated permission files. A
//! command renamed, added or retyped in one place only fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use parity_api::registry::commands;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Splits `a: A, b: Vec<(X, Y)>` at top-level commas.
fn split_params(text: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in text.chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A command function of commands.rs: name, (argument, type) pairs without Tauri state, and
/// the success type.
type Parsed = (String, Vec<(String, String)>, String);

fn parse_commands(text: &str) -> Vec<Parsed> {
    let mut out = Vec::new();
    for chunk in text.split("#[tauri::command").skip(1) {
        let sig = &chunk[chunk.find("pub ").expect("pub fn")..];
        let sig = sig.trim_start_matches("pub ").trim_start_matches("async ");
        let sig = sig.strip_prefix("fn ").expect("fn");
        let open = sig.find('(').unwrap();
        let name = sig[..open].trim().to_string();
        // the parameter list ends at the `)` that closes the first `(`
        let mut depth = 0;
        let mut close = open;
        for (i, c) in sig[open..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let params = split_params(&sig[open + 1..close])
            .into_iter()
            .filter_map(|p| {
                let (n, t) = p.split_once(':').expect("name: type");
                let t = squash(t);
                // Tauri injects these: the state and the calling window
                (!t.starts_with("State<") && t != "WebviewWindow")
                    .then(|| (n.trim().to_string(), t))
            })
            .collect();
        let rest = &sig[close + 1..sig.find('{').unwrap()];
        let ret = squash(rest.trim().trim_start_matches("->"));
        let ret = ret
            .strip_prefix("IpcResult<")
            .and_then(|r| r.strip_suffix('>'))
            .map(str::to_string)
            .unwrap_or(if ret.is_empty() { "()".into() } else { ret });
        out.push((name, params, ret));
    }
    out
}

#[test]
fn tauri_commands_match_the_registry() {
    let parsed = parse_commands(&read("src-tauri/src/commands.rs"));
    let registry = commands();
    let names = |v: Vec<&str>| v.into_iter().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        names(parsed.iter().map(|p| p.0.as_str()).collect()),
        names(registry.iter().map(|c| c.name).collect()),
        "src-tauri/src/commands.rs and parity_api::registry list different commands (or order)"
    );
    for ((name, params, ret), sig) in parsed.iter().zip(&registry) {
        let expected: Vec<(String, String)> = sig
            .args
            .iter()
            .map(|a| (a.name.to_string(), squash(a.rust)))
            .collect();
        assert_eq!(
            params, &expected,
            "command `{name}`: arguments differ from the registry"
        );
        assert_eq!(
            ret,
            &squash(sig.returns_rust),
            "command `{name}`: success type differs from the registry"
        );
    }
}

/// The names between `generate_handler![` and `]` in lib.rs.
#[test]
fn handler_build_script_capability_and_permissions_match_the_registry() {
    let expected: BTreeSet<String> = commands().iter().map(|c| c.name.to_string()).collect();

    let lib = read("src-tauri/src/lib.rs");
    let start = lib.find("generate_handler![").expect("generate_handler!") + 18;
    let end = start + lib[start..].find(']').unwrap();
    let handler: BTreeSet<String> = lib[start..end]
        .split(',')
        .map(|s| s.trim().trim_start_matches("commands::").to_string())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        handler, expected,
        "generate_handler! in src-tauri/src/lib.rs"
    );

    let build = read("src-tauri/build.rs");
    let start = build
        .find("const COMMANDS: &[&str] = &[")
        .expect("COMMANDS")
        + 28;
    let end = start + build[start..].find("];").unwrap();
    let listed: BTreeSet<String> = build[start..end]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(listed, expected, "COMMANDS in src-tauri/build.rs");

    let cap: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/main.json")).unwrap();
    let allowed: BTreeSet<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_eq!(
        allowed, expected,
        "allow-… permissions in src-tauri/capabilities/main.json"
    );

    let dir: &Path = &root().join("permissions/autogenerated");
    let files: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".toml").map(str::to_string)
        })
        .collect();
    assert_eq!(
        files, expected,
        "files in permissions/autogenerated (written by build.rs)"
    );
}
