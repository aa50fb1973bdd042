//! Rule, route and association resources kept apart from their security group or route table
//! (`aws_security_group_rule`, `aws_vpc_security_group_*_rule`, `aws_route`,
//! `aws_route_table_association`, `aws_main_route_table_association`): gathered per group or
//! table so that [`super::ec2`] folds them in, when that group or table is in the state.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::ec2::{route_object, rules_of_sg_rule, rules_of_vpc_sg_rule};
use super::fields::{non_empty_str, str_attr};
use super::{StateIndex, RTB_TYPES, SG_TYPES};
use crate::state::ManagedInstance;

/// Rules, routes and associations of security groups and route tables that are in the state.
#[derive(Default)]
pub(super) struct Folds {
    /// security group id → (ingress rules, egress rules)
    pub sg_rules: HashMap<String, (Vec<Value>, Vec<Value>)>,
    /// route table id → routes
    pub routes: HashMap<String, Vec<Value>>,
    /// route table id → associated subnet ids, in state order
    pub associations: HashMap<String, Vec<String>>,
    /// route tables made main by `aws_main_route_table_association`
    pub main: HashSet<String>,
    /// bucket name → the configuration resources of an `aws_s3_bucket` in the state
    /// (`aws_s3_bucket_versioning`, …), as (type, attributes)
    pub s3_parts: HashMap<String, Vec<S3Part>>,
    /// indices of the folded instances
    pub folded: HashSet<usize>,
}

/// A bucket's configuration resource: its type and attributes.
pub(super) type S3Part = (String, Map<String, Value>);

/// The separate configuration resources of a bucket (AWS provider ≥ 4), folded into it.
pub(super) const S3_PART_TYPES: &[&str] = &[
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_lifecycle_configuration",
];

impl Folds {
    pub(super) fn collect(instances: &[ManagedInstance<'_>], index: &StateIndex<'_>) -> Self {
        let mut folds = Folds::default();
        let buckets: HashSet<&str> = instances
            .iter()
            .filter(|m| m.resource_type() == "aws_s3_bucket")
            .filter_map(|m| non_empty_str(m.attributes(), "bucket"))
            .collect();
        for (i, m) in instances.iter().enumerate() {
            let a = m.attributes();
            let folded = match m.resource_type() {
                t if S3_PART_TYPES.contains(&t) => {
                    let Some(bucket) = non_empty_str(a, "bucket").filter(|b| buckets.contains(b))
                    else {
                        continue;
                    };
                    folds
                        .s3_parts
                        .entry(bucket.to_string())
                        .or_default()
                        .push((t.to_string(), a.clone()));
                    true
                }
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
