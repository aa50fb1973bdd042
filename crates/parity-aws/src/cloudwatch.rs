//! CloudWatch collector: metric alarms (DescribeAlarms) as `cloudwatch.alarm`, keyed by what
//! they watch rather than by their own name: `Child{parent: <the monitored resource's native id
//! from the alarm's dimensions>, role: "<Namespace>/<MetricName>"}`, so the engine turns the
//! parent into that resource's logical name (`cloudwatch.alarm/api/AWS/EC2/CPUUtilization`) and
//! "staging has no CPU alarm on the api instances" is a missing row.
//!
//! Scope comes after the other collectors of the region ran ([`scope_alarms`]): an alarm belongs
//! to the environment when it watches a resource collected for it, or when its name or the
//! watched name holds one of the environment's tokens (or nothing is scoped).

use std::collections::HashSet;

use aws_sdk_cloudwatch::types::MetricAlarm;
use aws_sdk_cloudwatch::Client;
use parity_core::{Identity, Resource};
use serde_json::{json, Value};

use crate::failure::{describe, CallFailure};
use crate::scope::Scope;

pub(crate) const KIND: &str = "cloudwatch.alarm";

/// Dimensions naming the monitored resource, most specific first.
const RESOURCE_DIMENSIONS: &[&str] = &[
    "InstanceId",
    "AutoScalingGroupName",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "FunctionName",
    "CacheClusterId",
    "ReplicationGroupId",
    "TableName",
    "LoadBalancer",
    "TargetGroup",
    "QueueName",
    "TopicName",
    "VpcId",
    "NatGatewayId",
];

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

/// The monitored resource's native id: the first resource-naming dimension, else the first
/// dimension's value.
pub(crate) fn monitored(a: &MetricAlarm) -> Option<&str> {
    let dims = a.dimensions();
    RESOURCE_DIMENSIONS
        .iter()
        .find_map(|want| {
            dims.iter()
                .find(|d| d.name() == Some(*want))
                .and_then(|d| d.value())
        })
        .or_else(|| dims.first().and_then(|d| d.value()))
}

fn resource(a: &MetricAlarm, region: &str) -> Resource {
    let name = a.alarm_name().unwrap_or_default();
    let identity = match (monitored(a), a.namespace(), a.metric_name()) {
        (Some(parent), Some(ns), Some(metric)) => Identity::Child {
            parent: parent.to_string(),
            role: format!("{ns}/{metric}"),
        },
        _ => Identity::Name {
            name: name.to_string(),
        },
    };
    let mut r = Resource::new(KIND, a.alarm_arn().unwrap_or(name), identity).with_region(region);
    put(&mut r, "alarm_name", Some(name));
    put(&mut r, "threshold", a.threshold());
    put(
        &mut r,
        "comparison_operator",
        a.comparison_operator().map(|c| c.as_str()),
    );
    put(&mut r, "evaluation_periods", a.evaluation_periods());
    put(&mut r, "datapoints_to_alarm", a.datapoints_to_alarm());
    put(&mut r, "period", a.period());
    put(
        &mut r,
        "statistic",
        a.statistic().map(|s| s.as_str()).or(a.extended_statistic()),
    );
    put(&mut r, "actions_enabled", a.actions_enabled());
    put(&mut r, "treat_missing_data", a.treat_missing_data());
    r.attributes
        .insert("alarm_actions", json!(a.alarm_actions()));
    if !a.metrics().is_empty() {
        let ids: Vec<&str> = a.metrics().iter().filter_map(|m| m.expression()).collect();
        r.attributes.insert("metric_expressions", json!(ids));
    }
    r
}

/// Every metric alarm of the region, unscoped (see [`scope_alarms`]).
pub(crate) async fn alarms(client: &Client, region: &str) -> Result<Vec<Resource>, CallFailure> {
    let mut pages = client
        .describe_alarms()
        .max_records(100)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("cloudwatch:DescribeAlarms"))?;
        out.extend(page.metric_alarms().iter().map(|a| resource(a, region)));
    }
    Ok(out)
}

/// Keeps the environment's alarms. `known` holds the native ids and aliases of every resource
/// collected for the environment in the region. An alarm whose monitored resource is not among
/// them but that belongs by name is keyed by `<watched id>/<role>` as a name, with the
/// environment's tokens removed by the engine.
pub(crate) fn scope_alarms(
    alarms: Vec<Resource>,
    known: &HashSet<&str>,
    scope: &Scope,
) -> Vec<Resource> {
    alarms
        .into_iter()
        .filter_map(|mut r| {
            let alarm_name = r
                .attributes
                .get("alarm_name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match &r.identity {
                Identity::Child { parent, role } => {
                    if known.contains(parent.as_str()) {
                        return Some(r);
                    }
                    if scope.by_name(parent) || scope.by_name(&alarm_name) {
                        r.identity = Identity::Name {
                            name: format!("{parent}/{role}"),
                        };
                        return Some(r);
                    }
                    None
                }
                _ => scope.by_name(&alarm_name).then_some(r),
            }
        })
        .collect()
}
