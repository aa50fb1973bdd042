//! The one list of AWS operations the collectors call, and the least-privilege IAM policy that
//! allows exactly those (read-only by construction: Describe/Get/List, and DynamoDB Scan for
//! opted-in feature flags); for environments that assume a role, the trust policy that role needs
//! and the policy of the identity that assumes it (sts:AssumeRole, and the Organizations calls of
//! `org discover`).

/// Every AWS operation this crate calls, as `service:Operation`. A moto test asserts that every
/// request the emulator receives is on this list.
pub const OPERATIONS: &[&str] = &[
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribePolicies",
    "cloudformation:DescribeStacks",
    "cloudformation:GetTemplate",
    "cloudformation:GetTemplateSummary",
    "cloudwatch:DescribeAlarms",
    "dynamodb:Scan",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeNatGateways",
    "ec2:DescribeRouteTables",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeVpcs",
    "elasticache:DescribeCacheClusters",
    "elasticache:DescribeReplicationGroups",
    "elasticache:ListTagsForResource",
    "lambda:GetFunctionConcurrency",
    "lambda:ListFunctions",
    "lambda:ListTags",
    "rds:DescribeDBInstances",
    "rds:DescribeDBParameterGroups",
    "rds:DescribeDBParameters",
    "ssm:DescribeParameters",
    "ssm:GetParameters",
];

/// The least-privilege policy: one Allow statement with exactly [`OPERATIONS`], Resource `*`.
pub fn policy_json() -> String {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EnvParityReadOnlyInventory",
            "Effect": "Allow",
            "Action": OPERATIONS,
            "Resource": "*",
        }],
    });
    // Serialising a `Value` built from literals cannot fail.
    serde_json::to_string_pretty(&policy).unwrap_or_default()
}

/// The trust policy a target role (`assume_role`) needs: `principal` (an account id, taken as
/// its root, or an IAM ARN) may call sts:AssumeRole, with `sts:ExternalId` required when
/// `external_id` is given.
pub fn trust_policy_json(principal: &str, external_id: Option<&str>) -> String {
    let principal = if principal.len() == 12 && principal.chars().all(|c| c.is_ascii_digit()) {
        format!("arn:aws:iam::{principal}:root")
    } else {
        principal.to_string()
    };
    let mut statement = serde_json::json!({
        "Sid": "EnvParityAssumeRole",
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    });
    if let Some(id) = external_id {
        statement["Condition"] = serde_json::json!({"StringEquals": {"sts:ExternalId": id}});
    }
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]});
    serde_json::to_string_pretty(&policy).unwrap_or_default()
}

/// The policy of the identity EnvParity runs as (the source of `assume_role`): sts:AssumeRole on
/// the roles named `role_name` in any account, and the Organizations calls of `org discover`
/// ([`crate::organizations::ORGANIZATIONS_OPERATIONS`]; allowed in the management account or a
/// delegated administrator).
pub fn source_policy_json(role_name: &str) -> String {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnvParityAssumeInventoryRoles",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": format!("arn:aws:iam::*:role/{role_name}"),
            },
            {
                "Sid": "EnvParityOrgDiscover",
                "Effect": "Allow",
                "Action": crate::organizations::ORGANIZATIONS_OPERATIONS,
                "Resource": "*",
            },
        ],
    });
    serde_json::to_string_pretty(&policy).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_policy_names_the_principal_and_requires_the_external_id() {
        let policy: serde_json::Value =
            serde_json::from_str(&trust_policy_json("111122223333", Some("shop"))).unwrap();
        let statement = &policy["Statement"][0];
        assert_eq!(
            statement["Principal"]["AWS"],
            "arn:aws:iam::111122223333:root"
        );
        assert_eq!(statement["Action"], "sts:AssumeRole");
        assert_eq!(
            statement["Condition"]["StringEquals"]["sts:ExternalId"],
            "shop"
        );
        let policy: serde_json::Value = serde_json::from_str(&trust_policy_json(
            "arn:aws:iam::111122223333:role/ci",
            None,
        ))
        .unwrap();
        assert_eq!(
            policy["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::111122223333:role/ci"
        );
        assert!(policy["Statement"][0].get("Condition").is_none());
        let source: serde_json::Value =
            serde_json::from_str(&source_policy_json("EnvParityReadOnly")).unwrap();
        assert_eq!(
            source["Statement"][0]["Resource"],
            "arn:aws:iam::*:role/EnvParityReadOnly"
        );
        let org: Vec<&str> = source["Statement"][1]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(org, crate::organizations::ORGANIZATIONS_OPERATIONS);
        assert!(org.iter().all(|op| op.starts_with("organizations:List")));
    }

    #[test]
    fn policy_allows_exactly_the_operations_read_only() {
        let policy: serde_json::Value = serde_json::from_str(&policy_json()).unwrap();
        assert_eq!(policy["Version"], "2012-10-17");
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0]["Effect"], "Allow");
        assert_eq!(statements[0]["Resource"], "*");
        let actions: Vec<&str> = statements[0]["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(actions, OPERATIONS);
        for op in OPERATIONS {
            let (_, name) = op.split_once(':').unwrap();
            assert!(
                name.starts_with("Describe")
                    || name.starts_with("Get")
                    || name.starts_with("List")
                    || *op == "dynamodb:Scan",
                "{op} is not a read call"
            );
        }
    }
}
