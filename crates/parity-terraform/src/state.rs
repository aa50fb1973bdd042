//! Reading `terraform state pull` JSON (state format version 4) into a [`TerraformState`]:
//! resources with their module path, mode, type, name and instances. Paths listed in an
//! instance's `sensitive_attributes` and values under secret-looking keys are removed while
//! parsing, so no later step (or `Debug` print) can see them.

use std::fmt;

use serde_json::{Map, Value};

use crate::error::TfStateError;
use crate::secrets::{remove_schema_sensitive, scrub_secret_keys};

/// The state format version this importer reads.
pub const SUPPORTED_STATE_VERSION: u64 = 4;

/// A parsed Terraform state (format version 4).
#[derive(Debug, Clone, PartialEq)]
pub struct TerraformState {
    /// The file name the caller passed, used in messages.
    pub file: String,
    pub version: u64,
    pub terraform_version: Option<String>,
    pub serial: Option<u64>,
    pub lineage: Option<String>,
    /// Every resource block, data sources included, in file order.
    pub resources: Vec<StateResource>,
}

/// `managed` (a `resource` block) or `data` (a data source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceMode {
    Managed,
    Data,
}

/// One resource block of the state, with its instances (several with `count` / `for_each`).
#[derive(Debug, Clone, PartialEq)]
pub struct StateResource {
    /// Module path (`module.app`, `module.db.module.db_instance`), `None` at the root.
    pub module: Option<String>,
    pub mode: ResourceMode,
    /// The Terraform type (`aws_instance`).
    pub resource_type: String,
    pub name: String,
    pub provider: Option<String>,
    pub instances: Vec<StateInstance>,
}

/// The `count` index or `for_each` key of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexKey {
    Number(i64),
    Key(String),
}

impl fmt::Display for IndexKey {
    /// `[0]` or `["key"]`, as Terraform writes addresses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexKey::Number(n) => write!(f, "[{n}]"),
            IndexKey::Key(k) => write!(f, "[{}]", Value::String(k.clone())),
        }
    }
}

/// One instance of a resource: its attributes with sensitive paths and secret values removed.
#[derive(Debug, Clone, PartialEq)]
pub struct StateInstance {
    pub index_key: Option<IndexKey>,
    pub attributes: Map<String, Value>,
    /// How many values were removed (sensitive paths and secret-looking keys).
    pub redacted: usize,
}

impl StateResource {
    /// The address of one instance: module path, type, name and index key
    /// (`module.app.aws_s3_bucket.logs["x"]`; data sources get `data.` before the type).
    pub fn address(&self, instance: &StateInstance) -> String {
        let mut address = String::new();
        if let Some(module) = self.module.as_deref().filter(|m| !m.is_empty()) {
            address.push_str(module);
            address.push('.');
        }
        if self.mode == ResourceMode::Data {
            address.push_str("data.");
        }
        address.push_str(&self.resource_type);
        address.push('.');
        address.push_str(&self.name);
        if let Some(key) = &instance.index_key {
            address.push_str(&key.to_string());
        }
        address
    }
}

/// One managed resource instance with its address.
#[derive(Debug, Clone, Copy)]
pub struct ManagedInstance<'a> {
    pub resource: &'a StateResource,
    pub instance: &'a StateInstance,
}

impl ManagedInstance<'_> {
    pub fn address(&self) -> String {
        self.resource.address(self.instance)
    }

    pub fn resource_type(&self) -> &str {
        &self.resource.resource_type
    }

    pub fn attributes(&self) -> &Map<String, Value> {
        &self.instance.attributes
    }
}

impl TerraformState {
    /// Every instance of every managed resource (data sources skipped), in file order.
    pub fn managed_instances(&self) -> impl Iterator<Item = ManagedInstance<'_>> {
        self.resources
            .iter()
            .filter(|r| r.mode == ResourceMode::Managed)
            .flat_map(|resource| {
                resource
                    .instances
                    .iter()
                    .map(move |instance| ManagedInstance { resource, instance })
            })
    }

    /// How many managed resource instances the state holds.
    pub fn managed_instance_count(&self) -> usize {
        self.managed_instances().count()
    }

    /// How many data-source instances the state holds (never imported).
    pub fn data_instance_count(&self) -> usize {
        self.resources
            .iter()
            .filter(|r| r.mode == ResourceMode::Data)
            .map(|r| r.instances.len())
            .sum()
    }
}

