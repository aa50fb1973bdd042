//! CloudFormation collector: `cloudformation.stack` resources (DescribeStacks, tags inline; nested
//! stacks are left to their root) with the hash of their template body after the environment's
//! tokens were replaced by `{env}` (GetTemplate), parameters, outputs, termination protection
//! and the drift status as AWS last reported it (no drift detection is started: that would be a
//! write).
//!
//! Parameters: a NoEcho parameter's value is never stored — only its presence, as `(NoEcho)`.
//! AWS masks such values (`****`), but which parameters are NoEcho is read from the template
//! (GetTemplateSummary) rather than trusted to the mask (moto returns them in clear). A value
//! under a secret-looking name is kept as a keyed fingerprint.
//!
//! Per stack, a failing GetTemplate makes `template_hash` unknown and a failing
//! GetTemplateSummary makes every `parameters.*` unknown (no value is kept then: which ones are
//! NoEcho is not known); the stack and the kind are still collected.

use std::collections::BTreeSet;

use aws_sdk_cloudformation::types::Stack;
use aws_sdk_cloudformation::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::identity::TokenSet;
use parity_core::{Identity, Resource};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::failure::{describe, CallFailure};
use crate::scope::{user_tags, Scope};
use crate::secrets::{looks_secret, token, ValueFingerprinter};

/// What a NoEcho parameter's value is stored as.
pub const NO_ECHO: &str = "(NoEcho)";

/// `sha256:<hex>` of a template body with the environment's tokens replaced by `{env}`.
pub(crate) fn template_hash(body: &str, tokens: &TokenSet) -> String {
    let normalised = tokens.replace_in_value(body);
    let digest = Sha256::digest(normalised.as_deref().unwrap_or(body).as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn tags(s: &Stack) -> Vec<(&str, &str)> {
    s.tags()
        .iter()
        .filter_map(|t| Some((t.key()?, t.value()?)))
        .collect()
}

fn resource(
    s: &Stack,
    no_echo: &BTreeSet<String>,
    region: &str,
    fingerprinter: Option<&ValueFingerprinter>,
) -> Resource {
    let name = s.stack_name().unwrap_or_default();
    let mut r = Resource::new(
        "cloudformation.stack",
        name,
        Identity::Name {
            name: name.to_string(),
        },
    )
    .with_region(region);
    r.aliases.extend(s.stack_id().map(str::to_string));
    r.tags = user_tags(tags(s));
    if let Some(d) = s.description() {
        r.attributes.insert("description", json!(d));
    }
    for p in s.parameters() {
        let Some(key) = p.parameter_key() else {
            continue;
        };
        let value = p.parameter_value().unwrap_or_default();
        let stored = if value == "****" || no_echo.contains(key) {
            json!(NO_ECHO)
        } else if looks_secret(key) {
            json!(token(fingerprinter, value))
        } else {
            json!(value)
        };
        r.attributes.insert(format!("parameters.{key}"), stored);
    }
    for o in s.outputs() {
        if let (Some(key), Some(value)) = (o.output_key(), o.output_value()) {
            r.attributes.insert(format!("outputs.{key}"), json!(value));
        }
    }
    r.attributes.insert(
        "termination_protection",
        Value::Bool(s.enable_termination_protection().unwrap_or(false)),
    );
    if let Some(status) = s.drift_information().and_then(|d| d.stack_drift_status()) {
        r.attributes.insert("drift_status", json!(status.as_str()));
    }
    r
}

/// `cloudformation.stack` resources of the environment.
pub(crate) async fn stacks(
    client: &Client,
    scope: &Scope,
    region: &str,
    fingerprinter: Option<&ValueFingerprinter>,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let mut pages = client.describe_stacks().into_paginator().send();
    let mut listed: Vec<Stack> = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("cloudformation:DescribeStacks"))?;
        listed.extend(
            page.stacks()
                .iter()
                .filter(|s| s.parent_id().is_none())
                .filter(|s| {
                    scope.by_name(s.stack_name().unwrap_or_default()) || scope.by_tags(tags(s))
                })
                .cloned(),
        );
    }
    futures::stream::iter(listed)
        .map(|s| async move {
            let name = s.stack_name().unwrap_or_default().to_string();
            let id = s.stack_id().unwrap_or(&name);
            let (template, summary) = futures::join!(
                client.get_template().stack_name(id).send(),
                client.get_template_summary().stack_name(id).send()
            );
            // One stack's failing call makes what it feeds unknown, not the whole kind.
            let (no_echo, summary_failed) = match summary {
                Ok(summary) => (
                    summary
                        .parameters()
                        .iter()
                        .filter(|p| p.no_echo() == Some(true))
                        .filter_map(|p| p.parameter_key().map(str::to_string))
                        .collect::<BTreeSet<String>>(),
                    None,
                ),
                Err(e) => (
                    BTreeSet::new(),
                    Some(
                        describe(&e)
                            .during("cloudformation:GetTemplateSummary")
                            .reason,
                    ),
                ),
            };
            let mut r = resource(&s, &no_echo, region, fingerprinter);
            if let Some(reason) = summary_failed {
                // Which parameters are NoEcho is unknown: no parameter value is kept.
                r.attributes.retain(|k, _| !k.starts_with("parameters."));
                r.mark_unknown("parameters.*", &reason);
            }
            match template {
                Ok(template) => {
                    if let Some(body) = template.template_body() {
                        r.attributes
                            .insert("template_hash", json!(template_hash(body, scope.tokens())));
                    }
                }
                Err(e) => r.mark_unknown(
                    "template_hash",
                    &describe(&e).during("cloudformation:GetTemplate").reason,
                ),
            }
            Ok::<_, CallFailure>(r)
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hashes_ignore_env_tokens_only() {
        let prod = TokenSet::new(["prod"]);
        let staging = TokenSet::new(["staging", "stg"]);
        let a = template_hash(r#"{"Bucket": "prod-assets"}"#, &prod);
        let b = template_hash(r#"{"Bucket": "stg-assets"}"#, &staging);
        let c = template_hash(r#"{"Bucket": "stg-assets-v2"}"#, &staging);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64, "{a}");
    }
}
