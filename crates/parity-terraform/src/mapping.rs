//! From a parsed state to a [`Snapshot`]: managed `aws_*` types the AWS collectors also produce
//! become the API kinds with KINDS.md's attribute names and identities; rules, routes and
//! associations kept as separate Terraform resources are folded into their security group or
//! route table; every other managed type becomes a generic `tf.<type>` resource keyed by address.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use parity_core::{Identity, Resource, Snapshot, Source};
use serde_json::{Map, Value};

use crate::secrets::is_secret_name;
use crate::state::{ManagedInstance, TerraformState};

/// What an import did, for the caller to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Managed resource instances in the state (data sources excluded).
    pub managed_instances: usize,
    /// Data-source instances skipped.
    pub data_sources_skipped: usize,
    /// Instances mapped onto an API kind (`ec2.*`, `rds.*`, `ssm.*`).
    pub mapped: usize,
    /// Instances kept as generic `tf.<type>` resources.
    pub generic: usize,
    /// Rule, route and association instances folded into their security group or route table
    /// (they are attributes of it, not resources of their own).
    pub folded: usize,
    /// Values removed because the state marks them sensitive or their key looks secret.
    pub redacted_values: usize,
}

/// A snapshot with what the import did.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub snapshot: Snapshot,
    pub summary: ImportSummary,
}

/// The snapshot of `environment` that `state` describes, taken at `taken_at` (source
/// `terraform`, complete). Pure: no IO, no clock.
pub fn to_snapshot(state: &TerraformState, environment: &str, taken_at: DateTime<Utc>) -> Snapshot {
    import_state(state, environment, taken_at).snapshot
}

/// [`to_snapshot`] with an [`ImportSummary`]. `snapshot.resources.len() + summary.folded ==
/// summary.managed_instances` always holds.
pub fn import_state(state: &TerraformState, environment: &str, taken_at: DateTime<Utc>) -> Import {
    let instances: Vec<ManagedInstance<'_>> = state.managed_instances().collect();
    let index = StateIndex::new(&instances);
    let folds = Folds::collect(&instances, &index);

    let mut summary = ImportSummary {
        managed_instances: instances.len(),
        data_sources_skipped: state.data_instance_count(),
        folded: folds.folded.len(),
        redacted_values: instances.iter().map(|m| m.instance.redacted).sum(),
        ..ImportSummary::default()
    };
    // Mapped kinds first: when a generic resource shares an id with a mapped one, references
    // resolve to the mapped resource (the engine keeps the first owner of an id).
    let mut mapped = Vec::new();
    let mut generic = Vec::new();
    for (i, m) in instances.iter().enumerate() {
        if folds.folded.contains(&i) {
            continue;
        }
        match map_instance(m, &index, &folds) {
            Some(resource) => mapped.push(resource),
            None => generic.push(generic_resource(m)),
        }
    }
    summary.mapped = mapped.len();
    summary.generic = generic.len();
    mapped.extend(generic);
    Import {
        snapshot: Snapshot {
            id: None,
            environment: environment.to_string(),
            taken_at,
            source: Source::Terraform,
            missing: Vec::new(),
            resources: mapped,
        },
        summary,
    }
}

// ---------------------------------------------------------------------------------------------
// Lookups across the state

/// Managed instances by their `id`, so a subnet's VPC or a VPC's CIDR can be looked up.
struct StateIndex<'a> {
    by_id: HashMap<&'a str, &'a ManagedInstance<'a>>,
}

impl<'a> StateIndex<'a> {
    fn new(instances: &'a [ManagedInstance<'a>]) -> Self {
        let mut by_id = HashMap::new();
        for m in instances {
            if let Some(id) = str_attr(m.attributes(), "id") {
                by_id.entry(id).or_insert(m);
            }
        }
        StateIndex { by_id }
    }

    fn get(&self, id: &str, types: &[&str]) -> Option<&'a ManagedInstance<'a>> {
        self.by_id
            .get(id)
            .copied()
            .filter(|m| types.contains(&m.resource_type()))
    }

    /// The VPC id of a subnet in the state.
    fn vpc_of_subnet(&self, subnet_id: &str) -> Option<&'a str> {
        self.get(subnet_id, SUBNET_TYPES)
            .and_then(|s| str_attr(s.attributes(), "vpc_id"))
    }
}

