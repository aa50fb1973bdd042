//! EC2 collectors: VPCs, subnets, NAT gateways, route tables, security groups and instances,
//! scoped by the environment's tag filter (server-side `tag:K` filters) and VPC membership.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_ec2::types::{Filter, IpPermission, Tag, VpcAttributeName};
use aws_sdk_ec2::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::identity::TokenSet;
use parity_core::sg_rule::{Protocol, SecurityGroupRule};
use parity_core::{EnvironmentConfig, Identity, Resource};
use serde_json::{json, Value};

use crate::failure::{describe, CallFailure};

/// Values per `vpc-id` / `image-id` filter (AWS allows up to 200).
const FILTER_VALUES: usize = 200;

/// The environment's EC2 scope in one region.
#[derive(Debug, Clone)]
pub(crate) struct VpcScope {
    /// Neither tags nor VPCs configured: everything in the region belongs to the environment.
    pub unscoped: bool,
    /// `tag:K = V` filters from the environment's tag filter (empty when it has none).
    pub tag_filters: Vec<Filter>,
    /// The in-scope VPCs (tagged and/or named in `vpcs`).
    pub vpcs: Vec<aws_sdk_ec2::types::Vpc>,
}

impl VpcScope {
    pub fn vpc_ids(&self) -> BTreeSet<String> {
        self.vpcs
            .iter()
            .filter_map(|v| v.vpc_id().map(str::to_string))
            .collect()
    }

    /// The filter sets whose union is the scope: everything; or the tagged resources plus the
    /// resources inside in-scope VPCs.
    fn queries(&self, tags_apply: bool) -> Vec<Vec<Filter>> {
        if self.unscoped {
            return vec![Vec::new()];
        }
        let mut queries = Vec::new();
        if tags_apply && !self.tag_filters.is_empty() {
            queries.push(self.tag_filters.clone());
        }
        let ids: Vec<String> = self.vpc_ids().into_iter().collect();
        for chunk in ids.chunks(FILTER_VALUES) {
            queries.push(vec![filter("vpc-id", chunk.iter().cloned())]);
        }
        queries
    }
}

fn filter(name: &str, values: impl IntoIterator<Item = String>) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.into_iter().collect()))
        .build()
}

fn tag_filters(env: &EnvironmentConfig) -> Vec<Filter> {
    env.tags
        .iter()
        .map(|(k, v)| filter(&format!("tag:{k}"), [v.clone()]))
        .collect()
}

/// The tag Auto Scaling puts on the instances it launches.
const AUTOSCALING_GROUP_TAG: &str = "aws:autoscaling:groupName";

fn name_tag(tags: &[Tag]) -> Option<&str> {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .filter(|v| !v.is_empty())
}

fn tag_value<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

