//! The one list of AWS operations the collectors call, and the least-privilege IAM policy that
//! allows exactly those (read-only by construction: Describe/Get/List, and DynamoDB Scan for
//! opted-in feature flags).

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
    "ecs:DescribeClusters",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:ListClusters",
    "ecs:ListServices",
    "ecs:ListTaskDefinitionFamilies",
    "eks:DescribeCluster",
    "eks:DescribeNodegroup",
    "eks:ListClusters",
    "eks:ListNodegroups",
    "elasticache:DescribeCacheClusters",
    "elasticache:DescribeReplicationGroups",
    "elasticache:ListTagsForResource",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "lambda:GetFunctionConcurrency",
    "lambda:ListFunctions",
    "lambda:ListTags",
    "rds:DescribeDBInstances",
    "rds:DescribeDBParameterGroups",
    "rds:DescribeDBParameters",
    "s3:GetBucketLocation",
    "s3:GetBucketLogging",
    "s3:GetBucketOwnershipControls",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketTagging",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:ListAllMyBuckets",
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

#[cfg(test)]
mod tests {
    use super::*;

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
