//! The one table of attribute semantics: each (kind, attribute)'s category, whether it is volatile
//! (kept for display, never compared) and how its values compare. Specified in docs/CONTRACTS.md.

use crate::model::Category;

/// How an attribute's normalised values are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Equal JSON after normalisation; arrays compare as sets (order and duplicates ignored).
    Plain,
    /// Arrays keep their order (ordered lists such as a Lambda's layers).
    Ordered,
    /// A CIDR compared by its prefix length only (`10.1.0.0/16` ≡ `10.2.0.0/16`): VPC and subnet
    /// ranges differ between environments by design.
    PrefixLength,
}

/// What the engine knows about one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeSpec {
    pub category: Category,
    pub volatile: bool,
    pub compare: Compare,
}

/// Kinds a Terraform snapshot maps from `aws_*` types onto the API kinds.
pub const TERRAFORM_MAPPED_KINDS: &[&str] = &[
    "ec2.instance",
    "ec2.vpc",
    "ec2.subnet",
    "ec2.nat_gateway",
    "ec2.route_table",
    "ec2.security_group",
    "rds.db_instance",
    "rds.db_parameter_group",
    "ssm.parameter",
];

/// Attributes of mapped kinds that a Terraform state does not record (API-only facts): a
/// Terraform-sourced column does not cover these rows.
pub const TERRAFORM_UNKNOWN_ATTRIBUTES: &[(&str, &str)] = &[
    ("ec2.instance", "image_name"),
    ("ec2.instance", "architecture"),
    ("ec2.instance", "platform"),
    ("ec2.instance", "state"),
    ("ec2.nat_gateway", "state"),
];

/// Kinds expected to hold one resource per logical key; a group of them is reported under
/// `warnings` as `ambiguous_key`.
pub const UNIQUE_KINDS: &[&str] = &[
    "ec2.vpc",
    "rds.db_instance",
    "rds.db_parameter_group",
    "ssm.parameter",
    "dynamodb.item",
];

/// The category table: (kind or `*`, attribute, category). First match wins; attributes not
/// listed are `config`. docs/CONTRACTS.md ("Values and categories") publishes it.
pub const CATEGORY_TABLE: &[(&str, &str, Category)] = &[
    // size
    ("*", "count", Category::Size),
    ("ec2.instance", "instance_type", Category::Size),
    ("rds.db_instance", "db_instance_class", Category::Size),
    ("rds.db_instance", "allocated_storage", Category::Size),
    ("rds.db_instance", "max_allocated_storage", Category::Size),
    ("rds.db_instance", "iops", Category::Size),
    ("rds.db_instance", "storage_throughput", Category::Size),
    ("elasticache.cluster", "cache_node_type", Category::Size),
    ("elasticache.cluster", "num_cache_nodes", Category::Size),
    ("elasticache.cluster", "shards", Category::Size),
    ("lambda.function", "memory_size", Category::Size),
    ("lambda.function", "timeout", Category::Size),
    ("lambda.function", "reserved_concurrency", Category::Size),
    ("autoscaling.group", "min_size", Category::Size),
    ("autoscaling.group", "max_size", Category::Size),
    ("autoscaling.group", "desired_capacity", Category::Size),
    // version
    ("ec2.instance", "image_name", Category::Version),
    ("rds.db_instance", "engine", Category::Version),
    ("rds.db_instance", "engine_version", Category::Version),
    ("rds.db_parameter_group", "family", Category::Version),
    ("elasticache.cluster", "engine", Category::Version),
    ("elasticache.cluster", "engine_version", Category::Version),
    ("lambda.function", "runtime", Category::Version),
    ("lambda.function", "layers", Category::Version),
    // network
    ("*", "children.*", Category::Network),
    ("ec2.vpc", "cidr_block", Category::Network),
    ("ec2.vpc", "enable_dns_support", Category::Network),
    ("ec2.vpc", "enable_dns_hostnames", Category::Network),
    ("ec2.subnet", "cidr_block", Category::Network),
    ("ec2.subnet", "map_public_ip_on_launch", Category::Network),
    ("ec2.nat_gateway", "subnet", Category::Network),
    ("ec2.nat_gateway", "connectivity_type", Category::Network),
    ("ec2.route_table", "routes", Category::Network),
    ("ec2.route_table", "associations", Category::Network),
    ("ec2.instance", "vpc", Category::Network),
    ("ec2.instance", "subnet", Category::Network),
    ("rds.db_instance", "db_subnet_group", Category::Network),
    ("lambda.function", "vpc", Category::Network),
    ("lambda.function", "subnets", Category::Network),
    (
        "elasticache.cluster",
        "cache_subnet_group",
        Category::Network,
    ),
    ("autoscaling.group", "subnets", Category::Network),
    // security
    ("ec2.security_group", "ingress", Category::Security),
    ("ec2.security_group", "egress", Category::Security),
    ("ec2.instance", "security_groups", Category::Security),
    ("ec2.instance", "metadata_http_tokens", Category::Security),
    ("ec2.instance", "iam_instance_profile", Category::Security),
    ("rds.db_instance", "publicly_accessible", Category::Security),
    ("rds.db_instance", "storage_encrypted", Category::Security),
    (
        "rds.db_instance",
        "iam_database_authentication_enabled",
        Category::Security,
    ),
    ("rds.db_instance", "vpc_security_groups", Category::Security),
    (
        "elasticache.cluster",
        "at_rest_encryption_enabled",
        Category::Security,
    ),
    (
        "elasticache.cluster",
        "transit_encryption_enabled",
        Category::Security,
    ),
    (
        "elasticache.cluster",
        "auth_token_enabled",
        Category::Security,
    ),
    ("elasticache.cluster", "security_groups", Category::Security),
    ("lambda.function", "security_groups", Category::Security),
    // resilience
    ("*", "zone_spread", Category::Resilience),
    ("rds.db_instance", "multi_az", Category::Resilience),
    (
        "rds.db_instance",
        "backup_retention_period",
        Category::Resilience,
    ),
    (
        "rds.db_instance",
        "deletion_protection",
        Category::Resilience,
    ),
    (
        "elasticache.cluster",
        "automatic_failover",
        Category::Resilience,
    ),
    ("elasticache.cluster", "multi_az", Category::Resilience),
    (
        "elasticache.cluster",
        "snapshot_retention_limit",
        Category::Resilience,
    ),
    (
        "autoscaling.group",
        "health_check_type",
        Category::Resilience,
    ),
    (
        "autoscaling.group",
        "health_check_grace_period",
        Category::Resilience,
    ),
    (
        "cloudformation.stack",
        "termination_protection",
        Category::Resilience,
    ),
];

