//! EC2 types: `aws_vpc`, `aws_subnet`, `aws_nat_gateway`, `aws_route_table`,
//! `aws_security_group` (and their `aws_default_*` forms) and `aws_instance` → the `ec2.*` kinds
//! of parity-aws's EC2 collector; security-group rules (in parity-core's canonical form,
//! [`parity_core::sg_rule`]) and route objects, inline or folded.

use parity_core::sg_rule::{Protocol, SecurityGroupRule};
use parity_core::{Identity, Resource};
use serde_json::{Map, Value};

use super::fields::{copy, list, non_empty_str, set_of, strings};
use super::{named, MapInput, VPC_TYPES};

/// `aws_vpc` / `aws_default_vpc` → `ec2.vpc`.
pub(super) fn vpc(input: &MapInput) -> Resource {
    let a = input.a;
    let is_default = input.resource_type == "aws_default_vpc"
        || a.get("default").and_then(Value::as_bool).unwrap_or(false);
    let identity = match (input.name_tag, is_default) {
        (Some(n), _) => named(n),
        (None, true) => named("default"),
        (None, false) => Identity::Unnamed { parent: None },
    };
    let mut r = Resource::new("ec2.vpc", input.id, identity);
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
    r.attributes.insert("is_default", Value::Bool(is_default));
    r
}

/// `aws_subnet` / `aws_default_subnet` → `ec2.subnet`.
pub(super) fn subnet(input: &MapInput) -> Resource {
    let a = input.a;
    let vpc = non_empty_str(a, "vpc_id");
    // docs/CONTRACTS.md "Availability zones": a zone that is an identity is its zone ID
    let zone = non_empty_str(a, "availability_zone_id").or(non_empty_str(a, "availability_zone"));
    let identity = match (input.name_tag, vpc, zone) {
        (Some(n), _, _) => named(n),
        (None, Some(vpc), Some(az)) => Identity::Child {
            parent: vpc.to_string(),
            role: az.to_string(),
        },
        (None, vpc, _) => Identity::Unnamed {
            parent: vpc.map(str::to_string),
        },
    };
    let mut r = Resource::new("ec2.subnet", input.id, identity);
    r.parent = vpc.map(str::to_string);
    copy(
        a,
        &mut r,
        &[
            ("cidr_block", "cidr_block"),
            ("availability_zone", "availability_zone"),
            ("availability_zone_id", "availability_zone_id"),
            ("map_public_ip_on_launch", "map_public_ip_on_launch"),
            ("vpc_id", "vpc"),
        ],
    );
    r
}