/// Parses the bytes of a `terraform state pull` JSON (format version 4). `file` is only used in
/// error messages. Pure: no IO.
///
/// Refuses, with a message naming `file`: an empty file, truncated or invalid JSON (with line and
/// column), JSON that is not a state (no `version` or `resources`), format version 3 or older
/// (naming the Terraform version that wrote it and what to do) and versions newer than 4.
pub fn parse_state(bytes: &[u8], file: &str) -> Result<TerraformState, TfStateError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TfStateError::Empty {
            file: file.to_string(),
        });
    }
    let document: Value = serde_json::from_slice(bytes).map_err(|e| json_error(file, &e))?;
    let not_a_state = |reason: &str| TfStateError::NotAState {
        file: file.to_string(),
        reason: reason.to_string(),
    };
    let Value::Object(top) = document else {
        return Err(not_a_state(&format!(
            "the document is {}, not an object with `version` and `resources`",
            json_kind(&document)
        )));
    };
    let version = match top.get("version") {
        None => return Err(not_a_state("it has no `version` field")),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| not_a_state(&format!("`version` is {}, not a number", json_kind(v))))?,
    };
    let terraform_version = top
        .get("terraform_version")
        .and_then(Value::as_str)
        .map(str::to_string);
    let shown_version = || {
        terraform_version
            .clone()
            .unwrap_or_else(|| "an unknown version".to_string())
    };
    if version < SUPPORTED_STATE_VERSION {
        return Err(TfStateError::LegacyVersion {
            file: file.to_string(),
            version,
            terraform_version: shown_version(),
        });
    }
    if version > SUPPORTED_STATE_VERSION {
        return Err(TfStateError::UnsupportedVersion {
            file: file.to_string(),
            version,
            terraform_version: shown_version(),
        });
    }
    let resources = match top.get("resources") {
        None => return Err(not_a_state("it has no `resources` list")),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(not_a_state(&format!(
                "`resources` is {}, not a list",
                json_kind(other)
            )))
        }
    };
    let resources = resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            parse_resource(r).map_err(|reason| TfStateError::MalformedResource {
                file: file.to_string(),
                index: i + 1,
                reason,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TerraformState {
        file: file.to_string(),
        version,
        terraform_version,
        serial: top.get("serial").and_then(Value::as_u64),
        lineage: top
            .get("lineage")
            .and_then(Value::as_str)
            .map(str::to_string),
        resources,
    })
}

fn json_error(file: &str, error: &serde_json::Error) -> TfStateError {
    let (line, column) = (error.line(), error.column());
    if error.is_eof() {
        return TfStateError::Truncated {
            file: file.to_string(),
            line,
            column,
        };
    }
    let text = error.to_string();
    let reason = match text.rsplit_once(" at line ") {
        Some((reason, _)) => reason.to_string(),
        None => text,
    };
    TfStateError::InvalidJson {
        file: file.to_string(),
        line,
        column,
        reason,
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn required_str<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, String> {
    match map.get(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("`{field}` is {}, not a string", json_kind(other))),
        None => Err(format!("it has no `{field}`")),
    }
}

fn parse_resource(value: &Value) -> Result<StateResource, String> {
    let Value::Object(map) = value else {
        return Err(format!("it is {}, not an object", json_kind(value)));
    };
    let mode = match map.get("mode").and_then(Value::as_str) {
        Some("managed") | None => ResourceMode::Managed,
        Some("data") => ResourceMode::Data,
        Some(other) => return Err(format!("unknown mode `{other}`")),
    };
    let resource_type = required_str(map, "type")?.to_string();
    let name = required_str(map, "name")?.to_string();
    let module = map
        .get("module")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    let provider = map
        .get("provider")
        .and_then(Value::as_str)
        .map(str::to_string);
    let instances = match map.get("instances") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                parse_instance(&resource_type, item)
                    .map_err(|e| format!("{resource_type}.{name}: instance #{}: {e}", i + 1))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(format!(
                "{resource_type}.{name}: `instances` is {}, not a list",
                json_kind(other)
            ))
        }
    };
    Ok(StateResource {
        module,
        mode,
        resource_type,
        name,
        provider,
        instances,
    })
}