/// User tags: all but `Name` and `aws:*`.
fn user_tags(tags: &[Tag]) -> parity_core::Tags {
    tags.iter()
        .filter_map(|t| Some((t.key()?, t.value().unwrap_or(""))))
        .filter(|(k, _)| *k != "Name" && !k.starts_with("aws:"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn base(kind: &str, id: &str, identity: Identity, region: &str, tags: &[Tag]) -> Resource {
    let mut r = Resource::new(kind, id, identity).with_region(region);
    r.tags = user_tags(tags);
    r
}

fn named_or(tags: &[Tag], fallback: impl FnOnce() -> Identity) -> Identity {
    match name_tag(tags) {
        Some(name) => Identity::Name {
            name: name.to_string(),
        },
        None => fallback(),
    }
}

/// DescribeVpcs: the in-scope VPCs. With a tag filter, the tagged VPCs; with `vpcs`, those whose
/// logical name (Name tag minus the env tokens; `default` for the default VPC) is listed; both
/// narrow; neither means every VPC of the region.
pub(crate) async fn vpc_scope(
    client: &Client,
    env: &EnvironmentConfig,
) -> Result<VpcScope, CallFailure> {
    let tag_filters = tag_filters(env);
    let mut pages = client
        .describe_vpcs()
        .set_filters((!tag_filters.is_empty()).then(|| tag_filters.clone()))
        .max_results(1000)
        .into_paginator()
        .send();
    let mut vpcs = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("ec2:DescribeVpcs"))?;
        vpcs.extend(page.vpcs().iter().cloned());
    }
    if !env.vpcs.is_empty() {
        let tokens = TokenSet::for_env(env);
        vpcs.retain(|vpc| {
            let logical = match name_tag(vpc.tags()) {
                Some(name) => tokens.strip_segments(name),
                None if vpc.is_default() == Some(true) => "default".to_string(),
                None => return false,
            };
            env.vpcs.iter().any(|wanted| wanted == &logical)
        });
    }
    Ok(VpcScope {
        unscoped: env.tags.is_empty() && env.vpcs.is_empty(),
        tag_filters,
        vpcs,
    })
}

/// `ec2.vpc` resources of the scope, with their DNS attributes (DescribeVpcAttribute).
pub(crate) async fn vpcs(
    client: &Client,
    scope: &VpcScope,
    region: &str,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let resources = futures::stream::iter(scope.vpcs.iter().cloned())
        .map(|vpc| async move {
            let id = vpc.vpc_id().unwrap_or_default().to_string();
            let attribute = |name: VpcAttributeName| {
                client
                    .describe_vpc_attribute()
                    .vpc_id(id.clone())
                    .attribute(name)
                    .send()
            };
            let (support, hostnames) = futures::join!(
                attribute(VpcAttributeName::EnableDnsSupport),
                attribute(VpcAttributeName::EnableDnsHostnames)
            );

            let identity = named_or(vpc.tags(), || {
                if vpc.is_default() == Some(true) {
                    Identity::Name {
                        name: "default".to_string(),
                    }
                } else {
                    Identity::Unnamed { parent: None }
                }
            });
            let mut r = base("ec2.vpc", &id, identity, region, vpc.tags());
            put(&mut r, "cidr_block", vpc.cidr_block());
            // One VPC's failing attribute call makes that attribute unknown, not the kind.
            match support {
                Ok(a) => put(
                    &mut r,
                    "enable_dns_support",
                    a.enable_dns_support().and_then(|a| a.value()),
                ),
                Err(e) => r.mark_unknown(
                    "enable_dns_support",
                    &describe(&e).during("ec2:DescribeVpcAttribute").reason,
                ),
            }
            match hostnames {
                Ok(a) => put(
                    &mut r,
                    "enable_dns_hostnames",
                    a.enable_dns_hostnames().and_then(|a| a.value()),
                ),
                Err(e) => r.mark_unknown(
                    "enable_dns_hostnames",
                    &describe(&e).during("ec2:DescribeVpcAttribute").reason,
                ),
            }
            put(
                &mut r,
                "instance_tenancy",
                vpc.instance_tenancy().map(|t| t.as_str()),
            );
            put(&mut r, "is_default", vpc.is_default());
            Ok::<Resource, CallFailure>(r)
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect::<Vec<_>>()
        .await?;
    Ok(resources)
}

/// Inserts an attribute when the source knows it.
fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

/// Runs one describe per filter set and unions the results by id.
async fn union_by_id<T, F, Fut>(
    queries: Vec<Vec<Filter>>,
    fetch: F,
    id: fn(&T) -> Option<&str>,
) -> Result<Vec<T>, CallFailure>
where
    F: Fn(Vec<Filter>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, CallFailure>>,
{
    let results = futures::future::try_join_all(queries.into_iter().map(fetch)).await?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for item in results.into_iter().flatten() {
        let key = id(&item).unwrap_or_default().to_string();
        if seen.insert(key) {
            out.push(item);
        }
    }
    Ok(out)
}

pub(crate) async fn subnets(
    client: &Client,
    scope: &VpcScope,
    region: &str,
) -> Result<Vec<Resource>, CallFailure> {
    let subnets = union_by_id(
        scope.queries(true),
        |filters| async move {
            let mut pages = client
                .describe_subnets()
                .set_filters((!filters.is_empty()).then_some(filters))
                .max_results(1000)
                .into_paginator()
                .send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| describe(&e).during("ec2:DescribeSubnets"))?;
                out.extend(page.subnets().iter().cloned());
            }
            Ok(out)
        },
        |s: &aws_sdk_ec2::types::Subnet| s.subnet_id(),
    )
    .await?;
    Ok(subnets
        .iter()
        .map(|s| {
            let vpc = s.vpc_id().unwrap_or_default();
            // docs/CONTRACTS.md "Availability zones": a zone that is an identity is its zone ID
            // (`use1-az1`), the same physical zone in every account; names are per-account aliases
            let identity = named_or(s.tags(), || Identity::Child {
                parent: vpc.to_string(),
                role: s
                    .availability_zone_id()
                    .or(s.availability_zone())
                    .unwrap_or("unknown-az")
                    .to_string(),
            });
            let mut r = base(
                "ec2.subnet",
                s.subnet_id().unwrap_or_default(),
                identity,
                region,
                s.tags(),
            )
            .with_parent(vpc);
            put(&mut r, "cidr_block", s.cidr_block());
            put(&mut r, "availability_zone", s.availability_zone());
            put(&mut r, "availability_zone_id", s.availability_zone_id());
            put(
                &mut r,
                "map_public_ip_on_launch",
                s.map_public_ip_on_launch(),
            );
            put(&mut r, "vpc", s.vpc_id());
            r
        })
        .collect())
}

/// NAT gateways, scoped by VPC only (moto ignores `tag:` filters on DescribeNatGateways, and a
/// NAT gateway always lives in a VPC).
pub(crate) async fn nat_gateways(
    client: &Client,
    scope: &VpcScope,
    region: &str,
) -> Result<Vec<Resource>, CallFailure> {
    let nats = union_by_id(
        scope.queries(false),
        |mut filters| async move {
            filters.push(filter(
                "state",
                ["pending".to_string(), "available".to_string()],
            ));
            let mut pages = client
                .describe_nat_gateways()
                .set_filter(Some(filters))
                .max_results(1000)
                .into_paginator()
                .send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| describe(&e).during("ec2:DescribeNatGateways"))?;
                out.extend(page.nat_gateways().iter().cloned());
            }
            Ok(out)
        },
        |n: &aws_sdk_ec2::types::NatGateway| n.nat_gateway_id(),
    )
    .await?;
    let in_scope = scope.vpc_ids();
    Ok(nats
        .iter()
        .filter(|n| scope.unscoped || n.vpc_id().is_some_and(|v| in_scope.contains(v)))
        .map(|n| {
            let vpc = n.vpc_id().unwrap_or_default();
            let identity = named_or(n.tags(), || Identity::Child {
                parent: vpc.to_string(),
                role: n.subnet_id().unwrap_or("unknown-subnet").to_string(),
            });
            let mut r = base(
                "ec2.nat_gateway",
                n.nat_gateway_id().unwrap_or_default(),
                identity,
                region,
                n.tags(),
            )
            .with_parent(vpc);
            put(&mut r, "subnet", n.subnet_id());
            put(
                &mut r,
                "connectivity_type",
                n.connectivity_type().map(|c| c.as_str()),
            );
            put(&mut r, "state", n.state().map(|s| s.as_str()));
            r
        })
        .collect())
}

