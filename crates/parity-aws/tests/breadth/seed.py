"""Seeds a moto server for parity-aws's breadth tests through boto3: dev, staging and prod with
real drift in ElastiCache, Lambda, Auto Scaling, CloudWatch alarms, DynamoDB feature flags and
CloudFormation, plus qa noise that belongs to none of them.

usage: seed.py ENDPOINT
Prints one JSON object with what the tests assert on.
"""

import io
import json
import sys
import zipfile

import boto3

REGION = "us-east-1"
ENVS = ["dev", "staging", "prod"]


def client(endpoint, service):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def zipped(name, text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, text)
    return buf.getvalue()


def env_tags(env):
    return [{"Key": "Environment", "Value": env}]


def seed_elasticache(endpoint, out):
    ec = client(endpoint, "elasticache")
    # Redis 6.2 in dev, 7.1 in staging and prod; prod runs a replication group with failover.
    for env, version in [("dev", "6.2"), ("staging", "7.1")]:
        ec.create_cache_cluster(
            CacheClusterId=f"{env}-sessions", Engine="redis", EngineVersion=version,
            CacheNodeType="cache.t3.micro", NumCacheNodes=1, Tags=env_tags(env),
        )
    ec.create_replication_group(
        ReplicationGroupId="prod-sessions", ReplicationGroupDescription="sessions",
        Engine="redis", EngineVersion="7.1", CacheNodeType="cache.r6g.large",
        NumCacheClusters=2, AutomaticFailoverEnabled=True, MultiAZEnabled=True,
        AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True, Tags=env_tags("prod"),
    )
    ec.create_cache_cluster(
        CacheClusterId="qa-sessions", Engine="redis", EngineVersion="5.0.6",
        CacheNodeType="cache.t3.micro", NumCacheNodes=1, Tags=env_tags("qa"),
    )