fn parse_instance(resource_type: &str, value: &Value) -> Result<StateInstance, String> {
    let Value::Object(map) = value else {
        return Err(format!("it is {}, not an object", json_kind(value)));
    };
    let index_key = match map.get("index_key") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => {
            Some(IndexKey::Number(n.as_i64().ok_or_else(|| {
                format!("`index_key` {n} is not an integer")
            })?))
        }
        Some(Value::String(s)) => Some(IndexKey::Key(s.clone())),
        Some(other) => {
            return Err(format!(
                "`index_key` is {}, not a number or string",
                json_kind(other)
            ))
        }
    };
    let mut attributes = match (map.get("attributes"), map.get("attributes_flat")) {
        (Some(Value::Object(a)), _) => a.clone(),
        (None | Some(Value::Null), Some(Value::Object(flat))) => flat.clone(),
        (None | Some(Value::Null), _) => Map::new(),
        (Some(other), _) => {
            return Err(format!(
                "`attributes` is {}, not an object",
                json_kind(other)
            ))
        }
    };
    let mut redacted = 0;
    if let Some(paths) = map.get("sensitive_attributes") {
        for path in sensitive_paths(paths) {
            redacted += remove_path(&mut attributes, &path);
        }
    }
    redacted += remove_schema_sensitive(resource_type, &mut attributes);
    redacted += scrub_secret_keys(&mut attributes);
    Ok(StateInstance {
        index_key,
        attributes,
        redacted,
    })
}

/// One step of a path into an instance's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PathStep {
    /// An object key (`get_attr`, or a map index by string).
    Key(String),
    /// A list index.
    Index(usize),
    /// A flatmap segment (`tags.Name`, `ingress.0`): a key of an object or an index of a list.
    Segment(String),
}

/// The paths `sensitive_attributes` lists, in every form Terraform has written:
/// - version 4 (Terraform ≥ 0.15): a list of paths, each a list of steps
///   `{"type": "get_attr", "value": "password"}` / `{"type": "index", "value": {"value": 0,
///   "type": "number"}}`;
/// - a single path as a list of steps (not nested);
/// - strings in flatmap form (`password`, `tags.secret`, `ingress.0.cidr_blocks`).
///
/// Anything unreadable yields no path; the secret-key scrub still runs afterwards.
fn sensitive_paths(value: &Value) -> Vec<Vec<PathStep>> {
    let Value::Array(items) = value else {
        return match value {
            Value::String(s) => vec![flatmap_path(s)],
            _ => Vec::new(),
        };
    };
    let mut paths = Vec::new();
    for item in items {
        match item {
            Value::Array(steps) => {
                let path: Vec<PathStep> = steps.iter().filter_map(path_step).collect();
                if path.len() == steps.len() && !path.is_empty() {
                    paths.push(path);
                } else if let Some(first) = path.into_iter().next() {
                    // Unreadable later steps: drop the whole top-level attribute.
                    paths.push(vec![first]);
                }
            }
            Value::Object(_) => {
                if let Some(step) = path_step(item) {
                    paths.push(vec![step]);
                }
            }
            Value::String(s) => paths.push(flatmap_path(s)),
            _ => {}
        }
    }
    paths
}

fn flatmap_path(s: &str) -> Vec<PathStep> {
    s.split('.')
        .filter(|seg| !seg.is_empty())
        .map(|seg| PathStep::Segment(seg.to_string()))
        .collect()
}

