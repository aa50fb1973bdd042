//! `org discover`: the accounts of an AWS Organization with the path of organizational units
//! they sit in and their tags, read with a profile (or the default chain) through the
//! Organizations API (ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent,
//! ListTagsForResource), with the same timeouts, retries and rate budget as every client.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_organizations::config::Region;
use futures::StreamExt;

use crate::collect::{source_config, CollectContext};
use crate::credentials::CredentialSource;
use crate::failure::{describe, CallFailure};
use crate::limits::{Budgeted, RateBudgets, RetryCap};

/// The Organizations calls `org discover` makes (the identity running it needs them; they are
/// allowed in the management account or a delegated administrator account).
pub const ORGANIZATIONS_OPERATIONS: &[&str] = &[
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListRoots",
    "organizations:ListTagsForResource",
];

/// One account of the organization.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    /// The names of the organizational units from the root down to the account's parent (empty
    /// for an account directly under the root).
    pub ou_path: Vec<String>,
    pub tags: BTreeMap<String, String>,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`…, as the API says.
    pub status: String,
    /// The partition of the account's ARN (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
}

impl OrgAccount {
    pub fn is_active(&self) -> bool {
        self.status.eq_ignore_ascii_case("ACTIVE")
    }
}

/// Where to discover from.
#[derive(Debug, Clone, Default)]
pub struct DiscoverOptions {
    /// A profile of the user's AWS config; `None`: the default chain.
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The Organizations API's region (its endpoint is global, served from us-east-1 in the
    /// commercial partition); default `us-east-1`.
    pub region: Option<String>,
}

/// Lists every account of the organization, sorted by id. The error names the call that failed.
pub async fn discover(
    options: &DiscoverOptions,
    ctx: &CollectContext,
) -> Result<Vec<OrgAccount>, String> {
    let source = match &options.profile {
        Some(profile) => CredentialSource::Profile {
            profile: profile.clone(),
        },
        None => CredentialSource::DefaultChain,
    };
    let region = options.region.as_deref().unwrap_or("us-east-1");
    let http = crate::http::proxy_aware_client();
    let sdk = source_config(
        &source,
        Some(region),
        options.endpoint_url.as_deref(),
        ctx,
        http.clone(),
    )
    .await;
    let budgets = Arc::new(RateBudgets::new(ctx.rate_share));
    let account = format!(
        "{}|{}",
        source.describe("-"),
        options.endpoint_url.as_deref().unwrap_or("aws")
    );
    let client = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(&sdk)
            .region(Region::new(region.to_string()))
            .http_client(Budgeted {
                inner: http,
                bucket: budgets.bucket(&account, region, "organizations"),
            })
            .interceptor(RetryCap)
            .retry_partition(crate::limits::retry_partition("organizations"))
            .build(),
    );
    let failed = |f: CallFailure| {
        format!(
            "cannot list the organization's accounts with {}: {}",
            source.describe("-"),
            f.reason
        )
    };
    let roots = list_roots(&client).await.map_err(failed)?;
    // Breadth first from every root: (parent id, the OU names down to it).
    let mut pending: Vec<(String, Vec<String>)> = roots.into_iter().map(|r| (r, vec![])).collect();
    let mut accounts = Vec::new();
    while let Some((parent, path)) = pending.pop() {
        for (id, name) in list_ous(&client, &parent).await.map_err(failed)? {
            let mut child = path.clone();
            child.push(name);
            pending.push((id, child));
        }
        for mut account in list_accounts(&client, &parent).await.map_err(failed)? {
            account.ou_path = path.clone();
            accounts.push(account);
        }
    }
    let tagged: Vec<Result<OrgAccount, CallFailure>> = futures::stream::iter(accounts)
        .map(|mut account| {
            let client = &client;
            async move {
                account.tags = list_tags(client, &account.id).await?;
                Ok(account)
            }
        })
        .buffered(ctx.max_requests.max(1))
        .collect()
        .await;
    let mut accounts = tagged
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed)?;
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(accounts)
}

async fn list_roots(client: &aws_sdk_organizations::Client) -> Result<Vec<String>, CallFailure> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_roots()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| describe(&e).during("organizations:ListRoots"))?;
        out.extend(
            page.roots()
                .iter()
                .filter_map(|r| r.id().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

async fn list_ous(
    client: &aws_sdk_organizations::Client,
    parent: &str,
) -> Result<Vec<(String, String)>, CallFailure> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_organizational_units_for_parent()
            .parent_id(parent)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| describe(&e).during("organizations:ListOrganizationalUnitsForParent"))?;
        out.extend(page.organizational_units().iter().filter_map(|ou| {
            Some((
                ou.id()?.to_string(),
                ou.name().or(ou.id()).unwrap_or_default().to_string(),
            ))
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

async fn list_accounts(
    client: &aws_sdk_organizations::Client,
    parent: &str,
) -> Result<Vec<OrgAccount>, CallFailure> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_accounts_for_parent()
            .parent_id(parent)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| describe(&e).during("organizations:ListAccountsForParent"))?;
        for a in page.accounts() {
            let Some(id) = a.id() else { continue };
            // `State` supersedes the deprecated `Status`; either may be absent.
            #[allow(deprecated)]
            let status = a
                .state()
                .map(|s| s.as_str().to_string())
                .or_else(|| a.status().map(|s| s.as_str().to_string()))
                .unwrap_or_else(|| "ACTIVE".to_string());
            let partition = a
                .arn()
                .and_then(|arn| arn.split(':').nth(1))
                .filter(|p| !p.is_empty())
                .unwrap_or("aws")
                .to_string();
            out.push(OrgAccount {
                id: id.to_string(),
                name: a.name().unwrap_or(id).to_string(),
                ou_path: Vec::new(),
                tags: BTreeMap::new(),
                status,
                partition,
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

async fn list_tags(
    client: &aws_sdk_organizations::Client,
    account: &str,
) -> Result<BTreeMap<String, String>, CallFailure> {
    let mut out = BTreeMap::new();
    let mut token = None;
    loop {
        let page = client
            .list_tags_for_resource()
            .resource_id(account)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| describe(&e).during("organizations:ListTagsForResource"))?;
        for tag in page.tags() {
            out.insert(tag.key().to_string(), tag.value().to_string());
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}