/// `aws_nat_gateway` → `ec2.nat_gateway`.
pub(super) fn nat_gateway(input: &MapInput) -> Resource {
    let a = input.a;
    let subnet = non_empty_str(a, "subnet_id");
    let vpc = subnet.and_then(|s| input.index.vpc_of_subnet(s));
    let identity = match (input.name_tag, subnet) {
        (Some(n), _) => named(n),
        (None, Some(subnet)) => Identity::Child {
            parent: vpc.unwrap_or(subnet).to_string(),
            role: subnet.to_string(),
        },
        (None, None) => Identity::Unnamed {
            parent: vpc.map(str::to_string),
        },
    };
    let mut r = Resource::new("ec2.nat_gateway", input.id, identity);
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

/// `aws_route_table` / `aws_default_route_table` → `ec2.route_table`, with its folded routes
/// and associations.
pub(super) fn route_table(input: &MapInput) -> Resource {
    let (a, id, folds) = (input.a, input.id, input.folds);
    let vpc = non_empty_str(a, "vpc_id");
    let main = input.resource_type == "aws_default_route_table" || folds.main.contains(id);
    let associations = folds.associations.get(id).cloned().unwrap_or_default();
    let identity = match (input.name_tag, vpc) {
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
    if let Some(vpc) = vpc.and_then(|v| input.index.get(v, VPC_TYPES)) {
        for field in ["cidr_block", "ipv6_cidr_block"] {
            if let Some(cidr) = non_empty_str(vpc.attributes(), field) {
                routes.push(serde_json::json!({"destination": cidr, "target": "local"}));
            }
        }
    }
    r.attributes.insert("routes", set_of(routes));
    r.attributes.insert(
        "associations",
        set_of(associations.into_iter().map(Value::String).collect()),
    );
    r.attributes.insert("main", Value::Bool(main));
    r
}

/// `aws_security_group` / `aws_default_security_group` → `ec2.security_group`, with its inline
/// and folded rules.
pub(super) fn security_group(input: &MapInput) -> Resource {
    let (a, id) = (input.a, input.id);
    let vpc = non_empty_str(a, "vpc_id");
    let group_name = if input.resource_type == "aws_default_security_group" {
        Some("default")
    } else {
        non_empty_str(a, "name")
    };
    let identity = match (input.name_tag, group_name, vpc) {
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
    let (extra_in, extra_out) = input.folds.sg_rules.get(id).cloned().unwrap_or_default();
    let mut ingress = inline_sg_rules(a, "ingress", id);
    ingress.extend(extra_in);
    let mut egress = inline_sg_rules(a, "egress", id);
    egress.extend(extra_out);
    r.attributes.insert("ingress", set_of(ingress));
    r.attributes.insert("egress", set_of(egress));
    r
}

/// `aws_instance` → `ec2.instance`.
pub(super) fn instance(input: &MapInput) -> Resource {
    let (a, index) = (input.a, input.index);
    let identity = match (input.name_tag, input.tags.get("aws:autoscaling:groupName")) {
        (Some(n), _) => named(n),
        (None, Some(group)) => named(group),
        (None, None) => Identity::Unnamed { parent: None },
    };
    let mut r = Resource::new("ec2.instance", input.id, identity);
    if let Some(group) = input.tags.get("aws:autoscaling:groupName") {
        r.attributes
            .insert("autoscaling_group", Value::String(group.clone()));
    }
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
        r.attributes.insert("vpc", Value::String(vpc.to_string()));
    }
    let groups = list(a, "vpc_security_group_ids");
    if !groups.is_empty() {
        r.attributes
            .insert("security_groups", set_of(groups.to_vec()));
    }
    if let Some(tokens) = list(a, "metadata_options")
        .first()
        .and_then(|o| o.get("http_tokens"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        r.attributes
            .insert("metadata_http_tokens", Value::String(tokens.to_string()));
    }
    if let Some(profile) = non_empty_str(a, "iam_instance_profile") {
        // Terraform stores the profile's name; the API gives its ARN. Use the ARN when
        // the profile is in the state.
        let arn = index
            .get(profile, &["aws_iam_instance_profile"])
            .and_then(|p| non_empty_str(p.attributes(), "arn"))
            .unwrap_or(profile);
        r.attributes
            .insert("iam_instance_profile", Value::String(arn.to_string()));
    }
    r
}

// ---------------------------------------------------------------------------------------------
// Security group rules and routes

/// The protocol and ports of a rule block or rule resource (`protocol_field`: `protocol`, or
/// `ip_protocol` for the VPC rule resources), in parity-core's canonical form.
fn sg_rule(a: &Map<String, Value>, protocol_field: &str) -> SecurityGroupRule {
    SecurityGroupRule::new(
        Protocol::from_json(a.get(protocol_field)),
        a.get("from_port").and_then(Value::as_i64),
        a.get("to_port").and_then(Value::as_i64),
    )
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
        let rule = sg_rule(block, "protocol");
        rules.extend(sources.iter().map(|s| rule.to_value(s)));
    }
    rules
}

/// An `aws_security_group_rule`.
pub(super) fn rules_of_sg_rule(a: &Map<String, Value>, sg: &str) -> Vec<Value> {
    let mut sources = strings(a, "cidr_blocks");
    sources.extend(strings(a, "ipv6_cidr_blocks"));
    sources.extend(strings(a, "prefix_list_ids"));
    if let Some(group) = non_empty_str(a, "source_security_group_id") {
        sources.push(group.to_string());
    }
    if a.get("self").and_then(Value::as_bool).unwrap_or(false) {
        sources.push(sg.to_string());
    }
    let rule = sg_rule(a, "protocol");
    sources.iter().map(|s| rule.to_value(s)).collect()
}

/// An `aws_vpc_security_group_ingress_rule` / `_egress_rule` (one source each).
pub(super) fn rules_of_vpc_sg_rule(a: &Map<String, Value>) -> Vec<Value> {
    let source = [
        "cidr_ipv4",
        "cidr_ipv6",
        "prefix_list_id",
        "referenced_security_group_id",
    ]
    .into_iter()
    .find_map(|f| non_empty_str(a, f));
    source
        .map(|s| vec![sg_rule(a, "ip_protocol").to_value(s)])
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
pub(super) fn route_object(
    a: &Map<String, Value>,
    cidr_field: &str,
    ipv6_field: &str,
) -> Option<Value> {
    let destination = non_empty_str(a, cidr_field)
        .or_else(|| non_empty_str(a, ipv6_field))
        .or_else(|| non_empty_str(a, "destination_prefix_list_id"))?;
    let target = ROUTE_TARGETS.iter().find_map(|f| non_empty_str(a, f))?;
    Some(serde_json::json!({"destination": destination, "target": target}))
}
