//! Auto Scaling collector: `autoscaling.group` resources (DescribeAutoScalingGroups, tags inline)
//! with their scaling policies (one DescribePolicies listing for the region) as
//! `policy.<name>` attributes, the policy name with the environment's tokens removed.

use std::collections::BTreeMap;

use aws_sdk_autoscaling::types::{AutoScalingGroup, ScalingPolicy};
use aws_sdk_autoscaling::Client;
use parity_core::{Identity, Resource};
use serde_json::{json, Map, Value};

use crate::failure::{describe, CallFailure};
use crate::scope::{user_tags, Scope};

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

fn tags(g: &AutoScalingGroup) -> Vec<(&str, &str)> {
    g.tags()
        .iter()
        .filter_map(|t| Some((t.key()?, t.value().unwrap_or(""))))
        .collect()
}

/// A policy as one comparable object: its type and what it targets.
pub(crate) fn policy_object(p: &ScalingPolicy) -> Value {
    let mut o = Map::new();
    let mut set = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            o.insert(k.to_string(), v);
        }
    };
    set("policy_type", p.policy_type().map(|t| json!(t)));
    set("enabled", p.enabled().map(|e| json!(e)));
    set("adjustment_type", p.adjustment_type().map(|t| json!(t)));
    set(
        "scaling_adjustment",
        p.scaling_adjustment().map(|n| json!(n)),
    );
    set(
        "min_adjustment_magnitude",
        p.min_adjustment_magnitude().map(|n| json!(n)),
    );
    set("cooldown", p.cooldown().map(|n| json!(n)));
    set(
        "metric_aggregation_type",
        p.metric_aggregation_type().map(|t| json!(t)),
    );
    set(
        "estimated_instance_warmup",
        p.estimated_instance_warmup().map(|n| json!(n)),
    );
    if !p.step_adjustments().is_empty() {
        let steps: Vec<Value> = p
            .step_adjustments()
            .iter()
            .map(|s| {
                json!({
                    "lower_bound": s.metric_interval_lower_bound(),
                    "upper_bound": s.metric_interval_upper_bound(),
                    "scaling_adjustment": s.scaling_adjustment(),
                })
            })
            .collect();
        set("step_adjustments", Some(Value::Array(steps)));
    }
    if let Some(t) = p.target_tracking_configuration() {
        let metric = t
            .predefined_metric_specification()
            .and_then(|m| m.predefined_metric_type())
            .map(|t| json!(t.as_str()))
            .or_else(|| {
                t.customized_metric_specification().map(|m| {
                    json!(format!(
                        "{}/{}",
                        m.namespace().unwrap_or_default(),
                        m.metric_name().unwrap_or_default()
                    ))
                })
            });
        set("target_metric", metric);
        set("target_value", Some(json!(t.target_value())));
        set("disable_scale_in", t.disable_scale_in().map(|d| json!(d)));
    }
    Value::Object(o)
}

async fn policies(client: &Client) -> Result<Vec<ScalingPolicy>, CallFailure> {
    let mut pages = client
        .describe_policies()
        .max_records(100)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("autoscaling:DescribePolicies"))?;
        out.extend(page.scaling_policies().iter().cloned());
    }
    Ok(out)
}

/// `autoscaling.group` resources of the environment.
pub(crate) async fn groups(
    client: &Client,
    scope: &Scope,
    region: &str,
) -> Result<Vec<Resource>, CallFailure> {
    let mut pages = client
        .describe_auto_scaling_groups()
        .max_records(100)
        .into_paginator()
        .send();
    let mut groups = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| describe(&e).during("autoscaling:DescribeAutoScalingGroups"))?;
        groups.extend(
            page.auto_scaling_groups()
                .iter()
                .filter(|g| {
                    scope.by_name(g.auto_scaling_group_name().unwrap_or_default())
                        || scope.by_tags(tags(g))
                })
                .cloned(),
        );
    }
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_group: BTreeMap<String, Vec<ScalingPolicy>> = BTreeMap::new();
    for p in policies(client).await? {
        if let Some(g) = p.auto_scaling_group_name() {
            by_group.entry(g.to_string()).or_default().push(p);
        }
    }
    Ok(groups
        .iter()
        .map(|g| {
            let name = g.auto_scaling_group_name().unwrap_or_default();
            let mut r = Resource::new(
                "autoscaling.group",
                name,
                Identity::Name {
                    name: name.to_string(),
                },
            )
            .with_region(region);
            r.aliases
                .extend(g.auto_scaling_group_arn().map(str::to_string));
            r.tags = user_tags(tags(g));
            put(&mut r, "min_size", g.min_size());
            put(&mut r, "max_size", g.max_size());
            put(&mut r, "desired_capacity", g.desired_capacity());
            let template = g.launch_template().or_else(|| {
                g.mixed_instances_policy()
                    .and_then(|m| m.launch_template())
                    .and_then(|t| t.launch_template_specification())
            });
            if let Some(t) = template {
                put(
                    &mut r,
                    "launch_template",
                    t.launch_template_name().or(t.launch_template_id()),
                );
                put(&mut r, "launch_template_version", t.version());
            }
            put(
                &mut r,
                "launch_configuration",
                g.launch_configuration_name(),
            );
            put(&mut r, "health_check_type", g.health_check_type());
            put(
                &mut r,
                "health_check_grace_period",
                g.health_check_grace_period(),
            );
            r.attributes
                .insert("availability_zones", json!(g.availability_zones()));
            let subnets: Vec<&str> = g
                .vpc_zone_identifier()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if !subnets.is_empty() {
                r.attributes.insert("subnets", json!(subnets));
            }
            if !g.termination_policies().is_empty() {
                r.attributes
                    .insert("termination_policies", json!(g.termination_policies()));
            }
            for p in by_group.get(name).into_iter().flatten() {
                let policy = scope
                    .tokens()
                    .strip_segments(p.policy_name().unwrap_or("unnamed"));
                r.attributes
                    .insert(format!("policy.{policy}"), policy_object(p));
            }
            r
        })
        .collect())
}