const VPC_TYPES: &[&str] = &["aws_vpc", "aws_default_vpc"];
const SUBNET_TYPES: &[&str] = &["aws_subnet", "aws_default_subnet"];
const SG_TYPES: &[&str] = &["aws_security_group", "aws_default_security_group"];
const RTB_TYPES: &[&str] = &["aws_route_table", "aws_default_route_table"];

/// Rules, routes and associations of security groups and route tables that are in the state.
#[derive(Default)]
struct Folds {
    /// security group id → (ingress rules, egress rules)
    sg_rules: HashMap<String, (Vec<Value>, Vec<Value>)>,
    /// route table id → routes
    routes: HashMap<String, Vec<Value>>,
    /// route table id → associated subnet ids, in state order
    associations: HashMap<String, Vec<String>>,
    /// route tables made main by `aws_main_route_table_association`
    main: HashSet<String>,
    /// indices of the folded instances
    folded: HashSet<usize>,
}

impl Folds {
    fn collect(instances: &[ManagedInstance<'_>], index: &StateIndex<'_>) -> Self {
        let mut folds = Folds::default();
        for (i, m) in instances.iter().enumerate() {
            let a = m.attributes();
            let folded = match m.resource_type() {
                "aws_security_group_rule" => {
                    let Some(sg) = str_attr(a, "security_group_id")
                        .filter(|sg| index.get(sg, SG_TYPES).is_some())
                    else {
                        continue;
                    };
                    let rules = rules_of_sg_rule(a, sg);
                    let entry = folds.sg_rules.entry(sg.to_string()).or_default();
                    if str_attr(a, "type") == Some("egress") {
                        entry.1.extend(rules);
                    } else {
                        entry.0.extend(rules);
                    }
                    true
                }
                t @ ("aws_vpc_security_group_ingress_rule"
                | "aws_vpc_security_group_egress_rule") => {
                    let Some(sg) = str_attr(a, "security_group_id")
                        .filter(|sg| index.get(sg, SG_TYPES).is_some())
                    else {
                        continue;
                    };
                    let rules = rules_of_vpc_sg_rule(a);
                    let entry = folds.sg_rules.entry(sg.to_string()).or_default();
                    if t.ends_with("egress_rule") {
                        entry.1.extend(rules);
                    } else {
                        entry.0.extend(rules);
                    }
                    true
                }
                "aws_route" => {
                    let Some(rtb) = str_attr(a, "route_table_id")
                        .filter(|rtb| index.get(rtb, RTB_TYPES).is_some())
                    else {
                        continue;
                    };
                    if let Some(route) =
                        route_object(a, "destination_cidr_block", "destination_ipv6_cidr_block")
                    {
                        folds.routes.entry(rtb.to_string()).or_default().push(route);
                    }
                    true
                }
                "aws_route_table_association" => {
                    let Some(rtb) = str_attr(a, "route_table_id")
                        .filter(|rtb| index.get(rtb, RTB_TYPES).is_some())
                    else {
                        continue;
                    };
                    // Subnet associations only, like the API collector (an edge association
                    // with a gateway is folded but not listed).
                    if let Some(subnet) = non_empty_str(a, "subnet_id") {
                        folds
                            .associations
                            .entry(rtb.to_string())
                            .or_default()
                            .push(subnet.to_string());
                    }
                    true
                }
                "aws_main_route_table_association" => {
                    let Some(rtb) = str_attr(a, "route_table_id")
                        .filter(|rtb| index.get(rtb, RTB_TYPES).is_some())
                    else {
                        continue;
                    };
                    folds.main.insert(rtb.to_string());
                    true
                }
                _ => false,
            };
            if folded {
                folds.folded.insert(i);
            }
        }
        folds
    }
}

// ---------------------------------------------------------------------------------------------
// Mapped kinds

/// The Terraform types mapped onto API kinds (besides the folded rule/route/association types).
pub const MAPPED_TYPES: &[&str] = &[
    "aws_vpc",
    "aws_default_vpc",
    "aws_subnet",
    "aws_default_subnet",
    "aws_nat_gateway",
    "aws_route_table",
    "aws_default_route_table",
    "aws_security_group",
    "aws_default_security_group",
    "aws_instance",
    "aws_db_instance",
    "aws_db_parameter_group",
    "aws_ssm_parameter",
];

/// Types folded into their security group or route table when that is in the state.
pub const FOLDED_TYPES: &[&str] = &[
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
];

fn map_instance(
    m: &ManagedInstance<'_>,
    index: &StateIndex<'_>,
    folds: &Folds,
) -> Option<Resource> {
    if !MAPPED_TYPES.contains(&m.resource_type()) {
        return None;
    }
    let a = m.attributes();
    // Every mapped type has an `id`; an instance without one keeps its address as native id so
    // it is still imported under its mapped kind (never as a generic copy of all attributes).
    let address = m.address();
    let id = non_empty_str(a, "id").unwrap_or(&address);
    let tags = raw_tags(a);
    let name_tag = tags.get("Name").filter(|n| !n.is_empty()).cloned();
    let named = |name: &str| Identity::Name {
        name: name.to_string(),
    };
    let mut r = match m.resource_type() {
        "aws_vpc" | "aws_default_vpc" => {
            let is_default = m.resource_type() == "aws_default_vpc"
                || a.get("default").and_then(Value::as_bool).unwrap_or(false);
            let identity = match (&name_tag, is_default) {
                (Some(n), _) => named(n),
                (None, true) => named("default"),
                (None, false) => Identity::Unnamed { parent: None },
            };
            let mut r = Resource::new("ec2.vpc", id, identity);
            copy(
                a,
                &mut r,
                &[
                    ("cidr_block", "cidr_block"),
                    ("enable_dns_support", "enable_dns_support"),
                    ("enable_dns_hostnames", "enable_dns_hostnames"),
                    ("instance_tenancy", "instance_tenancy"),
                ],
            );
            r.attributes
                .insert("is_default".into(), Value::Bool(is_default));
            r
        }
        "aws_subnet" | "aws_default_subnet" => {
            let vpc = non_empty_str(a, "vpc_id");
            let identity = match (&name_tag, vpc, non_empty_str(a, "availability_zone")) {
                (Some(n), _, _) => named(n),
                (None, Some(vpc), Some(az)) => Identity::Child {
                    parent: vpc.to_string(),
                    role: az.to_string(),
                },
                (None, vpc, _) => Identity::Unnamed {
                    parent: vpc.map(str::to_string),
                },
            };
            let mut r = Resource::new("ec2.subnet", id, identity);
            r.parent = vpc.map(str::to_string);
            copy(
                a,
                &mut r,
                &[
                    ("cidr_block", "cidr_block"),
                    ("availability_zone", "availability_zone"),
                    ("map_public_ip_on_launch", "map_public_ip_on_launch"),
                    ("vpc_id", "vpc"),
                ],
            );
            r
        }
        "aws_nat_gateway" => {
            let subnet = non_empty_str(a, "subnet_id");
            let vpc = subnet.and_then(|s| index.vpc_of_subnet(s));
            let identity = match (&name_tag, subnet) {
                (Some(n), _) => named(n),
                (None, Some(subnet)) => Identity::Child {
                    parent: vpc.unwrap_or(subnet).to_string(),
                    role: subnet.to_string(),
                },
                (None, None) => Identity::Unnamed {
                    parent: vpc.map(str::to_string),
                },
            };
            let mut r = Resource::new("ec2.nat_gateway", id, identity);
            r.parent = vpc.map(str::to_string);
            copy(
                a,
                &mut r,
                &[
                    ("subnet_id", "subnet"),
                    ("connectivity_type", "connectivity_type"),
                ],
            );
            r
        }
        t @ ("aws_route_table" | "aws_default_route_table") => {
            let vpc = non_empty_str(a, "vpc_id");
            let main = t == "aws_default_route_table" || folds.main.contains(id);
            let associations = folds.associations.get(id).cloned().unwrap_or_default();
            let identity = match (&name_tag, vpc) {
                (Some(n), _) => named(n),
                (None, Some(vpc)) if main => Identity::Child {
                    parent: vpc.to_string(),
                    role: "main".into(),
                },
                (None, Some(vpc)) => match associations.iter().find(|s| s.starts_with("subnet-")) {
                    Some(subnet) => Identity::Child {
                        parent: vpc.to_string(),
                        role: subnet.clone(),
                    },
                    None => Identity::Unnamed {
                        parent: Some(vpc.to_string()),
                    },
                },
                (None, None) => Identity::Unnamed { parent: None },
            };
            let mut r = Resource::new("ec2.route_table", id, identity);
            r.parent = vpc.map(str::to_string);
            let mut routes: Vec<Value> = list(a, "route")
                .iter()
                .filter_map(|route| route.as_object())
                .filter_map(|route| route_object(route, "cidr_block", "ipv6_cidr_block"))
                .collect();
            routes.extend(folds.routes.get(id).cloned().unwrap_or_default());
            // The API lists the implicit `local` route of the VPC's ranges; Terraform leaves it
            // out of `route`. Add it when the VPC is in the state so both sources compare.
            if let Some(vpc) = vpc.and_then(|v| index.get(v, VPC_TYPES)) {
                for field in ["cidr_block", "ipv6_cidr_block"] {
                    if let Some(cidr) = non_empty_str(vpc.attributes(), field) {
                        routes.push(serde_json::json!({"destination": cidr, "target": "local"}));
                    }
                }
            }
            r.attributes.insert("routes".into(), set_of(routes));
            r.attributes.insert(
                "associations".into(),
                set_of(associations.into_iter().map(Value::String).collect()),
            );
            r.attributes.insert("main".into(), Value::Bool(main));
            r
        }
        "aws_security_group" | "aws_default_security_group" => {
            let vpc = non_empty_str(a, "vpc_id");
            let group_name = if m.resource_type() == "aws_default_security_group" {
                Some("default")
            } else {
                non_empty_str(a, "name")
            };
            let identity = match (&name_tag, group_name, vpc) {
                (Some(n), _, _) => named(n),
                (None, Some("default"), Some(vpc)) => Identity::Child {
                    parent: vpc.to_string(),
                    role: "default".into(),
                },
                (None, Some(g), _) => named(g),
                (None, None, vpc) => Identity::Unnamed {
                    parent: vpc.map(str::to_string),
                },
            };
            let mut r = Resource::new("ec2.security_group", id, identity);
            r.parent = vpc.map(str::to_string);
            copy(
                a,
                &mut r,
                &[("description", "description"), ("vpc_id", "vpc")],
            );
            let (extra_in, extra_out) = folds.sg_rules.get(id).cloned().unwrap_or_default();
            let mut ingress = inline_sg_rules(a, "ingress", id);
            ingress.extend(extra_in);
            let mut egress = inline_sg_rules(a, "egress", id);
            egress.extend(extra_out);
            r.attributes.insert("ingress".into(), set_of(ingress));
            r.attributes.insert("egress".into(), set_of(egress));
            r
        }
        "aws_instance" => {
            let identity = match (&name_tag, tags.get("aws:autoscaling:groupName")) {
                (Some(n), _) => named(n),
                (None, Some(group)) => named(group),
                (None, None) => Identity::Unnamed { parent: None },
            };
            let mut r = Resource::new("ec2.instance", id, identity);
            copy(
                a,
                &mut r,
                &[
                    ("instance_type", "instance_type"),
                    ("ami", "image_id"),
                    ("instance_state", "state"),
                    ("subnet_id", "subnet"),
                    ("availability_zone", "availability_zone"),
                    ("ebs_optimized", "ebs_optimized"),
                    ("monitoring", "detailed_monitoring"),
                    ("private_ip", "private_ip_address"),
                ],
            );
            if let Some(vpc) = non_empty_str(a, "subnet_id").and_then(|s| index.vpc_of_subnet(s)) {
                r.attributes
                    .insert("vpc".into(), Value::String(vpc.to_string()));
            }
            let groups = list(a, "vpc_security_group_ids");
            if !groups.is_empty() {
                r.attributes
                    .insert("security_groups".into(), set_of(groups.to_vec()));
            }
            if let Some(tokens) = list(a, "metadata_options")
                .first()
                .and_then(|o| o.get("http_tokens"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
            {
                r.attributes.insert(
                    "metadata_http_tokens".into(),
                    Value::String(tokens.to_string()),
                );
            }
            if let Some(profile) = non_empty_str(a, "iam_instance_profile") {
                // Terraform stores the profile's name; the API gives its ARN. Use the ARN when
                // the profile is in the state.
                let arn = index
                    .get(profile, &["aws_iam_instance_profile"])
                    .and_then(|p| non_empty_str(p.attributes(), "arn"))
                    .unwrap_or(profile);
                r.attributes.insert(
                    "iam_instance_profile".into(),
                    Value::String(arn.to_string()),
                );
            }
            r
        }
        "aws_db_instance" => {
            let identifier = non_empty_str(a, "identifier").unwrap_or(id);
            let mut r = Resource::new("rds.db_instance", id, named(identifier));
            if identifier != id {
                r.aliases.push(identifier.to_string());
            }
            copy(
                a,
                &mut r,
                &[
                    ("instance_class", "db_instance_class"),
                    ("engine", "engine"),
                    ("multi_az", "multi_az"),
                    ("storage_type", "storage_type"),
                    ("allocated_storage", "allocated_storage"),
                    ("max_allocated_storage", "max_allocated_storage"),
                    ("backup_retention_period", "backup_retention_period"),
                    ("parameter_group_name", "db_parameter_group"),
                    ("deletion_protection", "deletion_protection"),
                    ("auto_minor_version_upgrade", "auto_minor_version_upgrade"),
                    ("publicly_accessible", "publicly_accessible"),
                    ("storage_encrypted", "storage_encrypted"),
                    (
                        "iam_database_authentication_enabled",
                        "iam_database_authentication_enabled",
                    ),
                    (
                        "performance_insights_enabled",
                        "performance_insights_enabled",
                    ),
                    ("db_subnet_group_name", "db_subnet_group"),
                    ("availability_zone", "availability_zone"),
                    ("port", "port"),
                    ("address", "endpoint_address"),
                ],
            );
            // `engine_version_actual` is what runs (8.0.35); `engine_version` may be what was
            // asked for (8.0). The API reports the former.
            if let Some(v) = non_empty_str(a, "engine_version_actual")
                .or_else(|| non_empty_str(a, "engine_version"))
            {
                r.attributes
                    .insert("engine_version".into(), Value::String(v.to_string()));
            }
            // Terraform stores 0 for "not provisioned"; omit rather than invent a value.
            for (from, to) in [
                ("iops", "iops"),
                ("storage_throughput", "storage_throughput"),
            ] {
                if let Some(n) = a.get(from).and_then(Value::as_i64).filter(|n| *n > 0) {
                    r.attributes.insert(to.into(), Value::from(n));
                }
            }
            let groups = list(a, "vpc_security_group_ids");
            if !groups.is_empty() {
                r.attributes
                    .insert("vpc_security_groups".into(), set_of(groups.to_vec()));
            }
            r
        }
        "aws_db_parameter_group" => {
            let name = non_empty_str(a, "name").unwrap_or(id);
            let mut r = Resource::new("rds.db_parameter_group", id, named(name));
            if name != id {
                r.aliases.push(name.to_string());
            }
            copy(
                a,
                &mut r,
                &[("family", "family"), ("description", "description")],
            );
            for p in list(a, "parameter").iter().filter_map(Value::as_object) {
                if let (Some(pname), Some(value)) = (non_empty_str(p, "name"), p.get("value")) {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    r.attributes
                        .insert(format!("parameters.{pname}"), Value::String(value));
                }
            }
            r
        }
        "aws_ssm_parameter" => ssm_parameter(a, id),
        _ => return None,
    };
    finish(&mut r, a, tags, true);
    Some(r)
}

/// `aws_ssm_parameter` → `ssm.parameter`.
///
/// The value is kept only for `String`/`StringList` parameters whose name does not look secret.
/// A `SecureString` value is never stored, whatever the state holds (Terraform before 0.15 kept
/// it in clear). For a secret-looking `String` name the API collector stores an HMAC fingerprint
/// keyed by the workspace; the importer has no such key, so it stores neither the value nor a
/// fingerprint: such a parameter compares by presence, type and the other attributes only.
fn ssm_parameter(a: &Map<String, Value>, id: &str) -> Resource {
    let name = non_empty_str(a, "name").unwrap_or(id);
    let mut r = Resource::new(
        "ssm.parameter",
        id,
        Identity::Path {
            path: name.to_string(),
        },
    );
    if name != id {
        r.aliases.push(name.to_string());
    }
    let kind = non_empty_str(a, "type");
    copy(
        a,
        &mut r,
        &[
            ("type", "type"),
            ("tier", "tier"),
            ("data_type", "data_type"),
            ("version", "version"),
        ],
    );
    match kind {
        Some("SecureString") => {
            if let Some(key) = non_empty_str(a, "key_id") {
                r.attributes
                    .insert("key_id".into(), Value::String(key.to_string()));
            }
        }
        Some("String" | "StringList") if !is_secret_name(name) => {
            let value = non_empty_str(a, "insecure_value").or_else(|| str_attr(a, "value"));
            if let Some(v) = value {
                r.attributes
                    .insert("value".into(), Value::String(v.to_string()));
            }
        }
        _ => {}
    }
    r
}

/// Aliases (ARN), region and tags common to every resource.
fn finish(r: &mut Resource, a: &Map<String, Value>, tags: BTreeMap<String, String>, mapped: bool) {
    if let Some(arn) = non_empty_str(a, "arn") {
        if arn != r.native_id && !r.aliases.iter().any(|x| x == arn) {
            r.aliases.push(arn.to_string());
        }
    }
    r.region = region_of(a);
    r.tags = tags
        .into_iter()
        // KINDS.md: tags are user tags except `Name` (the identity) and `aws:*`. A generic
        // resource is keyed by address, so its `Name` tag stays a compared attribute.
        .filter(|(k, _)| !(k.starts_with("aws:") || (mapped && k == "Name")))
        .collect();
}

// ---------------------------------------------------------------------------------------------
// Generic `tf.<type>` resources

/// Attributes not kept on generic resources: tags move to `tags`, `timeouts` is configuration of
/// Terraform itself.
const GENERIC_SKIPPED: &[&str] = &["tags", "tags_all", "timeouts"];

fn generic_resource(m: &ManagedInstance<'_>) -> Resource {
    let a = m.attributes();
    let address = m.address();
    let mut r = Resource::new(
        &format!("tf.{}", m.resource_type()),
        &address,
        Identity::Address {
            address: address.clone(),
        },
    );
    if let Some(id) = non_empty_str(a, "id").filter(|id| *id != address) {
        r.aliases.push(id.to_string());
    }
    for (k, v) in a {
        if v.is_null() || GENERIC_SKIPPED.contains(&k.as_str()) {
            continue;
        }
        r.attributes.insert(k.clone(), v.clone());
    }
    finish(&mut r, a, raw_tags(a), false);
    r
}

// ---------------------------------------------------------------------------------------------
// Security group rules and routes

/// One rule object per source (KINDS.md): `{"protocol", "from_port", "to_port", "source"}`.
fn rule_object(protocol: &Value, from: Option<&Value>, to: Option<&Value>, source: &str) -> Value {
    let protocol = normalise_protocol(protocol);
    let all = protocol == Value::String("all".into());
    let port = |p: Option<&Value>| match p.and_then(Value::as_i64) {
        Some(n) if !all => Value::from(n),
        _ => Value::Null,
    };
    serde_json::json!({
        "protocol": protocol,
        "from_port": port(from),
        "to_port": port(to),
        "source": source,
    })
}

/// `-1`/`all` → `all`; `tcp`/`6` → `tcp`; `udp`/`17` → `udp`; `icmp`/`1` → `icmp`;
/// `icmpv6`/`58` → `icmpv6` (the names the EC2 API reports); other numbers → a JSON number;
/// other names lower-cased.
fn normalise_protocol(protocol: &Value) -> Value {
    let text = match protocol {
        Value::String(s) => s.trim().to_ascii_lowercase(),
        Value::Number(n) => n.to_string(),
        _ => return Value::String("all".into()),
    };
    match text.as_str() {
        "-1" | "all" | "" => Value::String("all".into()),
        "tcp" | "6" => Value::String("tcp".into()),
        "udp" | "17" => Value::String("udp".into()),
        "icmp" | "1" => Value::String("icmp".into()),
        "icmpv6" | "58" => Value::String("icmpv6".into()),
        other => match other.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(other.to_string()),
        },
    }
}

fn strings(a: &Map<String, Value>, field: &str) -> Vec<String> {
    list(a, field)
        .iter()
        .filter_map(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Inline `ingress`/`egress` blocks of an `aws_security_group`.
fn inline_sg_rules(a: &Map<String, Value>, field: &str, own_id: &str) -> Vec<Value> {
    let mut rules = Vec::new();
    for block in list(a, field).iter().filter_map(Value::as_object) {
        let mut sources = strings(block, "cidr_blocks");
        sources.extend(strings(block, "ipv6_cidr_blocks"));
        sources.extend(strings(block, "prefix_list_ids"));
        sources.extend(strings(block, "security_groups"));
        if block.get("self").and_then(Value::as_bool).unwrap_or(false) {
            sources.push(own_id.to_string());
        }
        let protocol = block.get("protocol").unwrap_or(&Value::Null);
        for source in sources {
            rules.push(rule_object(
                protocol,
                block.get("from_port"),
                block.get("to_port"),
                &source,
            ));
        }
    }
    rules
}

/// An `aws_security_group_rule`.
fn rules_of_sg_rule(a: &Map<String, Value>, sg: &str) -> Vec<Value> {
    let mut sources = strings(a, "cidr_blocks");
    sources.extend(strings(a, "ipv6_cidr_blocks"));
    sources.extend(strings(a, "prefix_list_ids"));
    if let Some(group) = non_empty_str(a, "source_security_group_id") {
        sources.push(group.to_string());
    }
    if a.get("self").and_then(Value::as_bool).unwrap_or(false) {
        sources.push(sg.to_string());
    }
    let protocol = a.get("protocol").unwrap_or(&Value::Null);
    sources
        .iter()
        .map(|s| rule_object(protocol, a.get("from_port"), a.get("to_port"), s))
        .collect()
}

/// An `aws_vpc_security_group_ingress_rule` / `_egress_rule` (one source each).
fn rules_of_vpc_sg_rule(a: &Map<String, Value>) -> Vec<Value> {
    let source = [
        "cidr_ipv4",
        "cidr_ipv6",
        "prefix_list_id",
        "referenced_security_group_id",
    ]
    .into_iter()
    .find_map(|f| non_empty_str(a, f));
    let protocol = a.get("ip_protocol").unwrap_or(&Value::Null);
    source
        .map(|s| {
            vec![rule_object(
                protocol,
                a.get("from_port"),
                a.get("to_port"),
                s,
            )]
        })
        .unwrap_or_default()
}

/// Route targets in order of preference (a route to an instance also names its ENI).
const ROUTE_TARGETS: &[&str] = &[
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "egress_only_gateway_id",
    "vpc_endpoint_id",
    "local_gateway_id",
    "carrier_gateway_id",
    "core_network_arn",
    "instance_id",
    "network_interface_id",
];

/// `{"destination": cidr-or-prefix-list, "target": id-or-"local"}` of an inline route block or an
/// `aws_route` (whose destination fields have other names).
fn route_object(a: &Map<String, Value>, cidr_field: &str, ipv6_field: &str) -> Option<Value> {
    let destination = non_empty_str(a, cidr_field)
        .or_else(|| non_empty_str(a, ipv6_field))
        .or_else(|| non_empty_str(a, "destination_prefix_list_id"))?;
    let target = ROUTE_TARGETS.iter().find_map(|f| non_empty_str(a, f))?;
    Some(serde_json::json!({"destination": destination, "target": target}))
}

// ---------------------------------------------------------------------------------------------
// Small helpers

fn str_attr<'a>(a: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    a.get(field).and_then(Value::as_str)
}

fn non_empty_str<'a>(a: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    str_attr(a, field).filter(|s| !s.is_empty())
}

fn list<'a>(a: &'a Map<String, Value>, field: &str) -> &'a [Value] {
    match a.get(field) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// Copies `(terraform field, attribute name)` pairs whose value is known (not null, not "").
fn copy(a: &Map<String, Value>, r: &mut Resource, fields: &[(&str, &str)]) {
    for (from, to) in fields {
        match a.get(*from) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(v) => {
                r.attributes.insert((*to).to_string(), v.clone());
            }
        }
    }
}

/// A set-like list: sorted by canonical text, duplicates removed (the inline rules of a group
/// and its separate rule resources often describe the same rule twice).
fn set_of(mut items: Vec<Value>) -> Value {
    items.sort_by_cached_key(Value::to_string);
    items.dedup();
    Value::Array(items)
}

/// `tags_all` (tags including provider default tags, what the API sees) or else `tags`.
fn raw_tags(a: &Map<String, Value>) -> BTreeMap<String, String> {
    let pick = |field: &str| match a.get(field) {
        Some(Value::Object(map)) if !map.is_empty() => Some(map),
        _ => None,
    };
    pick("tags_all")
        .or_else(|| pick("tags"))
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The region from the resource's ARN, or else its availability zone.
fn region_of(a: &Map<String, Value>) -> Option<String> {
    if let Some(region) = non_empty_str(a, "arn")
        .and_then(|arn| arn.split(':').nth(3))
        .filter(|r| !r.is_empty())
    {
        return Some(region.to_string());
    }
    non_empty_str(a, "availability_zone")
        .filter(|az| az.len() > 1 && az.ends_with(|c: char| c.is_ascii_lowercase()))
        .map(|az| az[..az.len() - 1].to_string())
}

#[cfg(test)]
mod tests;