/// Attributes never compared (volatile): kept for display only.
const VOLATILE: &[&str] = &[
    "id",
    "arn",
    "native_id",
    "image_id",
    "owner_id",
    "private_ip_address",
    "public_ip_address",
    "private_ip",
    "public_ip",
    "private_dns_name",
    "public_dns_name",
    "private_dns",
    "public_dns",
    "network_interfaces",
    "primary_network_interface_id",
    "launch_time",
    "create_time",
    "created_time",
    "creation_date",
    "instance_create_time",
    "last_modified_date",
    "last_modified",
    "latest_restorable_time",
    "version",
    "endpoint_address",
    "dbi_resource_id",
    "resource_id",
    "tags_all",
    "timeouts",
    // the alarm's own name: alarms pair by metric and monitored resource, and generated names
    // (target tracking's `TargetTracking-…-<uuid>`) differ by design
    "alarm_name",
    // zone placement: names are per-account aliases, and where one resource sits is not a parity
    // property; groups and VPCs compare their `zone_spread` instead
    "availability_zone",
    "availability_zones",
    "availability_zone_id",
];

/// Generated per-resource values Terraform records for unmapped types: ids, account-specific
/// ARNs and DNS names, hashes and etags, times.
fn terraform_volatile(attribute: &str) -> bool {
    const NAMES: &[&str] = &[
        "arn_suffix",
        "dns_name",
        "stream_arn",
        "stream_label",
        "fingerprint",
        "key_pair_id",
        "association_id",
        "unique_id",
        "etag",
        "version_id",
        "qualified_arn",
        "invoke_arn",
        "hosted_zone_id",
    ];
    NAMES.contains(&attribute)
        || attribute.ends_with("_date")
        || attribute.ends_with("_time")
        || attribute.starts_with("content_md5")
        || attribute.starts_with("content_sha")
        || attribute.starts_with("content_base64sha")
}

/// The category of an `exists` row for `kind`.
pub fn exists_category(kind: &str) -> Category {
    match kind {
        "ec2.vpc" | "ec2.subnet" | "ec2.nat_gateway" | "ec2.route_table" => Category::Network,
        "ec2.security_group" => Category::Security,
        _ => Category::Config,
    }
}

