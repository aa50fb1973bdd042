//! S3 collector: `s3.bucket` resources of the region (ListBuckets — global, so each bucket's region
//! comes from the listing or GetBucketLocation), keyed by name with the environment's tokens
//! stripped (`shop-assets-prod` → `shop-assets`). S3 has no server-side tag filter: with a tag
//! filter, each bucket's tags are read (GetBucketTagging; `NoSuchTagSet` means no tags). Then per
//! in-scope bucket: versioning, default encryption, the public-access block, object ownership,
//! access logging and lifecycle rules — a configuration that does not exist (`…NotFound…`,
//! `NoSuch…`) is its default, any other failure leaves that attribute unknown.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::Client;
use futures::{StreamExt, TryStreamExt};
use parity_core::Resource;
use serde_json::json;

use crate::failure::{describe, CallFailure};
use crate::scope::{user_tags, Scope};

/// Error codes that mean "not configured" rather than "could not read".
const NOT_CONFIGURED: &[&str] = &[
    "NoSuchTagSet",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
    "NoSuchLifecycleConfiguration",
];

fn not_configured<E: ProvideErrorMetadata>(
    e: &aws_sdk_s3::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> bool {
    e.as_service_error()
        .and_then(|s| s.code())
        .is_some_and(|c| NOT_CONFIGURED.contains(&c))
}

/// `None` (us-east-1's empty location constraint) and the legacy `EU` → region names.
fn location_region(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

/// Reads one bucket's configuration into `r`.
async fn configuration(client: &Client, name: &str, r: &mut Resource) {
    let (versioning, encryption, block, ownership, logging, lifecycle) = futures::join!(
        client.get_bucket_versioning().bucket(name).send(),
        client.get_bucket_encryption().bucket(name).send(),
        client.get_public_access_block().bucket(name).send(),
        client.get_bucket_ownership_controls().bucket(name).send(),
        client.get_bucket_logging().bucket(name).send(),
        client
            .get_bucket_lifecycle_configuration()
            .bucket(name)
            .send(),
    );
    match versioning {
        Ok(v) => {
            let status = v.status().map_or("Disabled", |s| s.as_str());
            r.attributes.insert("versioning", json!(status));
        }
        Err(e) => r.mark_unknown(
            "versioning",
            &describe(&e).during("s3:GetBucketVersioning").reason,
        ),
    }
    match encryption {
        Ok(out) => {
            let rule = out
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first());
            let default = rule.and_then(|r| r.apply_server_side_encryption_by_default());
            r.attributes.insert(
                "encryption_algorithm",
                json!(default.map_or("none", |d| d.sse_algorithm().as_str())),
            );
            if let Some(key) = default.and_then(|d| d.kms_master_key_id()) {
                r.attributes.insert("encryption_kms_key", json!(key));
            }
            r.attributes.insert(
                "bucket_key_enabled",
                json!(rule.and_then(|r| r.bucket_key_enabled()).unwrap_or(false)),
            );
        }
        Err(e) if not_configured(&e) => {
            r.attributes.insert("encryption_algorithm", json!("none"));
            r.attributes.insert("bucket_key_enabled", json!(false));
        }
        Err(e) => {
            let reason = describe(&e).during("s3:GetBucketEncryption").reason;
            for a in [
                "encryption_algorithm",
                "encryption_kms_key",
                "bucket_key_enabled",
            ] {
                r.mark_unknown(a, &reason);
            }
        }
    }
    match block {
        Ok(out) => {
            let c = out.public_access_block_configuration();
            for (a, v) in [
                ("block_public_acls", c.and_then(|c| c.block_public_acls())),
                ("ignore_public_acls", c.and_then(|c| c.ignore_public_acls())),
                (
                    "block_public_policy",
                    c.and_then(|c| c.block_public_policy()),
                ),
                (
                    "restrict_public_buckets",
                    c.and_then(|c| c.restrict_public_buckets()),
                ),
            ] {
                r.attributes.insert(
                    format!("public_access_block.{a}"),
                    json!(v.unwrap_or(false)),
                );
            }
        }
        Err(e) if not_configured(&e) => {
            for a in [
                "block_public_acls",
                "ignore_public_acls",
                "block_public_policy",
                "restrict_public_buckets",
            ] {
                r.attributes
                    .insert(format!("public_access_block.{a}"), json!(false));
            }
        }
        Err(e) => r.mark_unknown(
            "public_access_block.*",
            &describe(&e).during("s3:GetPublicAccessBlock").reason,
        ),
    }
    match ownership {
        Ok(out) => {
            if let Some(rule) = out.ownership_controls().and_then(|o| o.rules().first()) {
                r.attributes
                    .insert("object_ownership", json!(rule.object_ownership().as_str()));
            }
        }
        // no controls: ACLs decide, the object writer owns
        Err(e) if not_configured(&e) => {
            r.attributes
                .insert("object_ownership", json!("ObjectWriter"));
        }
        Err(e) => r.mark_unknown(
            "object_ownership",
            &describe(&e).during("s3:GetBucketOwnershipControls").reason,
        ),
    }
    match logging {
        Ok(out) => {
            r.attributes
                .insert("logging_enabled", json!(out.logging_enabled().is_some()));
        }
        Err(e) => r.mark_unknown(
            "logging_enabled",
            &describe(&e).during("s3:GetBucketLogging").reason,
        ),
    }
    match lifecycle {
        Ok(out) => {
            for rule in out.rules() {
                let id = rule.id().unwrap_or("unnamed");
                r.attributes
                    .insert(format!("lifecycle.{id}"), json!(rule.status().as_str()));
            }
        }
        Err(e) if not_configured(&e) => {}
        Err(e) => r.mark_unknown(
            "lifecycle.*",
            &describe(&e)
                .during("s3:GetBucketLifecycleConfiguration")
                .reason,
        ),
    }
}

/// `s3.bucket` resources of the environment in `region`.
pub(crate) async fn buckets(
    client: &Client,
    scope: &Scope,
    region: &str,
    max_requests: usize,
) -> Result<Vec<Resource>, CallFailure> {
    let mut listed = Vec::new();
    let mut pages = client
        .list_buckets()
        .max_buckets(1000)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| describe(&e).during("s3:ListBuckets"))?;
        listed.extend(
            page.buckets().iter().filter_map(|b| {
                Some((b.name()?.to_string(), b.bucket_region().map(str::to_string)))
            }),
        );
    }
    let found: Vec<Option<Resource>> = futures::stream::iter(listed)
        .map(|(name, listed_region)| async move {
            let bucket_region = match listed_region {
                Some(r) => r,
                None => {
                    let out = client
                        .get_bucket_location()
                        .bucket(&name)
                        .send()
                        .await
                        .map_err(|e| describe(&e).during("s3:GetBucketLocation"))?;
                    location_region(out.location_constraint().map(|c| c.as_str()))
                }
            };
            if bucket_region != region {
                return Ok(None);
            }
            let mut tags = Vec::new();
            if scope.uses_tags() {
                match client.get_bucket_tagging().bucket(&name).send().await {
                    Ok(out) => {
                        tags = out
                            .tag_set()
                            .iter()
                            .map(|t| (t.key().to_string(), t.value().to_string()))
                            .collect();
                    }
                    Err(e) if not_configured(&e) => {}
                    Err(e) => return Err(describe(&e).during("s3:GetBucketTagging")),
                }
            }
            let pairs = || tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
            if !(scope.by_name(&name) || scope.by_tags(pairs())) {
                return Ok(None);
            }
            let mut r = Resource::named("s3.bucket", &name, &name).with_region(region);
            r.aliases.push(format!("arn:aws:s3:::{name}"));
            r.tags = user_tags(pairs());
            configuration(client, &name, &mut r).await;
            Ok::<_, CallFailure>(Some(r))
        })
        .buffer_unordered(max_requests.max(1))
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints_name_regions() {
        assert_eq!(location_region(None), "us-east-1");
        assert_eq!(location_region(Some("")), "us-east-1");
        assert_eq!(location_region(Some("EU")), "eu-west-1");
        assert_eq!(location_region(Some("eu-central-1")), "eu-central-1");
    }
}