pub(crate) async fn route_tables(
    client: &Client,
    scope: &VpcScope,
    region: &str,
) -> Result<Vec<Resource>, CallFailure> {
    let tables = union_by_id(
        scope.queries(true),
        |filters| async move {
            let mut pages = client
                .describe_route_tables()
                .set_filters((!filters.is_empty()).then_some(filters))
                .max_results(100)
                .into_paginator()
                .send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| describe(&e).during("ec2:DescribeRouteTables"))?;
                out.extend(page.route_tables().iter().cloned());
            }
            Ok(out)
        },
        |t: &aws_sdk_ec2::types::RouteTable| t.route_table_id(),
    )
    .await?;
    Ok(tables
        .iter()
        .map(|t| {
            let vpc = t.vpc_id().unwrap_or_default();
            let main = t.associations().iter().any(|a| a.main() == Some(true));
            let subnets: Vec<&str> = t
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id())
                .collect();
            let identity = named_or(t.tags(), || {
                if main {
                    Identity::Child {
                        parent: vpc.to_string(),
                        role: "main".to_string(),
                    }
                } else if let Some(first) = subnets.first() {
                    Identity::Child {
                        parent: vpc.to_string(),
                        role: first.to_string(),
                    }
                } else {
                    Identity::Unnamed {
                        parent: Some(vpc.to_string()),
                    }
                }
            });
            let routes: Vec<Value> = t
                .routes()
                .iter()
                .map(|route| {
                    let destination = route
                        .destination_cidr_block()
                        .or(route.destination_ipv6_cidr_block())
                        .or(route.destination_prefix_list_id())
                        .unwrap_or("");
                    let target = route
                        .gateway_id()
                        .or(route.nat_gateway_id())
                        .or(route.transit_gateway_id())
                        .or(route.vpc_peering_connection_id())
                        .or(route.egress_only_internet_gateway_id())
                        .or(route.instance_id())
                        .or(route.network_interface_id())
                        .or(route.local_gateway_id())
                        .or(route.carrier_gateway_id())
                        .or(route.core_network_arn())
                        .unwrap_or("");
                    json!({"destination": destination, "target": target})
                })
                .collect();
            let mut r = base(
                "ec2.route_table",
                t.route_table_id().unwrap_or_default(),
                identity,
                region,
                t.tags(),
            )
            .with_parent(vpc);
            r.attributes.insert("routes", Value::Array(routes));
            r.attributes.insert("associations", json!(subnets));
            r.attributes.insert("main", Value::Bool(main));
            r
        })
        .collect())
}