fn matches(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

/// The spec of `attribute` on `kind`.
pub fn spec(kind: &str, attribute: &str) -> AttributeSpec {
    let category = if attribute == "exists" {
        exists_category(kind)
    } else {
        CATEGORY_TABLE
            .iter()
            .find(|(k, a, _)| (*k == "*" || *k == kind) && matches(a, attribute))
            .map(|(_, _, c)| *c)
            .unwrap_or(Category::Config)
    };
    let volatile = VOLATILE.contains(&attribute)
        || attribute.ends_with("_timestamp")
        || (kind.starts_with("tf.") && terraform_volatile(attribute));
    let compare = match (kind, attribute) {
        ("ec2.vpc" | "ec2.subnet", "cidr_block" | "ipv6_cidr_block") => Compare::PrefixLength,
        ("lambda.function", "layers") => Compare::Ordered,
        _ => Compare::Plain,
    };
    AttributeSpec {
        category,
        volatile,
        compare,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_the_contract_table() {
        assert_eq!(
            spec("ec2.instance", "instance_type").category,
            Category::Size
        );
        assert_eq!(
            spec("rds.db_instance", "engine_version").category,
            Category::Version
        );
        assert_eq!(
            spec("ec2.vpc", "children.ec2.subnet").category,
            Category::Network
        );
        assert_eq!(
            spec("ec2.security_group", "ingress").category,
            Category::Security
        );
        assert_eq!(
            spec("rds.db_instance", "multi_az").category,
            Category::Resilience
        );
        assert_eq!(spec("ssm.parameter", "value").category, Category::Config);
        assert_eq!(spec("ec2.instance", "tags.Team").category, Category::Config);
        assert_eq!(spec("ec2.instance", "count").category, Category::Size);
    }

    #[test]
    fn breadth_kinds_follow_the_issue() {
        let cases = [
            ("elasticache.cluster", "engine_version", Category::Version),
            ("elasticache.cluster", "cache_node_type", Category::Size),
            ("elasticache.cluster", "shards", Category::Size),
            (
                "elasticache.cluster",
                "automatic_failover",
                Category::Resilience,
            ),
            (
                "elasticache.cluster",
                "transit_encryption_enabled",
                Category::Security,
            ),
            (
                "elasticache.cluster",
                "cache_parameter_group",
                Category::Config,
            ),
            ("lambda.function", "runtime", Category::Version),
            ("lambda.function", "layers", Category::Version),
            ("lambda.function", "reserved_concurrency", Category::Size),
            ("lambda.function", "vpc", Category::Network),
            ("lambda.function", "environment.DB_HOST", Category::Config),
            ("autoscaling.group", "min_size", Category::Size),
            ("autoscaling.group", "policy.cpu-target", Category::Config),
            (
                "autoscaling.group",
                "launch_template_version",
                Category::Config,
            ),
            ("cloudwatch.alarm", "threshold", Category::Config),
            ("dynamodb.item", "enabled", Category::Config),
            (
                "cloudformation.stack",
                "termination_protection",
                Category::Resilience,
            ),
            (
                "cloudformation.stack",
                "parameters.InstanceType",
                Category::Config,
            ),
        ];
        for (kind, attribute, category) in cases {
            assert_eq!(
                spec(kind, attribute).category,
                category,
                "{kind} {attribute}"
            );
        }
        assert!(spec("cloudwatch.alarm", "alarm_name").volatile);
        assert!(!spec("autoscaling.group", "launch_template_version").volatile);
        assert_eq!(spec("lambda.function", "layers").compare, Compare::Ordered);
    }

    #[test]
    fn exists_rows_take_their_kinds_category() {
        assert_eq!(
            spec("ec2.nat_gateway", "exists").category,
            Category::Network
        );
        assert_eq!(
            spec("ec2.security_group", "exists").category,
            Category::Security
        );
        assert_eq!(spec("ssm.parameter", "exists").category, Category::Config);
    }

    #[test]
    fn volatile_fields_are_not_compared() {
        assert!(spec("ec2.instance", "image_id").volatile);
        assert!(!spec("ec2.instance", "image_name").volatile);
        assert!(spec("ssm.parameter", "version").volatile);
        assert!(spec("ec2.instance", "private_ip_address").volatile);
        assert!(spec("tf.aws_s3_bucket", "creation_date").volatile);
        assert!(spec("tf.aws_lb", "dns_name").volatile);
        assert!(!spec("tf.aws_lb", "internal").volatile);
        assert!(spec("ec2.instance", "availability_zone").volatile);
        assert!(spec("ec2.subnet", "availability_zone_id").volatile);
        assert!(spec("autoscaling.group", "availability_zones").volatile);
        assert!(spec("tf.aws_autoscaling_group", "availability_zones").volatile);
        assert!(!spec("ec2.vpc", "zone_spread").volatile);
        assert_eq!(
            spec("ec2.instance", "zone_spread").category,
            Category::Resilience
        );
    }

    #[test]
    fn vpc_and_subnet_cidrs_compare_by_prefix_length() {
        assert_eq!(spec("ec2.vpc", "cidr_block").compare, Compare::PrefixLength);
        assert_eq!(
            spec("ec2.subnet", "cidr_block").compare,
            Compare::PrefixLength
        );
        assert_eq!(spec("ec2.route_table", "routes").compare, Compare::Plain);
    }
}
