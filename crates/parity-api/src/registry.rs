//! The IPC command registry: every command the desktop shell registers, with its arguments and
//! return type as Rust and TypeScript see them. `bindings` renders it into typed command
//! wrappers (`ui/src/bindings/commands.ts`); the shell's test checks that its commands,
//! `generate_handler!` list, build script, capability and permission files match it, so a
//! renamed or retyped command fails a test instead of failing at run time.

use ts_rs::TS;

use crate::dto::*;

/// One argument of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgSig {
    /// The Rust parameter name (`snake_case`; Tauri takes it as `camelCase` from JS).
    pub name: &'static str,
    /// The Rust type as written in the command's signature.
    pub rust: &'static str,
    /// The TypeScript type.
    pub ts: String,
}

/// One IPC command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSig {
    pub name: &'static str,
    pub args: Vec<ArgSig>,
    /// The TypeScript type of the success value.
    pub returns: String,
    /// The Rust type of the success value, as written.
    pub returns_rust: &'static str,
}

/// The TypeScript name of `T` (64-bit integers cross IPC as JSON numbers).
fn ts<T: TS>() -> String {
    T::name().replace("bigint", "number")
}

macro_rules! registry {
    ($( $name:ident ( $( $arg:ident : $ty:ty $( as $ts:literal )? ),* ) -> $ret:ty ; )*) => {
        /// Every command, in registration order.
        pub fn commands() -> Vec<CommandSig> {
            vec![$(
                CommandSig {
                    name: stringify!($name),
                    args: vec![$(
                        ArgSig {
                            name: stringify!($arg),
                            rust: stringify!($ty),
                            ts: registry!(@ts $ty $(, $ts)?),
                        }
                    ),*],
                    returns: ts::<$ret>(),
                    returns_rust: stringify!($ret),
                }
            ),*]
        }
    };
    (@ts $ty:ty) => { ts::<$ty>() };
    (@ts $ty:ty, $ts:literal) => { $ts.to_string() };
}

/// A progress channel (`tauri::ipc::Channel<ProgressDto>` in the shell).
pub const PROGRESS_CHANNEL: &str = "Channel<ProgressDto>";

registry! {
    workspace_info() -> WorkspaceDto;
    choose_file(purpose: FilePurpose, format: Option<String>) -> Option<String>;
    open_workspace(path: String) -> WorkspaceDto;
    connect_team_workspace(url: String, password: Option<String>) -> WorkspaceDto;
    create_workspace(path: String, name: String) -> WorkspaceDto;
    open_demo() -> WorkspaceDto;
    workspace_toml() -> String;
    save_workspace_file(path: String) -> ();
    environments() -> Vec<EnvironmentStatusDto>;
    save_environment(environment: EnvironmentDto, replace: bool) -> ();
    remove_environment(name: String) -> ();
    aws_profiles() -> Vec<String>;
    set_static_keys(environment: String, keys: StaticKeysInputDto) -> ();
    has_static_keys(environment: String) -> bool;
    test_connection(environment: String) -> ConnectionDto;
    collect(environments: Vec<String>, on_progress: Channel<ProgressDto> as "Channel<ProgressDto>") -> Vec<CollectOutcomeDto>;
    cancel_collect() -> ();
    matrix_meta(columns: Vec<String>) -> MatrixMetaDto;
    matrix_page(columns: Vec<String>, query: MatrixQueryDto, offset: usize, limit: usize) -> MatrixPageDto;
    row_detail(columns: Vec<String>, index: usize) -> RowDetailDto;
    incident_options() -> IncidentOptionsDto;
    incident(a: String, b: String, service: String) -> IncidentDto;
    exceptions() -> Vec<ExceptionViewDto>;
    add_exception(input: ExceptionInputDto) -> ExceptionDto;
    edit_exception(input: ExceptionInputDto) -> ExceptionDto;
    expire_exception(id: String) -> ExceptionDto;
    remove_exception(id: String) -> ();
    exception_history(id: String) -> Vec<AuditEntryDto>;
    snapshots(environment: Option<String>) -> Vec<SnapshotDto>;
    delete_snapshot(id: i64) -> ();
    import_tfstate(environment: String, path: String) -> TfImportDto;
    save_report(path: String, format: String) -> ();
    set_baseline(path: Option<String>) -> ();
}

/// `snake_case` → `camelCase`, as Tauri maps command argument names.
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_types_are_typescript() {
        let all = commands();
        let mut names: Vec<_> = all.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "a command is listed twice");
        let delete = all.iter().find(|c| c.name == "delete_snapshot").unwrap();
        assert_eq!(delete.args[0].ts, "number");
        assert_eq!(delete.returns, "null");
        let page = all.iter().find(|c| c.name == "matrix_page").unwrap();
        assert_eq!(page.args[0].ts, "Array<string>");
        assert_eq!(page.returns, "MatrixPageDto");
        let snaps = all.iter().find(|c| c.name == "snapshots").unwrap();
        assert_eq!(snaps.args[0].ts, "string | null");
        assert_eq!(camel("on_progress"), "onProgress");
    }
}