/// The rules of `permissions`, one object per source, in parity-core's canonical form
/// ([`parity_core::sg_rule`]), so they compare equal to the Terraform importer's.
fn rule_objects(permissions: &[IpPermission]) -> Value {
    let mut rules = Vec::new();
    for p in permissions {
        let rule = SecurityGroupRule::new(
            p.ip_protocol().map_or(Protocol::All, Protocol::parse),
            p.from_port().map(i64::from),
            p.to_port().map(i64::from),
        );
        let sources = (p.ip_ranges().iter().filter_map(|r| r.cidr_ip()))
            .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()))
            .chain(
                p.prefix_list_ids()
                    .iter()
                    .filter_map(|r| r.prefix_list_id()),
            )
            .chain(p.user_id_group_pairs().iter().filter_map(|r| r.group_id()));
        rules.extend(sources.map(|source| rule.to_value(source)));
    }
    Value::Array(rules)
}

pub(crate) async fn security_groups(
    client: &Client,
    scope: &VpcScope,
    region: &str,
) -> Result<Vec<Resource>, CallFailure> {
    let groups = union_by_id(
        scope.queries(true),
        |filters| async move {
            let mut pages = client
                .describe_security_groups()
                .set_filters((!filters.is_empty()).then_some(filters))
                .max_results(1000)
                .into_paginator()
                .send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| describe(&e).during("ec2:DescribeSecurityGroups"))?;
                out.extend(page.security_groups().iter().cloned());
            }
            Ok(out)
        },
        |g: &aws_sdk_ec2::types::SecurityGroup| g.group_id(),
    )
    .await?;
    Ok(groups
        .iter()
        .map(|g| {
            let vpc = g.vpc_id().unwrap_or_default();
            let group_name = g.group_name().unwrap_or_default();
            let identity = named_or(g.tags(), || {
                if group_name == "default" {
                    Identity::Child {
                        parent: vpc.to_string(),
                        role: "default".to_string(),
                    }
                } else {
                    Identity::Name {
                        name: group_name.to_string(),
                    }
                }
            });
            let mut r = base(
                "ec2.security_group",
                g.group_id().unwrap_or_default(),
                identity,
                region,
                g.tags(),
            )
            .with_parent(vpc);
            put(&mut r, "description", g.description());
            r.attributes
                .insert("ingress", rule_objects(g.ip_permissions()));
            r.attributes
                .insert("egress", rule_objects(g.ip_permissions_egress()));
            put(&mut r, "vpc", g.vpc_id());
            r
        })
        .collect())
}

