//! Fix hints (docs/CONTRACTS.md "Fix hints and the incident view"): the reference environment,
//! which column of an unexplained row should change, to what, and where — the Terraform address
//! and argument, or the AWS resource and the field by its API name. Text only: EnvParity never
//! changes anything.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::DiffDocument;
use crate::elements::{element_text, is_set_valued, pair_elements};
use crate::exception::{values_match, CompiledException, ExceptionRule};
use crate::identity::ENV_PLACEHOLDER;
use crate::matrix::{Matrix, Row};
use crate::model::{Resource, Snapshot, Source};

/// The tag naming a resource's service when the workspace sets no `service_tag`.
pub const DEFAULT_SERVICE_TAG: &str = "Service";

/// What one environment should change on one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hint {
    /// The column label of the environment that should change.
    pub environment: String,
    /// The reference column's label, or `expected` (an exception's expected value).
    pub towards: String,
    /// The exception whose expected value is the target (`towards` = `expected`).
    pub exception: Option<String>,
    /// Where: the Terraform address, or the AWS resource's name and id.
    pub resource: String,
    /// The Terraform argument, or the AWS API field.
    pub field: String,
    /// The value to set on scalar rows (`null`: unset it); absent on set-valued and `exists`
    /// rows and for secrets.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub value: Option<Value>,
    /// Elements to add (set-valued rows), in canonical element text.
    #[serde(default)]
    pub add: Vec<String>,
    /// Elements to remove (set-valued rows).
    #[serde(default)]
    pub remove: Vec<String>,
    /// The whole hint as one line.
    pub text: String,
}

/// A present field, `null` included, is `Some` (so `value: null` — unset it — round-trips).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The reference column: the first column of the `configured` environment, else of `prod`,
/// else of `production`, else the last column. `environments` are the columns' environment names.
pub fn reference_column(environments: &[String], configured: Option<&str>) -> Option<usize> {
    if environments.is_empty() {
        return None;
    }
    configured
        .into_iter()
        .chain(["prod", "production"])
        .find_map(|name| environments.iter().position(|e| e == name))
        .or(Some(environments.len() - 1))
}

/// Everything hints are computed from: the matrix, its snapshots (column-aligned), the
/// workspace's exceptions, today, and the reference column.
pub struct HintContext<'a> {
    matrix: &'a Matrix,
    snapshots: &'a [&'a Snapshot],
    exceptions: Vec<CompiledException<'a>>,
    today: NaiveDate,
    reference: Option<usize>,
    /// Per column: key → indices of its resources with that key.
    by_key: Vec<HashMap<&'a str, Vec<usize>>>,
}