fn path_step(step: &Value) -> Option<PathStep> {
    let Value::Object(map) = step else {
        return None;
    };
    let kind = map.get("type").and_then(Value::as_str)?;
    let value = map.get("value")?;
    // Index values are typed: {"value": 0, "type": "number"}; older forms give the bare value.
    let inner = match value {
        Value::Object(typed) => typed.get("value").unwrap_or(value),
        _ => value,
    };
    match (kind, inner) {
        ("get_attr", Value::String(s)) => Some(PathStep::Key(s.clone())),
        ("index", Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(PathStep::Index),
        ("index", Value::String(s)) => Some(PathStep::Key(s.clone())),
        _ => None,
    }
}

/// Removes the value at `path`: an object key is removed, a list element becomes `null` (so the
/// indices of other listed paths stay valid). When the path cannot be followed through a value
/// that exists, the whole top-level attribute is removed instead: better lose an attribute than
/// keep a secret. Returns 1 when something was removed.
fn remove_path(attributes: &mut Map<String, Value>, path: &[PathStep]) -> usize {
    let Some((first, rest)) = path.split_first() else {
        return 0;
    };
    let top = match first {
        PathStep::Key(k) | PathStep::Segment(k) => k.clone(),
        PathStep::Index(_) => return 0,
    };
    if rest.is_empty() {
        return usize::from(attributes.remove(&top).is_some());
    }
    let outcome = match attributes.get_mut(&top) {
        None | Some(Value::Null) => return 0,
        Some(value) => remove_nested(value, rest),
    };
    match outcome {
        Removal::Removed => 1,
        Removal::Absent => 0,
        Removal::Unfollowable => usize::from(attributes.remove(&top).is_some()),
    }
}

enum Removal {
    Removed,
    Absent,
    Unfollowable,
}

fn remove_nested(value: &mut Value, path: &[PathStep]) -> Removal {
    let Some((step, rest)) = path.split_first() else {
        return Removal::Unfollowable;
    };
    let last = rest.is_empty();
    match (value, step) {
        (Value::Null, _) => Removal::Absent,
        (Value::Object(map), PathStep::Key(k) | PathStep::Segment(k)) => {
            if last {
                if map.remove(k).is_some() {
                    Removal::Removed
                } else {
                    Removal::Absent
                }
            } else {
                match map.get_mut(k) {
                    Some(inner) => remove_nested(inner, rest),
                    None => Removal::Absent,
                }
            }
        }
        (Value::Array(items), PathStep::Index(i)) => remove_in_list(items, *i, rest),
        (Value::Array(items), PathStep::Segment(s)) => match s.parse::<usize>() {
            Ok(i) => remove_in_list(items, i, rest),
            Err(_) => Removal::Unfollowable,
        },
        _ => Removal::Unfollowable,
    }
}

fn remove_in_list(items: &mut [Value], index: usize, rest: &[PathStep]) -> Removal {
    match items.get_mut(index) {
        None => Removal::Absent,
        Some(item) if rest.is_empty() => {
            *item = Value::Null;
            Removal::Removed
        }
        Some(item) => remove_nested(item, rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state_with_instance(instance: Value) -> Vec<u8> {
        json!({
            "version": 4,
            "terraform_version": "1.5.0",
            "resources": [{
                "mode": "managed", "type": "aws_thing", "name": "x",
                "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                "instances": [instance]
            }]
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn v4_sensitive_paths_are_removed() {
        let bytes = state_with_instance(json!({
            "attributes": {
                "id": "x-1",
                "password": "hunter2-but-not-named-so",
                "conn": {"dsn": "postgres://u:p@h/db", "host": "h"},
                "items": [{"v": "keep"}, {"v": "secret-by-path"}],
                "labels": {"a": "1"}
            },
            "sensitive_attributes": [
                [{"type": "get_attr", "value": "conn"}, {"type": "get_attr", "value": "dsn"}],
                [{"type": "get_attr", "value": "items"}, {"type": "index", "value": {"value": 1, "type": "number"}}, {"type": "get_attr", "value": "v"}],
                [{"type": "get_attr", "value": "labels"}, {"type": "index", "value": {"value": "a", "type": "string"}}]
            ]
        }));
        let state = parse_state(&bytes, "s.json").unwrap();
        let attrs = &state.resources[0].instances[0].attributes;
        let text = Value::Object(attrs.clone()).to_string();
        assert!(!text.contains("postgres://"), "{text}");
        assert!(!text.contains("secret-by-path"), "{text}");
        assert_eq!(attrs["conn"], json!({"host": "h"}));
        assert_eq!(attrs["items"][0], json!({"v": "keep"}));
        assert_eq!(attrs["labels"], json!({}));
        // the `password` value is replaced by the secret detector (presence only)
        assert_eq!(attrs["password"], json!("<secret>"));
    }

    #[test]
    fn older_sensitive_forms_are_removed() {
        let bytes = state_with_instance(json!({
            "attributes": {"id": "x", "result": "abc", "tags": {"Owner": "o", "Hidden": "h"}, "rules": [{"x": "1"}]},
            "sensitive_attributes": ["result", "tags.Hidden", "rules.0.x"]
        }));
        let state = parse_state(&bytes, "s.json").unwrap();
        let attrs = &state.resources[0].instances[0].attributes;
        assert!(!attrs.contains_key("result"));
        assert_eq!(attrs["tags"], json!({"Owner": "o"}));
        assert_eq!(attrs["rules"], json!([{}]));
        assert_eq!(state.resources[0].instances[0].redacted, 3);
    }

    #[test]
    fn unfollowable_paths_drop_the_whole_attribute() {
        let bytes = state_with_instance(json!({
            "attributes": {"id": "x", "blob": "not-an-object"},
            "sensitive_attributes": [[{"type": "get_attr", "value": "blob"}, {"type": "get_attr", "value": "inner"}]]
        }));
        let state = parse_state(&bytes, "s.json").unwrap();
        assert!(!state.resources[0].instances[0]
            .attributes
            .contains_key("blob"));
    }

    #[test]
    fn addresses_carry_module_and_index_key() {
        let bytes = json!({
            "version": 4, "terraform_version": "1.5.0",
            "resources": [
                {"module": "module.app", "mode": "managed", "type": "aws_s3_bucket", "name": "logs",
                 "instances": [{"index_key": "x", "attributes": {"id": "b"}}, {"index_key": "y\"z", "attributes": {"id": "c"}}]},
                {"mode": "managed", "type": "aws_eip", "name": "nat",
                 "instances": [{"index_key": 0, "attributes": {"id": "e"}}]},
                {"mode": "data", "type": "aws_ami", "name": "ubuntu", "instances": [{"attributes": {"id": "ami"}}]}
            ]
        })
        .to_string();
        let state = parse_state(bytes.as_bytes(), "s.json").unwrap();
        let addresses: Vec<String> = state.managed_instances().map(|m| m.address()).collect();
        assert_eq!(
            addresses,
            vec![
                "module.app.aws_s3_bucket.logs[\"x\"]",
                "module.app.aws_s3_bucket.logs[\"y\\\"z\"]",
                "aws_eip.nat[0]"
            ]
        );
        assert_eq!(state.data_instance_count(), 1);
        assert_eq!(
            state.resources[2].address(&state.resources[2].instances[0]),
            "data.aws_ami.ubuntu"
        );
    }

    #[test]
    fn bad_input_gets_a_clear_error() {
        let err = parse_state(b"", "empty.tfstate").unwrap_err();
        assert_eq!(
            err,
            TfStateError::Empty {
                file: "empty.tfstate".into()
            }
        );
        assert!(err.to_string().starts_with("empty.tfstate: "));

        let err =
            parse_state(b"{\n  \"version\": 4,\n  \"resources\": [", "cut.tfstate").unwrap_err();
        assert!(
            matches!(err, TfStateError::Truncated { line: 3, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("truncated"), "{err}");

        let err = parse_state(b"{\"version\": 4,, }", "bad.tfstate").unwrap_err();
        assert!(
            matches!(
                err,
                TfStateError::InvalidJson {
                    line: 1,
                    column: 15,
                    ..
                }
            ),
            "{err:?}"
        );

        let err = parse_state(b"[1, 2]", "list.json").unwrap_err();
        assert!(matches!(err, TfStateError::NotAState { .. }), "{err:?}");
        let err = parse_state(b"{\"name\": \"x\"}", "pkg.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "pkg.json: not a Terraform state: it has no `version` field"
        );
        let err = parse_state(b"{\"version\": 4}", "v4.json").unwrap_err();
        assert!(err.to_string().contains("no `resources`"), "{err}");

        let err = parse_state(
            b"{\"version\": 3, \"terraform_version\": \"0.11.14\", \"modules\": []}",
            "old.tfstate",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "old.tfstate: state format version 3 was written by Terraform 0.11.14 (pre-0.12); \
             run `terraform state pull` with Terraform ≥ 0.12 and import that"
        );

        let err = parse_state(
            b"{\"version\": 5, \"terraform_version\": \"2.0.0\", \"resources\": []}",
            "new.tfstate",
        )
        .unwrap_err();
        assert!(
            matches!(err, TfStateError::UnsupportedVersion { version: 5, .. }),
            "{err:?}"
        );

        let err = parse_state(
            b"{\"version\": 4, \"resources\": [{\"mode\": \"managed\"}]}",
            "m.tfstate",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.tfstate: resource #1 is malformed: it has no `type`"
        );
    }
}