def seed_lambda(endpoint, out):
    iam = client(endpoint, "iam")
    lam = client(endpoint, "lambda")
    role = iam.create_role(
        RoleName="lambda-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )["Role"]["Arn"]
    layer = lam.publish_layer_version(
        LayerName="shared-deps", Content={"ZipFile": zipped("nodejs/x.js", "1")},
        CompatibleRuntimes=["nodejs18.x", "nodejs20.x"],
    )["LayerVersionArn"]
    runtimes = {"dev": "nodejs18.x", "staging": "nodejs20.x", "prod": "nodejs20.x"}
    memory = {"dev": 128, "staging": 256, "prod": 1024}
    for env in ENVS + ["qa"]:
        lam.create_function(
            FunctionName=f"{env}-api", Runtime=runtimes.get(env, "nodejs16.x"), Role=role,
            Handler="index.handler", Code={"ZipFile": zipped("index.js", "exports.handler=1")},
            MemorySize=memory.get(env, 128), Timeout=30,
            Environment={"Variables": {
                "DB_HOST": f"{env}-db.internal",
                "STRIPE_KEY": "sk_dev_0001" if env == "dev" else "sk_live_shared_9f8e",
            }},
            Layers=[layer] if env != "dev" else [],
            Tags={"Environment": env},
        )
    lam.put_function_concurrency(FunctionName="prod-api", ReservedConcurrentExecutions=50)
    out["layer"] = layer


def seed_autoscaling(endpoint, out):
    ec2 = client(endpoint, "ec2")
    asg = client(endpoint, "autoscaling")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    sizes = {"dev": (1, 2, 1), "staging": (1, 2, 1), "prod": (3, 10, 3)}
    for env in ENVS:
        ec2.create_launch_template(
            LaunchTemplateName=f"{env}-api",
            LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
        )
        low, high, desired = sizes[env]
        asg.create_auto_scaling_group(
            AutoScalingGroupName=f"{env}-api",
            LaunchTemplate={"LaunchTemplateName": f"{env}-api", "Version": "$Latest"},
            MinSize=low, MaxSize=high, DesiredCapacity=desired,
            AvailabilityZones=["us-east-1a"], HealthCheckType="EC2",
            HealthCheckGracePeriod=300,
            Tags=[{"Key": "Environment", "Value": env, "PropagateAtLaunch": True}],
        )
    # Prod auto-scales on CPU; the others do not.
    asg.put_scaling_policy(
        AutoScalingGroupName="prod-api", PolicyName="prod-cpu-target",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration={
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
            "TargetValue": 50.0,
        },
    )


def seed_alarms(endpoint, out):
    cw = client(endpoint, "cloudwatch")

    def alarm(name, dims, namespace, metric, threshold):
        cw.put_metric_alarm(
            AlarmName=name, Namespace=namespace, MetricName=metric, Dimensions=dims,
            Statistic="Average", Period=60, EvaluationPeriods=3, Threshold=threshold,
            ComparisonOperator="GreaterThanThreshold", ActionsEnabled=True,
        )

    # A CPU alarm on the api group in dev and prod; staging has none.
    for env in ["dev", "prod"]:
        alarm(f"{env}-api-cpu-high", [{"Name": "AutoScalingGroupName", "Value": f"{env}-api"}],
              "AWS/EC2", "CPUUtilization", 80.0)
    # Lambda errors everywhere, prod stricter.
    for env in ENVS:
        alarm(f"{env}-api-errors", [{"Name": "FunctionName", "Value": f"{env}-api"}],
              "AWS/Lambda", "Errors", 1.0 if env == "prod" else 5.0)
    alarm("qa-api-errors", [{"Name": "FunctionName", "Value": "qa-api"}],
          "AWS/Lambda", "Errors", 9.0)


def seed_flags(endpoint, out):
    ddb = client(endpoint, "dynamodb")
    ddb.create_table(
        TableName="feature-flags",
        KeySchema=[{"AttributeName": "environment", "KeyType": "HASH"},
                   {"AttributeName": "feature_name", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "environment", "AttributeType": "S"},
                              {"AttributeName": "feature_name", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def put(env, name, enabled, rollout=100, extra=None):
        ddb.put_item(TableName="feature-flags", Item={
            "environment": {"S": env}, "feature_name": {"S": name},
            "enabled": {"BOOL": enabled}, "rollout_percentage": {"N": str(rollout)},
            **(extra or {}),
        })

    for env in ENVS:
        # a nested map holding an API key: kept only as its token (the secret detector)
        put(env, "dark-mode", True, extra={"config": {"M": {
            "apiKey": {"S": f"plaintext-ddb-{env}-key"}, "theme": {"S": "night"}}}})
        put(env, "new-checkout", env == "staging", 25 if env == "staging" else 0)
    put("staging", "beta-search", True)
    # Noise in another environment, enough for the scan to take several pages.
    with ddb_batch(ddb) as batch:
        for i in range(SCAN_NOISE):
            batch.append({"environment": {"S": "qa"}, "feature_name": {"S": f"qa-flag-{i:04d}"},
                          "enabled": {"BOOL": False}, "blob": {"S": "x" * 900}})


SCAN_NOISE = 1500


class ddb_batch:
    def __init__(self, ddb):
        self.ddb, self.items = ddb, []

    def __enter__(self):
        return self.items

    def __exit__(self, *exc):
        for i in range(0, len(self.items), 25):
            self.ddb.batch_write_item(RequestItems={"feature-flags": [
                {"PutRequest": {"Item": item}} for item in self.items[i:i + 25]]})


TEMPLATE = {
    "Description": "ENV network",
    "Parameters": {
        "InstanceType": {"Type": "String", "Default": "t3.micro"},
        "DbPassword": {"Type": "String", "NoEcho": True},
        "Environment": {"Type": "String"},
    },
    "Resources": {"Alerts": {"Type": "AWS::SNS::Topic",
                             "Properties": {"TopicName": "ENV-alerts"}}},
    "Outputs": {"AlertsTopic": {"Value": {"Fn::GetAtt": ["Alerts", "TopicName"]}},
                # a connection string's password in an output: masked, the rest kept
                "DbUrl": {"Value": "postgres://app:plaintext-cfn-ENV@ENV-pg.example:5432/app"}},
}


def seed_stacks(endpoint, out):
    cfn = client(endpoint, "cloudformation")
    itype = {"dev": "t3.micro", "staging": "t3.small", "prod": "t3.micro"}
    for env in ENVS:
        body = json.dumps(TEMPLATE).replace("ENV", env)
        if env == "dev":
            body = body.replace("network", "network (experimental)")
        cfn.create_stack(
            StackName=f"{env}-network", TemplateBody=body,
            Parameters=[
                {"ParameterKey": "InstanceType", "ParameterValue": itype[env]},
                {"ParameterKey": "DbPassword", "ParameterValue": f"pw-{env}-plaintext"},
                {"ParameterKey": "Environment", "ParameterValue": env},
            ],
            EnableTerminationProtection=(env == "prod"),
            Tags=env_tags(env) + [{"Key": "DeployToken", "Value": f"plaintext-tag-{env}"}],
        )


if __name__ == "__main__":
    endpoint = sys.argv[1]
    result = {}
    for seed in [seed_elasticache, seed_lambda, seed_autoscaling, seed_alarms, seed_flags,
                 seed_stacks]:
        seed(endpoint, result)
    print(json.dumps(result))
