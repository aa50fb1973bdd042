//! Which resources of a region belong to an environment, for the services without server-side
//! tag filters (ElastiCache, Lambda, Auto Scaling, CloudFormation): with neither tags nor `vpcs`
//! configured, all of them; else those carrying every tag of the filter, sitting in an in-scope
//! VPC, or whose name holds one of the environment's tokens as a whole segment (`prod-api`,
//! `api-stg`).

use std::collections::{BTreeMap, BTreeSet};

use parity_core::identity::TokenSet;
use parity_core::EnvironmentConfig;

#[derive(Debug, Clone)]
pub(crate) struct Scope {
    unscoped: bool,
    tags: BTreeMap<String, String>,
    tokens: TokenSet,
    vpc_ids: BTreeSet<String>,
}

impl Scope {
    pub fn new(env: &EnvironmentConfig, vpc_ids: BTreeSet<String>) -> Self {
        Scope {
            unscoped: env.tags.is_empty() && env.vpcs.is_empty(),
            tags: env.tags.clone(),
            tokens: TokenSet::for_env(env),
            vpc_ids,
        }
    }

    pub fn tokens(&self) -> &TokenSet {
        &self.tokens
    }

    /// Whether tags could decide membership (the environment has a tag filter), i.e. whether
    /// fetching a resource's tags is worth a call.
    pub fn uses_tags(&self) -> bool {
        !self.tags.is_empty()
    }

    /// In scope by name alone (or because nothing is scoped).
    pub fn by_name(&self, name: &str) -> bool {
        self.unscoped || self.tokens.strip_segments(name) != name
    }

    /// In scope by VPC membership.
    pub fn by_vpc(&self, vpc: Option<&str>) -> bool {
        vpc.is_some_and(|v| self.vpc_ids.contains(v))
    }

    /// In scope by tags: the resource carries every tag of the filter.
    pub fn by_tags<'a>(&self, tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
        if self.tags.is_empty() {
            return false;
        }
        let have: BTreeMap<&str, &str> = tags.into_iter().collect();
        self.tags
            .iter()
            .all(|(k, v)| have.get(k.as_str()) == Some(&v.as_str()))
    }
}

/// User tags: all but `Name` and `aws:*`.
pub(crate) fn user_tags<'a>(
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> parity_core::Tags {
    tags.into_iter()
        .filter(|(k, _)| *k != "Name" && !k.starts_with("aws:"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tags_and_vpcs_decide() {
        let mut env = EnvironmentConfig::new("prod");
        env.aliases = vec!["prd".into()];
        assert!(Scope::new(&env, BTreeSet::new()).by_name("anything"));
        env.tags.insert("Environment".into(), "prod".into());
        let scope = Scope::new(&env, ["vpc-1".to_string()].into());
        assert!(scope.by_name("prod-api") && scope.by_name("api-prd"));
        assert!(!scope.by_name("production-api") && !scope.by_name("staging-api"));
        assert!(scope.by_tags([("Environment", "prod"), ("Team", "x")]));
        assert!(!scope.by_tags([("Environment", "staging")]));
        assert!(scope.by_vpc(Some("vpc-1")) && !scope.by_vpc(Some("vpc-2")) && !scope.by_vpc(None));
    }
}
