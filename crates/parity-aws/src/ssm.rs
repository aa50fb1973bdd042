//! SSM Parameter Store collector: every parameter under the environment's prefix.
//!
//! Two steps: DescribeParameters (Path filter, Recursive, 50 a page: names, types, KeyId, tier)
//! lists the tree; GetParameters (10 names a call, WithDecryption=false) then fetches the values
//! of String and StringList parameters only, several calls at once. A SecureString's value is
//! therefore never requested at all (moto returns SecureString values in clear even without
//! decryption), and even if some response held one it is not stored. String values under
//! secret-looking names are kept only as keyed fingerprints.
//!
//! Compared with GetParametersByPath (10 a page, strictly one page after the other), the chain
//! of dependent calls is 5× shorter (N/50 describes, then the gets in parallel), and KeyId —
//! which GetParametersByPath does not return — comes with the listing.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{ParameterMetadata, ParameterStringFilter, ParameterType};
use aws_sdk_ssm::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::{Identity, Resource};
use serde_json::json;

use crate::failure::{describe, CallFailure};
use crate::secrets::{looks_secret, token, ValueFingerprinter};

/// A fetched parameter: name, value (never a SecureString's), ARN.
type Fetched = (String, Option<String>, Option<String>);

/// GetParameters takes at most 10 names.
const GET_BATCH: usize = 10;

/// The `Path` filter value for a prefix: `/prod/` → `/prod`, `/` stays `/`.
fn path_of(prefix: &str) -> String {
    let trimmed = prefix.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

pub(crate) async fn parameters(
    client: &Client,
    prefix: &str,
    region: &str,
    fingerprinter: Option<&ValueFingerprinter>,
    max_requests: usize,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<Vec<Resource>, CallFailure> {
    let path_filter = ParameterStringFilter::builder()
        .key("Path")
        .option("Recursive")
        .values(path_of(prefix))
        .build()
        .map_err(|e| CallFailure::new(format!("invalid SSM path filter: {e}")))?;
    let mut pages = client
        .describe_parameters()
        .parameter_filters(path_filter)
        .max_results(50)
        .into_paginator()
        .send();
    let mut listed: Vec<ParameterMetadata> = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("ssm:DescribeParameters"))?;
        listed.extend(
            page.parameters()
                .iter()
                .filter(|p| {
                    p.name()
                        .is_some_and(|n| n.starts_with(prefix) || prefix == "/")
                })
                .cloned(),
        );
        progress(listed.len());
    }

    let plain_names: Vec<String> = listed
        .iter()
        .filter(|p| !matches!(p.r#type(), Some(ParameterType::SecureString)))
        .filter_map(|p| p.name().map(str::to_string))
        .collect();
    let batches: Vec<Vec<String>> = plain_names
        .chunks(GET_BATCH)
        .map(<[String]>::to_vec)
        .collect();
    let values: Vec<Vec<Fetched>> = futures::stream::iter(batches)
        .map(|names| async move {
            let out = client
                .get_parameters()
                .set_names(Some(names))
                .with_decryption(false)
                .send()
                .await
                .map_err(|e| describe(&e).during("ssm:GetParameters"))?;
            Ok::<_, CallFailure>(
                out.parameters()
                    .iter()
                    .filter_map(|p| {
                        // Belt and braces: a SecureString value is dropped here whatever the
                        // API returned.
                        let value = match p.r#type() {
                            Some(ParameterType::SecureString) | None => None,
                            Some(_) => p.value().map(str::to_string),
                        };
                        Some((p.name()?.to_string(), value, p.arn().map(str::to_string)))
                    })
                    .collect(),
            )
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect()
        .await?;
    let values: BTreeMap<String, (Option<String>, Option<String>)> = values
        .into_iter()
        .flatten()
        .map(|(name, value, arn)| (name, (value, arn)))
        .collect();

    Ok(listed
        .iter()
        .filter_map(|meta| {
            let name = meta.name()?;
            let mut r = Resource::new(
                "ssm.parameter",
                name,
                Identity::Path {
                    path: name.to_string(),
                },
            )
            .with_region(region);
            let fetched = values.get(name);
            let arn = meta
                .arn()
                .map(str::to_string)
                .or_else(|| fetched.and_then(|(_, arn)| arn.clone()));
            r.aliases.extend(arn);
            let kind = meta.r#type();
            if let Some(t) = kind {
                r.attributes.insert("type", json!(t.as_str()));
            }
            match kind {
                Some(ParameterType::SecureString) => {
                    if let Some(key) = meta.key_id() {
                        r.attributes.insert("key_id", json!(key));
                    }
                }
                Some(_) => {
                    if let Some((Some(value), _)) = fetched {
                        if looks_secret(name) {
                            r.attributes
                                .insert("value", json!(token(fingerprinter, value)));
                        } else {
                            r.attributes.insert("value", json!(value));
                        }
                    }
                }
                None => {}
            }
            if let Some(tier) = meta.tier() {
                r.attributes.insert("tier", json!(tier.as_str()));
            }
            if let Some(dt) = meta.data_type() {
                r.attributes.insert("data_type", json!(dt));
            }
            r.attributes.insert("version", json!(meta.version()));
            Some(r)
        })
        .collect())
}