/// Instances that are not terminated, plus their image names (DescribeImages).
pub(crate) async fn instances(
    client: &Client,
    scope: &VpcScope,
    region: &str,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<Vec<Resource>, CallFailure> {
    let fetched = AtomicUsize::new(0);
    let fetched = &fetched;
    let live = filter(
        "instance-state-name",
        ["pending", "running", "stopping", "stopped"].map(str::to_string),
    );
    let instances = union_by_id(
        scope.queries(true),
        |mut filters| {
            filters.push(live.clone());
            async move {
                let mut pages = client
                    .describe_instances()
                    .set_filters(Some(filters))
                    .max_results(1000)
                    .into_paginator()
                    .send();
                let mut out = Vec::new();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| describe(&e).during("ec2:DescribeInstances"))?;
                    for reservation in page.reservations() {
                        out.extend(reservation.instances().iter().cloned());
                    }
                    let k: usize = page
                        .reservations()
                        .iter()
                        .map(|r| r.instances().len())
                        .sum();
                    progress(fetched.fetch_add(k, Ordering::Relaxed) + k);
                }
                Ok(out)
            }
        },
        |i: &aws_sdk_ec2::types::Instance| i.instance_id(),
    )
    .await?;

    let image_ids: BTreeSet<String> = instances
        .iter()
        .filter_map(|i| i.image_id().map(str::to_string))
        .collect();
    let image_names = image_names(client, image_ids).await?;

    Ok(instances
        .iter()
        .map(|i| {
            let identity = match name_tag(i.tags()) {
                Some(name) => Identity::Name {
                    name: name.to_string(),
                },
                None => match tag_value(i.tags(), AUTOSCALING_GROUP_TAG) {
                    Some(group) => Identity::Name {
                        name: group.to_string(),
                    },
                    None => Identity::Unnamed { parent: None },
                },
            };
            let mut r = base(
                "ec2.instance",
                i.instance_id().unwrap_or_default(),
                identity,
                region,
                i.tags(),
            );
            put(
                &mut r,
                "instance_type",
                i.instance_type().map(|t| t.as_str()),
            );
            put(&mut r, "image_id", i.image_id());
            put(
                &mut r,
                "image_name",
                i.image_id().and_then(|id| image_names.get(id)).cloned(),
            );
            put(&mut r, "architecture", i.architecture().map(|a| a.as_str()));
            let platform = match i.platform().map(|p| p.as_str()) {
                Some(p) if p.eq_ignore_ascii_case("windows") => "windows",
                _ => "linux",
            };
            put(&mut r, "platform", Some(platform));
            put(
                &mut r,
                "state",
                i.state().and_then(|s| s.name()).map(|n| n.as_str()),
            );
            // the group that launched it (a reference: docs/CONTRACTS.md "Groups")
            put(
                &mut r,
                "autoscaling_group",
                tag_value(i.tags(), AUTOSCALING_GROUP_TAG),
            );
            put(&mut r, "vpc", i.vpc_id());
            put(&mut r, "subnet", i.subnet_id());
            put(
                &mut r,
                "availability_zone",
                i.placement().and_then(|p| p.availability_zone()),
            );
            let groups: Vec<&str> = i
                .security_groups()
                .iter()
                .filter_map(|g| g.group_id())
                .collect();
            r.attributes.insert("security_groups", json!(groups));
            put(&mut r, "ebs_optimized", i.ebs_optimized());
            put(
                &mut r,
                "detailed_monitoring",
                i.monitoring()
                    .and_then(|m| m.state())
                    .map(|s| matches!(s.as_str(), "enabled" | "pending")),
            );
            put(
                &mut r,
                "metadata_http_tokens",
                i.metadata_options()
                    .and_then(|m| m.http_tokens())
                    .map(|t| t.as_str()),
            );
            put(
                &mut r,
                "iam_instance_profile",
                i.iam_instance_profile().and_then(|p| p.arn()),
            );
            put(&mut r, "private_ip_address", i.private_ip_address());
            r
        })
        .collect())
}

/// Image id → name, by `image-id` filter (unlike `ImageIds`, a filter does not fail on an image
/// that was deregistered since).
async fn image_names(
    client: &Client,
    ids: BTreeSet<String>,
) -> Result<HashMap<String, String>, CallFailure> {
    let ids: Vec<String> = ids.into_iter().collect();
    let mut names = HashMap::new();
    for chunk in ids.chunks(FILTER_VALUES) {
        let mut pages = client
            .describe_images()
            .filters(filter("image-id", chunk.iter().cloned()))
            .include_deprecated(true)
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| describe(&e).during("ec2:DescribeImages"))?;
            for image in page.images() {
                if let (Some(id), Some(name)) = (image.image_id(), image.name()) {
                    names.insert(id.to_string(), name.to_string());
                }
            }
        }
    }
    Ok(names)
}

/// One cheap read call: the account id from the first security group's owner.
pub(crate) async fn caller_account(client: &Client) -> Result<Option<String>, CallFailure> {
    let out = client
        .describe_security_groups()
        .max_results(5)
        .send()
        .await
        .map_err(|e| describe(&e).during("ec2:DescribeSecurityGroups"))?;
    Ok(out
        .security_groups()
        .first()
        .and_then(|g| g.owner_id())
        .map(str::to_string))
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::types::{IpRange, Ipv6Range, UserIdGroupPair};
    use serde_json::json;

    use super::*;

    #[test]
    fn rules_take_parity_core_canonical_form() {
        let https = IpPermission::builder()
            .ip_protocol("6")
            .from_port(443)
            .to_port(443)
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .user_id_group_pairs(UserIdGroupPair::builder().group_id("sg-lb").build())
            .build();
        let all = IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
            .build();
        let rules = rule_objects(&[https, all]);
        assert_eq!(
            rules,
            json!([
                {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0"},
                {"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "sg-lb"},
                {"protocol": "all", "from_port": null, "to_port": null, "source": "0.0.0.0/0"},
                {"protocol": "all", "from_port": null, "to_port": null, "source": "::/0"},
            ])
        );
        // The Terraform importer's form of the same rule (`protocol = "tcp"` as JSON).
        let terraform = SecurityGroupRule::new(
            Protocol::from_json(Some(&json!("tcp"))),
            json!(443).as_i64(),
            json!(443).as_i64(),
        );
        assert_eq!(rules[0], terraform.to_value("0.0.0.0/0"));
    }
}
