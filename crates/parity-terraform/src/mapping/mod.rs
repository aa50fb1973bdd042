//! From a parsed state to a [`Snapshot`]: managed `aws_*` types the AWS collectors also produce
//! become the API kinds with KINDS.md's attribute names and identities; rules, routes and
//! associations kept as separate Terraform resources are folded into their security group or
//! route table; every other managed type becomes a generic `tf.<type>` resource keyed by address.
//!
//! One file per AWS service, like parity-aws's collectors: `ec2` (VPCs, subnets, NAT
//! gateways, route tables, security groups, instances), `rds` (DB instances and parameter
//! groups), `ssm` (parameters); `folds` gathers the rule, route and association resources,
//! `fields` reads Terraform attribute values.

mod ec2;
mod fields;
mod folds;
mod rds;
mod ssm;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use parity_core::{Identity, Resource, Snapshot, Source};
use serde_json::{Map, Value};

use crate::state::{ManagedInstance, TerraformState};
use fields::{non_empty_str, raw_tags, region_of, str_attr};
use folds::Folds;

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

/// What a service's mapper reads about one managed instance.
struct MapInput<'a> {
    /// The Terraform type (`aws_vpc`).
    resource_type: &'a str,
    /// The instance's attributes.
    a: &'a Map<String, Value>,
    /// The native id: the `id` attribute, else the address.
    id: &'a str,
    /// `tags_all`, else `tags`.
    tags: &'a BTreeMap<String, String>,
    /// The non-empty `Name` tag.
    name_tag: Option<&'a str>,
    index: &'a StateIndex<'a>,
    folds: &'a Folds,
}

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
    let input = MapInput {
        resource_type: m.resource_type(),
        a,
        id,
        tags: &tags,
        name_tag: tags
            .get("Name")
            .map(String::as_str)
            .filter(|n| !n.is_empty()),
        index,
        folds,
    };
    let mut r = match m.resource_type() {
        "aws_vpc" | "aws_default_vpc" => ec2::vpc(&input),
        "aws_subnet" | "aws_default_subnet" => ec2::subnet(&input),
        "aws_nat_gateway" => ec2::nat_gateway(&input),
        "aws_route_table" | "aws_default_route_table" => ec2::route_table(&input),
        "aws_security_group" | "aws_default_security_group" => ec2::security_group(&input),
        "aws_instance" => ec2::instance(&input),
        "aws_db_instance" => rds::db_instance(&input),
        "aws_db_parameter_group" => rds::db_parameter_group(&input),
        "aws_ssm_parameter" => ssm::parameter(&input),
        _ => return None,
    };
    finish(&mut r, a, tags, true);
    // Fix hints name the Terraform address (docs/CONTRACTS.md "Fix hints and the incident view").
    r.source_address = Some(address.clone());
    Some(r)
}

/// A `Name` identity.
fn named(name: &str) -> Identity {
    Identity::Name {
        name: name.to_string(),
    }
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

#[cfg(test)]
mod tests;
