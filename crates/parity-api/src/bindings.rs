//! The TypeScript side of the IPC boundary, rendered into two committed files: `index.ts` (every
//! DTO by ts-rs, plus the statuses, categories and kinds with their order from Rust) and
//! `commands.ts` (one typed wrapper per command of `registry`). `cargo run -p envparity-desktop
//! --bin envparity-seed -- bindings` rewrites them; a test fails when a committed file is stale.

use std::collections::BTreeSet;

use parity_core::{Category, Status};
use ts_rs::TS;

use crate::dto::*;
use crate::registry::{camel, commands};

/// Where the type bindings are committed, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/bindings/index.ts";
/// Where the command wrappers are committed, relative to the repository root.
pub const COMMANDS_PATH: &str = "ui/src/bindings/commands.ts";

/// The command that regenerates the bindings.
pub const REGENERATE: &str = "cargo run -p envparity-desktop --bin envparity-seed -- bindings";

fn quoted<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    items.into_iter().map(|s| format!("\"{s}\"")).collect()
}

/// The engine's enums as TypeScript unions and ordered lists.
fn enums() -> String {
    let statuses = quoted(Status::ALL.iter().map(|s| s.as_str()));
    let failing = quoted(
        Status::ALL
            .iter()
            .filter(|s| s.is_failure())
            .map(|s| s.as_str()),
    );
    let categories = quoted(Category::ALL.iter().map(|c| c.as_str()));
    let kinds = quoted(parity_app::collect::collected_kinds());
    format!(
        "/** A comparison status (docs/CONTRACTS.md \"Statuses\"). */\n\
         export type Status = {};\n\n\
         /** Every status, worst first: the contract's severity order. */\n\
         export const STATUS_ORDER: readonly Status[] = [{}];\n\n\
         /** The statuses that fail `envparity check` (unexplained differences). */\n\
         export const FAILING_STATUSES: readonly Status[] = [{}];\n\n\
         /** An attribute row's category. */\n\
         export type Category = {};\n\n\
         export const CATEGORIES: readonly Category[] = [{}];\n\n\
         /** The kinds the AWS collectors produce, in report order (crates/parity-core/KINDS.md). */\n\
         export const KINDS: readonly string[] = [{}];\n",
        statuses.join(" | "),
        statuses.join(", "),
        failing.join(", "),
        categories.join(" | "),
        categories.join(", "),
        kinds.join(", "),
    )
}

/// The whole `index.ts`.
pub fn render() -> String {
    let decls = [
        IpcError::decl(),
        IpcErrorCode::decl(),
        FilePurpose::decl(),
        WorkspaceDto::decl(),
        CredentialsDto::decl(),
        EnvironmentDto::decl(),
        AssumeRoleDto::decl(),
        FeatureFlagsDto::decl(),
        MissingDto::decl(),
        SnapshotDto::decl(),
        EnvironmentStatusDto::decl(),
        PairScoreDto::decl(),
        ColumnDto::decl(),
        MatrixMetaDto::decl(),
        BaselineDto::decl(),
        SharedSecretDto::decl(),
        MatrixQueryDto::decl(),
        CellDto::decl(),
        ElementMarkerDto::decl(),
        RowDto::decl(),
        MatrixPageDto::decl(),
        PairDto::decl(),
        PairingDto::decl(),
        DetailColumnDto::decl(),
        RowDetailDto::decl(),
        HintDto::decl(),
        IncidentOptionsDto::decl(),
        IncidentResourceDto::decl(),
        IncidentRowDto::decl(),
        IncidentDto::decl(),
        ExceptionDto::decl(),
        ExceptionViewDto::decl(),
        ExceptionInputDto::decl(),
        AuditEntryDto::decl(),
        ProgressDto::decl(),
        CollectOutcomeDto::decl(),
        ConnectionDto::decl(),
        StaticKeysInputDto::decl(),
        TfImportDto::decl(),
    ];
    let mut out = format!(
        "// Generated from crates/parity-api (dto.rs by ts-rs, and the engine's enums). Do not edit: run `{REGENERATE}`.\n\n"
    );
    out.push_str(&enums());
    out.push('\n');
    for decl in decls {
        out.push_str("export ");
        out.push_str(decl.trim());
        out.push_str("\n\n");
    }
    finish(out)
}

/// The whole `commands.ts`: `commands.<camelName>(args…)` invokes the command of that name with
/// its arguments typed as Rust declares them.
pub fn render_commands() -> String {
    let all = commands();
    // Every type name the wrappers mention that index.ts exports, imported from it.
    let exported: BTreeSet<String> = render()
        .lines()
        .filter_map(|l| l.strip_prefix("export type "))
        .filter_map(|l| l.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .map(str::to_string)
        .collect();
    let mut types = BTreeSet::new();
    for c in &all {
        for t in c
            .args
            .iter()
            .map(|a| a.ts.as_str())
            .chain([c.returns.as_str()])
        {
            for word in t.split(|ch: char| !ch.is_ascii_alphanumeric()) {
                if exported.contains(word) {
                    types.insert(word.to_string());
                }
            }
        }
    }
    let mut out = format!(
        "// Generated from crates/parity-api/src/registry.rs. Do not edit: run `{REGENERATE}`.\n\n\
         import {{ Channel, invoke }} from \"@tauri-apps/api/core\";\n\
         import type {{ {} }} from \"./index\";\n\n\
         /** Every IPC command, typed as the Rust side declares it. */\n\
         export const commands = {{\n",
        types.into_iter().collect::<Vec<_>>().join(", ")
    );
    for c in &all {
        let params: Vec<String> = c
            .args
            .iter()
            .map(|a| format!("{}: {}", camel(a.name), a.ts))
            .collect();
        let names: Vec<String> = c.args.iter().map(|a| camel(a.name)).collect();
        let args = if names.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", names.join(", "))
        };
        out.push_str(&format!(
            "  {}: ({}) => invoke<{}>(\"{}\"{args}),\n",
            camel(c.name),
            params.join(", "),
            c.returns,
            c.name
        ));
    }
    out.push_str("};\n\nexport type Commands = typeof commands;\n");
    // `Channel` is used only as a type when no command takes one.
    if !out.contains("Channel<") {
        out = out.replace("import { Channel, invoke }", "import { invoke }");
    }
    finish(out)
}

fn finish(mut out: String) -> String {
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed(rel: &str) -> (std::path::PathBuf, String) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        (path, text)
    }

    #[test]
    fn committed_bindings_are_up_to_date() {
        for (rel, rendered) in [
            (BINDINGS_PATH, render()),
            (COMMANDS_PATH, render_commands()),
        ] {
            let (path, text) = committed(rel);
            assert!(
                text == rendered,
                "{} is stale: run `{REGENERATE}` and commit the result",
                path.display()
            );
        }
    }

    #[test]
    fn statuses_keep_the_engine_order() {
        let text = enums();
        assert!(text.contains(
            "STATUS_ORDER: readonly Status[] = [\"drift\", \"missing\", \"violated\", \"expired\", \"unknown\", \"intentional\", \"allowed\", \"same\"]"
        ), "{text}");
        assert!(text.contains("\"ec2.instance\""));
    }
}
