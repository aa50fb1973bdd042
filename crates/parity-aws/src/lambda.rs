//! Lambda collector: `lambda.function` resources (ListFunctions), reserved concurrency
//! (GetFunctionConcurrency per in-scope function) and, when the environment has a tag filter,
//! tags for scoping (ListTags per function not already placed by name or VPC). A function whose
//! GetFunctionConcurrency call fails keeps its other attributes, `reserved_concurrency` unknown;
//! a failing ListTags still fails the kind (the function's scope itself is unknown).
//!
//! Environment variable values are never stored: each variable becomes `environment.<NAME>` with
//! a keyed fingerprint of its value after the environment's tokens were replaced by `{env}` (so
//! `DB_HOST = prod-db.internal` and `staging-db.internal` fingerprint equal), or `true` when no
//! fingerprint key is available.

use aws_sdk_lambda::types::FunctionConfiguration;
use aws_sdk_lambda::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::{Identity, Resource};
use serde_json::{json, Value};

use crate::failure::{describe, CallFailure};
use crate::scope::Scope;
use crate::secrets::ValueFingerprinter;

fn put<V: Into<Value>>(r: &mut Resource, name: &str, value: Option<V>) {
    if let Some(v) = value {
        r.attributes.insert(name.to_string(), v.into());
    }
}

/// `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION` → `NAME:VERSION` (the ARN itself when it
/// does not have that shape).
pub(crate) fn layer_name_version(arn: &str) -> String {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        [_, _, _, _, _, "layer", name, version] => format!("{name}:{version}"),
        _ => arn.to_string(),
    }
}

fn resource(
    f: &FunctionConfiguration,
    region: &str,
    scope: &Scope,
    fingerprinter: Option<&ValueFingerprinter>,
) -> Resource {
    let name = f.function_name().unwrap_or_default();
    let mut r = Resource::new(
        "lambda.function",
        name,
        Identity::Name {
            name: name.to_string(),
        },
    )
    .with_region(region);
    r.aliases.extend(f.function_arn().map(str::to_string));
    put(&mut r, "runtime", f.runtime().map(|x| x.as_str()));
    put(
        &mut r,
        "architecture",
        f.architectures().first().map(|a| a.as_str()),
    );
    put(&mut r, "memory_size", f.memory_size());
    put(&mut r, "timeout", f.timeout());
    put(&mut r, "handler", f.handler());
    put(&mut r, "package_type", f.package_type().map(|p| p.as_str()));
    put(
        &mut r,
        "ephemeral_storage",
        f.ephemeral_storage().map(|e| e.size()),
    );
    put(
        &mut r,
        "tracing_mode",
        f.tracing_config()
            .and_then(|t| t.mode())
            .map(|m| m.as_str()),
    );
    if let Some(vars) = f.environment().and_then(|e| e.variables()) {
        for (key, value) in vars {
            let stored = match fingerprinter {
                // a secret-looking variable compares by presence (docs/CONTRACTS.md "Secrets")
                _ if crate::secrets::looks_secret(key) => {
                    json!(crate::secrets::token(fingerprinter, value))
                }
                Some(fp) => {
                    let normalised = scope.tokens().replace_in_value(value);
                    json!(fp.fingerprint(normalised.as_deref().unwrap_or(value)))
                }
                None => json!(true),
            };
            r.attributes.insert(format!("environment.{key}"), stored);
        }
    }
    let layers: Vec<String> = f
        .layers()
        .iter()
        .filter_map(|l| l.arn())
        .map(layer_name_version)
        .collect();
    r.attributes.insert("layers", json!(layers));
    if let Some(vpc) = f
        .vpc_config()
        .filter(|v| v.vpc_id().is_some_and(|id| !id.is_empty()))
    {
        put(&mut r, "vpc", vpc.vpc_id());
        r.attributes.insert("subnets", json!(vpc.subnet_ids()));
        r.attributes
            .insert("security_groups", json!(vpc.security_group_ids()));
    }
    r
}

/// `lambda.function` resources of the environment.
pub(crate) async fn functions(
    client: &Client,
    scope: &Scope,
    region: &str,
    fingerprinter: Option<&ValueFingerprinter>,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let mut pages = client
        .list_functions()
        .max_items(50)
        .into_paginator()
        .send();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("lambda:ListFunctions"))?;
        listed.extend(page.functions().iter().cloned());
    }
    futures::stream::iter(listed)
        .map(|f| async move {
            let name = f.function_name().unwrap_or_default().to_string();
            let mut in_scope =
                scope.by_name(&name) || scope.by_vpc(f.vpc_config().and_then(|v| v.vpc_id()));
            if !in_scope && scope.uses_tags() {
                if let Some(arn) = f.function_arn() {
                    let out = client
                        .list_tags()
                        .resource(arn)
                        .send()
                        .await
                        .map_err(|e| describe(&e).during("lambda:ListTags"))?;
                    in_scope = scope.by_tags(
                        out.tags()
                            .into_iter()
                            .flatten()
                            .map(|(k, v)| (k.as_str(), v.as_str())),
                    );
                }
            }
            if !in_scope {
                return Ok(None);
            }
            let concurrency = client
                .get_function_concurrency()
                .function_name(&name)
                .send()
                .await;
            let mut r = resource(&f, region, scope, fingerprinter);
            // One function's failing call makes its concurrency unknown, not the whole kind.
            match concurrency {
                Ok(c) => put(
                    &mut r,
                    "reserved_concurrency",
                    c.reserved_concurrent_executions(),
                ),
                Err(e) => r.mark_unknown(
                    "reserved_concurrency",
                    &describe(&e).during("lambda:GetFunctionConcurrency").reason,
                ),
            }
            Ok::<_, CallFailure>(Some(r))
        })
        .buffer_unordered(max_requests.max(1))
        .try_filter_map(|r| async move { Ok(r) })
        .try_collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_by_name_and_version() {
        assert_eq!(
            layer_name_version("arn:aws:lambda:us-east-1:123456789012:layer:prod-deps:7"),
            "prod-deps:7"
        );
        assert_eq!(layer_name_version("not-an-arn"), "not-an-arn");
    }
}