impl<'a> HintContext<'a> {
    pub fn new(
        matrix: &'a Matrix,
        snapshots: &'a [&'a Snapshot],
        exceptions: &'a [ExceptionRule],
        today: NaiveDate,
        configured_reference: Option<&str>,
    ) -> Self {
        let by_key = (0..matrix.labels.len())
            .map(|c| {
                let mut map: HashMap<&'a str, Vec<usize>> = HashMap::new();
                for (i, k) in matrix.resource_keys(c).iter().enumerate() {
                    map.entry(&**k).or_default().push(i);
                }
                map
            })
            .collect();
        HintContext {
            matrix,
            snapshots,
            // globs were validated when the exceptions were stored and by the matrix
            exceptions: exceptions
                .iter()
                .filter_map(|e| CompiledException::new(e).ok())
                .collect(),
            today,
            reference: if matrix.change_view {
                None
            } else {
                reference_column(&matrix.environments, configured_reference)
            },
            by_key,
        }
    }

    /// The reference column, if any (none in a change view).
    pub fn reference(&self) -> Option<usize> {
        self.reference
    }

    /// The resources of column `c` holding `key`.
    pub fn resources(&self, c: usize, key: &str) -> Vec<&'a Resource> {
        let Some(snap) = self.snapshots.get(c) else {
            return Vec::new();
        };
        self.by_key
            .get(c)
            .and_then(|m| m.get(key))
            .map(|ix| ix.iter().filter_map(|&i| snap.resources.get(i)).collect())
            .unwrap_or_default()
    }

    /// The hints of one row, in column order (none unless the row is failing).
    pub fn row_hints(&self, row: &Row) -> Vec<Hint> {
        if self.matrix.change_view || !row.status.is_failure() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for c in 0..row.raw.len() {
            if row.cells[c].is_none() {
                continue;
            }
            if let Some(h) = self.expected_hint(row, c) {
                out.push(h);
                continue;
            }
            let Some(r) = self.reference else { continue };
            if r == c || !row.pair_status(c, r).is_some_and(|s| s.is_failure()) {
                continue;
            }
            out.push(self.towards_column(row, c, r));
        }
        out
    }

    fn expected_hint(&self, row: &Row, c: usize) -> Option<Hint> {
        let env = self.matrix.environments.get(c)?;
        for e in &self.exceptions {
            if e.rule.is_expired(self.today)
                || !e.names_env(env)
                || !e.matches_row(&row.key, &row.attribute)
            {
                continue;
            }
            let Some(want) = e.rule.expected.get(env) else {
                continue;
            };
            if values_match(want, &row.raw[c]) {
                continue;
            }
            let mut h = self.blank(row, c, "expected");
            h.exception = Some(e.rule.effective_id());
            self.fill_value(&mut h, c, want.clone(), None);
            return Some(h);
        }
        None
    }

    fn towards_column(&self, row: &Row, c: usize, r: usize) -> Hint {
        let mut h = self.blank(row, c, &self.matrix.labels[r]);
        let here = self.resources(c, &row.key);
        let there = self.resources(r, &row.key);
        let label_r = &self.matrix.labels[r];
        if &*row.attribute == "exists" {
            h.text = if here.is_empty() {
                let like = there
                    .first()
                    .map(|x| format!(" like {label_r}'s {}", api_resource(x)))
                    .unwrap_or_default();
                format!("{}: create {}{like}", h.environment, row.key)
            } else {
                format!(
                    "{}: remove {} ({label_r} has none) or record an exception",
                    h.environment, h.resource
                )
            };
            return h;
        }
        if let Some(kind) = row.attribute.strip_prefix("children.") {
            h.value = Some(row.raw[r].clone());
            h.text = format!(
                "{}: {} holds {} {kind}, {label_r} {}: add or remove {kind} resources",
                h.environment,
                h.resource,
                value_text(&row.raw[c]),
                value_text(&row.raw[r])
            );
            return h;
        }
        if &*row.attribute == "zone_spread" {
            // derived (docs/CONTRACTS.md "Availability zones"): no API field to set; the
            // members' placement is what changes
            h.value = Some(row.raw[r].clone());
            h.text = format!(
                "{}: {} spans {} availability zones, {label_r} {}: place its members (or subnets) in {} zones",
                h.environment,
                h.resource,
                value_text(&row.raw[c]),
                value_text(&row.raw[r]),
                value_text(&row.raw[r])
            );
            return h;
        }
        let set_valued = is_set_valued(&row.kind, &row.attribute, row.values());
        if set_valued {
            let d = pair_elements(row.value(c), row.value(r));
            h.remove = d.only_a.iter().map(element_text).collect();
            h.add = d.only_b.iter().map(element_text).collect();
            let mut parts = Vec::new();
            if !h.add.is_empty() {
                parts.push(format!("add {}", h.add.join(", ")));
            }
            if !h.remove.is_empty() {
                parts.push(format!("remove {}", h.remove.join(", ")));
            }
            h.text = format!(
                "{}: {}{}: {}",
                h.environment,
                where_prefix(&h.resource),
                h.field,
                parts.join("; ")
            );
            return h;
        }
        self.fill_value(&mut h, c, row.raw[r].clone(), Some(row.value(r)));
        h
    }

    /// The hint's environment, direction and where, without what.
    fn blank(&self, row: &Row, c: usize, towards: &str) -> Hint {
        let here = self.resources(c, &row.key);
        let source = self.snapshots.get(c).map(|s| s.source);
        let terraform = source == Some(Source::Terraform);
        let resource = match here.first() {
            None => row.key.to_string(),
            Some(first) => {
                let base = if terraform {
                    first
                        .source_address
                        .clone()
                        .unwrap_or_else(|| first.native_id.clone())
                } else {
                    api_resource(first)
                };
                if here.len() > 1 {
                    format!("{base} (+{} more)", here.len() - 1)
                } else {
                    base
                }
            }
        };
        let field = if terraform {
            terraform_argument(&row.kind, &row.attribute)
        } else {
            api_field(&row.kind, &row.attribute)
        };
        Hint {
            environment: self.matrix.labels[c].clone(),
            towards: towards.to_string(),
            exception: None,
            resource,
            field,
            value: None,
            add: Vec::new(),
            remove: Vec::new(),
            text: String::new(),
        }
    }

    /// Sets `value` and `text` for a scalar target: the raw target, localised for column `c`
    /// when its normalised form (`normalized`) is what compares.
    fn fill_value(&self, h: &mut Hint, c: usize, raw: Value, normalized: Option<&Value>) {
        let secret = |v: &Value| v.as_str().is_some_and(|s| s.contains("<secret"));
        if secret(&raw) || normalized.is_some_and(secret) {
            h.text = format!(
                "{}: {}{}: set to {}'s secret value (not shown)",
                h.environment,
                where_prefix(&h.resource),
                h.field,
                h.towards
            );
            return;
        }
        let value = match normalized {
            Some(n) if *n != raw => self.localize(n, c),
            _ => raw,
        };
        h.text = format!(
            "{}: {}{} = {}",
            h.environment,
            where_prefix(&h.resource),
            h.field,
            value_text(&value)
        );
        h.value = Some(value);
    }

    /// A normalised value made concrete for column `c`: `{env}` becomes its environment name, a
    /// logical key its resource of that key (native id) when it has exactly one.
    fn localize(&self, v: &Value, c: usize) -> Value {
        match v {
            Value::String(s) => {
                let here = self.resources(c, s);
                if here.len() == 1 {
                    return Value::String(here[0].native_id.clone());
                }
                let env = self.matrix.environments.get(c).map_or("", String::as_str);
                Value::String(s.replace(ENV_PLACEHOLDER, env))
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| self.localize(i, c)).collect())
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.localize(x, c)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Adds each kept row's hints to a diff document built from `ctx`'s matrix with the same `keep`
/// (docs/CONTRACTS.md "Diff JSON": `hint`).
pub fn add_hints(doc: &mut DiffDocument, ctx: &HintContext, keep: Option<&[usize]>) {
    let rows = &ctx.matrix.rows;
    let indices: Vec<usize> = match keep {
        Some(k) => k.iter().copied().filter(|&i| i < rows.len()).collect(),
        None => (0..rows.len()).collect(),
    };
    for (doc_row, i) in doc.rows.iter_mut().zip(indices) {
        doc_row.hint = ctx.row_hints(&rows[i]);
    }
}

fn where_prefix(resource: &str) -> String {
    format!("{resource} ")
}

/// `name (id)`, or one of them when they are equal or the name is unknown.
fn api_resource(r: &Resource) -> String {
    let name = match &r.identity {
        crate::model::Identity::Name { name } => Some(name.as_str()),
        crate::model::Identity::Path { path } => Some(path.as_str()),
        crate::model::Identity::Address { address } => Some(address.as_str()),
        _ => None,
    };
    match name {
        Some(n) if n != r.native_id => format!("{n} ({})", r.native_id),
        _ => r.native_id.clone(),
    }
}

/// A value as a hint shows it: strings quoted, others as JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// API field names that are not the attribute in PascalCase, per kind (`*`: any kind).
const API_FIELDS: &[(&str, &str, &str)] = &[
    ("*", "multi_az", "MultiAZ"),
    ("*", "count", "count of resources"),
    ("rds.db_instance", "db_instance_class", "DBInstanceClass"),
    (
        "rds.db_instance",
        "db_parameter_group",
        "DBParameterGroupName",
    ),
    ("rds.db_instance", "db_subnet_group", "DBSubnetGroupName"),
    (
        "rds.db_instance",
        "vpc_security_groups",
        "VpcSecurityGroupIds",
    ),
    (
        "rds.db_instance",
        "iam_database_authentication_enabled",
        "EnableIAMDatabaseAuthentication",
    ),
    ("rds.db_instance", "iops", "Iops"),
    ("rds.db_instance", "port", "Port"),
    ("rds.db_parameter_group", "family", "DBParameterGroupFamily"),
    ("ec2.instance", "security_groups", "SecurityGroupIds"),
    ("ec2.instance", "subnet", "SubnetId"),
    ("ec2.instance", "vpc", "VpcId"),
    ("ec2.instance", "image_name", "ImageId (AMI name)"),
    ("ec2.instance", "detailed_monitoring", "Monitoring.State"),
    (
        "ec2.instance",
        "metadata_http_tokens",
        "MetadataOptions.HttpTokens",
    ),
    (
        "ec2.instance",
        "iam_instance_profile",
        "IamInstanceProfile.Arn",
    ),
    ("ec2.security_group", "ingress", "IpPermissions"),
    ("ec2.security_group", "egress", "IpPermissionsEgress"),
    ("ec2.security_group", "description", "GroupDescription"),
    ("ec2.subnet", "vpc", "VpcId"),
    ("ec2.subnet", "cidr_block", "CidrBlock"),
    ("ec2.vpc", "cidr_block", "CidrBlock"),
    ("ec2.vpc", "enable_dns_support", "EnableDnsSupport"),
    ("ec2.vpc", "enable_dns_hostnames", "EnableDnsHostnames"),
    ("ec2.nat_gateway", "subnet", "SubnetId"),
    ("ec2.route_table", "associations", "Associations"),
    ("ssm.parameter", "key_id", "KeyId"),
    ("elasticache.cluster", "security_groups", "SecurityGroupIds"),
    (
        "elasticache.cluster",
        "automatic_failover",
        "AutomaticFailover",
    ),
    ("elasticache.cluster", "shards", "NumNodeGroups"),
    (
        "lambda.function",
        "security_groups",
        "VpcConfig.SecurityGroupIds",
    ),
    ("lambda.function", "subnets", "VpcConfig.SubnetIds"),
    ("lambda.function", "vpc", "VpcConfig.VpcId"),
    ("lambda.function", "architecture", "Architectures"),
    ("lambda.function", "tracing_mode", "TracingConfig.Mode"),
    (
        "lambda.function",
        "ephemeral_storage",
        "EphemeralStorage.Size",
    ),
    (
        "lambda.function",
        "reserved_concurrency",
        "ReservedConcurrentExecutions",
    ),
    (
        "autoscaling.group",
        "launch_template",
        "LaunchTemplate.LaunchTemplateName",
    ),
    (
        "autoscaling.group",
        "launch_template_version",
        "LaunchTemplate.Version",
    ),
    ("autoscaling.group", "subnets", "VPCZoneIdentifier"),
    (
        "cloudformation.stack",
        "termination_protection",
        "EnableTerminationProtection",
    ),
];

/// The AWS API field of an attribute (docs/CONTRACTS.md "Fix hints and the incident view"):
/// `instance_type` → `InstanceType`, `multi_az` → `MultiAZ`, `tags.Team` → `Tags[Team]`,
/// `parameters.max_connections` → `Parameters[max_connections]`; else PascalCase.
pub fn api_field(kind: &str, attribute: &str) -> String {
    // user-defined attribute names: DynamoDB item attributes, Terraform-only types
    if kind == "dynamodb.item" || kind.starts_with("tf.") {
        return attribute.to_string();
    }
    if let Some((_, _, f)) = API_FIELDS
        .iter()
        .find(|(k, a, _)| (*k == kind || *k == "*") && *a == attribute)
    {
        return f.to_string();
    }
    for (prefix, field) in [
        ("tags.", "Tags"),
        ("parameters.", "Parameters"),
        ("outputs.", "Outputs"),
        ("environment.", "Environment.Variables"),
        ("policy.", "ScalingPolicies"),
        ("children.", "children"),
    ] {
        if let Some(rest) = attribute.strip_prefix(prefix) {
            return format!("{field}[{rest}]");
        }
    }
    if attribute == "exists" {
        return "exists".to_string();
    }
    pascal(attribute)
}

fn pascal(snake: &str) -> String {
    snake
        .split(['_', '.'])
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// Terraform arguments that are not the attribute's name (the importer's renames).
const TERRAFORM_ARGUMENTS: &[(&str, &str, &str)] = &[
    ("rds.db_instance", "db_instance_class", "instance_class"),
    (
        "rds.db_instance",
        "db_parameter_group",
        "parameter_group_name",
    ),
    ("rds.db_instance", "db_subnet_group", "db_subnet_group_name"),
    (
        "rds.db_instance",
        "vpc_security_groups",
        "vpc_security_group_ids",
    ),
    ("ec2.instance", "security_groups", "vpc_security_group_ids"),
    ("ec2.instance", "subnet", "subnet_id"),
    ("ec2.instance", "state", "instance_state"),
    ("ec2.instance", "detailed_monitoring", "monitoring"),
    (
        "ec2.instance",
        "metadata_http_tokens",
        "metadata_options.http_tokens",
    ),
    ("ec2.subnet", "vpc", "vpc_id"),
    ("ec2.security_group", "vpc", "vpc_id"),
    ("ec2.nat_gateway", "subnet", "subnet_id"),
    ("ec2.route_table", "routes", "route"),
    (
        "ec2.route_table",
        "associations",
        "aws_route_table_association.subnet_id",
    ),
];

/// The Terraform argument of an attribute: the importer's renames (`db_instance_class` →
/// `instance_class`), `parameter["name"]`, `tags["Key"]`; else the attribute itself.
pub fn terraform_argument(kind: &str, attribute: &str) -> String {
    if let Some((_, _, a)) = TERRAFORM_ARGUMENTS
        .iter()
        .find(|(k, a, _)| *k == kind && *a == attribute)
    {
        return a.to_string();
    }
    if let Some(tag) = attribute.strip_prefix("tags.") {
        return format!("tags[\"{tag}\"]");
    }
    if kind == "rds.db_parameter_group" {
        if let Some(name) = attribute.strip_prefix("parameters.") {
            return format!("parameter[\"{name}\"]");
        }
    }
    attribute.to_string()
}

/// Whether `name` holds `segment` as a whole segment (case-insensitively; separators `-` `_`
/// `.` `/` `:` space), as the incident view matches a service's logical names.
pub fn has_segment(name: &str, segment: &str) -> bool {
    let seg = segment.to_ascii_lowercase();
    if seg.is_empty() {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    let sep = |b: u8| matches!(b, b'-' | b'_' | b'.' | b'/' | b':' | b' ');
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&seg) {
        let start = from + pos;
        let end = start + seg.len();
        if (start == 0 || sep(bytes[start - 1])) && (end == bytes.len() || sep(bytes[end])) {
            return true;
        }
        from = start + 1;
        while from < lower.len() && !lower.is_char_boundary(from) {
            from += 1;
        }
        if from >= lower.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests;
