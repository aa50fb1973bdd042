"""Seeds a moto server for parity-aws's application-layer tests through boto3: staging and prod
with the seed article's drift — a target group whose health check is `/` in staging and
`/healthz` in prod, image tag 1.8.2 in staging and 1.8.3 in prod, EKS 1.29 and 1.30, buckets with
different versioning and public-access blocks — plus qa noise that belongs to neither.

usage: seed.py ENDPOINT
Prints one JSON object with what the tests assert on (ARNs, ids).
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"
ENVS = ["staging", "prod"]


def client(endpoint, service):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def env_tags(env):
    return [{"Key": "Environment", "Value": env}]


def seed_network(endpoint, out):
    ec2 = client(endpoint, "ec2")
    for env in ENVS + ["qa"]:
        index = {"staging": 2, "prod": 3, "qa": 9}[env]
        vpc = ec2.create_vpc(
            CidrBlock=f"10.{index}.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": env_tags(env) + [
                {"Key": "Name", "Value": f"{env}-main"}]}],
        )["Vpc"]["VpcId"]
        subnets = []
        for i, az in enumerate(["us-east-1a", "us-east-1b"]):
            subnets.append(ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.{index}.{i}.0/24", AvailabilityZone=az,
                TagSpecifications=[{"ResourceType": "subnet", "Tags": env_tags(env) + [
                    {"Key": "Name", "Value": f"{env}-private-{az[-1]}"}]}],
            )["Subnet"]["SubnetId"])
        sg = ec2.create_security_group(
            GroupName=f"{env}-alb", Description="alb", VpcId=vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": env_tags(env) + [
                {"Key": "Name", "Value": f"{env}-alb"}]}],
        )["GroupId"]
        out[env] = {"vpc": vpc, "subnets": subnets, "sg": sg}


def seed_elbv2(endpoint, out):
    elb = client(endpoint, "elbv2")
    for env in ENVS + ["qa"]:
        net = out[env]
        lb = elb.create_load_balancer(
            Name=f"web-{env}", Subnets=net["subnets"], SecurityGroups=[net["sg"]],
            Scheme="internet-facing", Type="application", Tags=env_tags(env),
        )["LoadBalancers"][0]["LoadBalancerArn"]
        # idle timeout 60 in staging, 120 in prod
        elb.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=[
            {"Key": "idle_timeout.timeout_seconds", "Value": "120" if env == "prod" else "60"},
            {"Key": "deletion_protection.enabled", "Value": "true" if env == "prod" else "false"},
        ])
        # the article's example: staging checks `/`, prod `/healthz`
        tg = elb.create_target_group(
            Name=f"web-{env}", Protocol="HTTP", Port=8080, VpcId=net["vpc"], TargetType="ip",
            HealthCheckProtocol="HTTP", HealthCheckPath="/healthz" if env == "prod" else "/",
            HealthCheckIntervalSeconds=15, HealthCheckTimeoutSeconds=5,
            HealthyThresholdCount=2, UnhealthyThresholdCount=3, Matcher={"HttpCode": "200"},
            Tags=env_tags(env),
        )["TargetGroups"][0]["TargetGroupArn"]
        targets = 3 if env == "prod" else 1
        elb.register_targets(TargetGroupArn=tg, Targets=[
            {"Id": f"10.{9 if env == 'qa' else (3 if env == 'prod' else 2)}.0.{10 + i}", "Port": 8080}
            for i in range(targets)])
        listener = elb.create_listener(
            LoadBalancerArn=lb, Protocol="HTTP", Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
        )["Listeners"][0]["ListenerArn"]
        out[env].update({"lb": lb, "tg": tg, "listener": listener})


def seed_ecs(endpoint, out):
    ecs = client(endpoint, "ecs")
    for env in ENVS + ["qa"]:
        net = out[env]
        cluster = ecs.create_cluster(
            clusterName=f"shop-{env}", tags=[{"key": "Environment", "value": env}],
            settings=[{"name": "containerInsights",
                       "value": "enabled" if env == "prod" else "disabled"}],
        )["cluster"]["clusterArn"]
        tag = {"staging": "1.8.2", "prod": "1.8.3", "qa": "0.1.0"}[env]
        # two revisions: the active one is the latest
        for revision_tag in ["1.0.0", tag]:
            td = ecs.register_task_definition(
                family=f"api-{env}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                cpu="256", memory="512" if env != "prod" else "1024",
                containerDefinitions=[{
                    "name": "api",
                    "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api:{revision_tag}",
                    "essential": True, "memory": 512,
                    "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                    "environment": [
                        {"name": "DB_HOST", "value": f"{env}-db.internal"},
                        {"name": "LOG_LEVEL", "value": "warn" if env == "prod" else "info"},
                        {"name": "API_TOKEN", "value": f"plaintext-token-{env}-42"},
                    ],
                    "secrets": [{"name": "DB_PASSWORD", "valueFrom":
                                 f"arn:aws:ssm:us-east-1:123456789012:parameter/{env}/db/password"}],
                    "logConfiguration": {"logDriver": "awslogs", "options": {}},
                }],
                tags=[{"key": "Environment", "value": env}],
            )["taskDefinition"]
        service = ecs.create_service(
            cluster=cluster, serviceName=f"api-{env}", taskDefinition=td["taskDefinitionArn"],
            desiredCount=3 if env == "prod" else 1, launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {
                "subnets": net["subnets"], "securityGroups": [net["sg"]],
                "assignPublicIp": "DISABLED"}},
            loadBalancers=[{"targetGroupArn": net["tg"], "containerName": "api",
                            "containerPort": 8080}],
            tags=[{"key": "Environment", "value": env}],
        )["service"]["serviceArn"]
        out[env].update({"cluster": cluster, "task_definition": td["taskDefinitionArn"],
                         "revision": td["revision"], "service": service})


def seed_eks(endpoint, out):
    eks = client(endpoint, "eks")
    for env in ENVS + ["qa"]:
        net = out[env]
        version = {"staging": "1.29", "prod": "1.30", "qa": "1.28"}[env]
        cluster = eks.create_cluster(
            name=f"platform-{env}", version=version,
            roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": net["subnets"], "securityGroupIds": [net["sg"]],
                                "endpointPublicAccess": env != "prod",
                                "endpointPrivateAccess": True},
            tags={"Environment": env},
        )["cluster"]["arn"]
        eks.create_nodegroup(
            clusterName=f"platform-{env}", nodegroupName=f"workers-{env}",
            scalingConfig={"minSize": 1, "maxSize": 6 if env == "prod" else 2,
                           "desiredSize": 3 if env == "prod" else 1},
            subnets=net["subnets"], nodeRole="arn:aws:iam::123456789012:role/nodes",
            instanceTypes=["m6i.large" if env == "prod" else "t3.large"],
            amiType="AL2_x86_64", capacityType="ON_DEMAND", version=version,
            tags={"Environment": env},
        )
        out[env]["eks"] = cluster


def seed_s3(endpoint, out):
    s3 = client(endpoint, "s3")
    for env in ENVS + ["qa"]:
        for base in ["shop-assets", "shop-logs"]:
            name = f"{base}-{env}"
            s3.create_bucket(Bucket=name)
            if base == "shop-logs":
                continue
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": env_tags(env)})
            # versioning only in prod
            if env == "prod":
                s3.put_bucket_versioning(Bucket=name,
                                         VersioningConfiguration={"Status": "Enabled"})
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                "BlockPublicAcls": True, "IgnorePublicAcls": True,
                "BlockPublicPolicy": True, "RestrictPublicBuckets": env == "prod"})
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
                {"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                 "Expiration": {"Days": 7}}]})
        out.setdefault(env, {})["bucket"] = f"shop-assets-{env}"


if __name__ == "__main__":
    endpoint = sys.argv[1]
    result = {}
    only = sys.argv[2:] or ["network", "elbv2", "ecs", "eks", "s3"]
    for name in ["network", "elbv2", "ecs", "eks", "s3"]:
        if name in only:
            globals()[f"seed_{name}"](endpoint, result)
    print(json.dumps(result))
