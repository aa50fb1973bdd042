//! The TypeScript bindings of every IPC type, rendered into one committed file
//! (`ui/src/bindings/index.ts`). `cargo run --bin envparity-seed -- bindings` rewrites it; a test
//! fails when the committed file is stale.

use ts_rs::TS;

use crate::dto::*;

/// Where the bindings are committed, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/bindings/index.ts";

/// The command that regenerates the bindings.
pub const REGENERATE: &str = "cargo run -p envparity-desktop --bin envparity-seed -- bindings";

/// The whole bindings file.
pub fn render() -> String {
    let decls = [
        IpcError::decl(),
        IpcErrorCode::decl(),
        WorkspaceDto::decl(),
        CredentialsDto::decl(),
        EnvironmentDto::decl(),
        FeatureFlagsDto::decl(),
        MissingDto::decl(),
        SnapshotDto::decl(),
        EnvironmentStatusDto::decl(),
        PairScoreDto::decl(),
        ColumnDto::decl(),
        MatrixMetaDto::decl(),
        MatrixQueryDto::decl(),
        CellDto::decl(),
        RowDto::decl(),
        MatrixPageDto::decl(),
        PairDto::decl(),
        PairingDto::decl(),
        DetailColumnDto::decl(),
        RowDetailDto::decl(),
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
        "// Generated from src-tauri/src/dto.rs by ts-rs. Do not edit: run `{REGENERATE}`.\n\n"
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(decl.trim());
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_bindings_are_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == render(),
            "{} is stale: run `{REGENERATE}` and commit the result",
            path.display()
        );
    }
}
