"""Seeds a moto server for parity-aws's integration tests through boto3.

usage: seed.py ENDPOINT drift|replicas|scale N|bench N [PER_CALL]|accounts ID,ID…|organization
Prints one JSON object with the ids the tests assert on.

- drift: dev, staging and prod with real drift (and qa noise) for the drift/partial/e2e tests;
- replicas: staging (`stg-*`) and prod (`prd-*`) named the way teams do: numbered web replicas
  (`prd-web-01` … `prd-web-06`, one of them another type; `stg-web-01`, `stg-web-02`), two named
  subnets per VPC in whichever zones the account offers (staging's both in one zone), and an Auto
  Scaling group of unnamed instances (desired 1 in staging, 3 in prod);
- scale: N instances (one per RunInstances call) and N parameters in one environment (pagination);
- bench: dev, staging and prod with N instances (PER_CALL per RunInstances call) and N String
  parameters each, plus a DB instance and its parameter group (the collect benchmark);
- accounts: in each given account (moto's `x-moto-account-id` header), a VPC `main-vpc` and the
  SSM parameter `/app/account` holding the account id (assume-role tests: which account answered);
- organization: an AWS Organization in moto's default account (123456789012) with OUs
  Workloads/Prod, Workloads/Staging and Sandbox, and tagged accounts in them.
"""

import json
import sys

import boto3

REGION = "us-east-1"


def clients(endpoint):
    kw = dict(
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return boto3.client("ec2", **kw), boto3.client("rds", **kw), boto3.client("ssm", **kw)


def tags(resource_type, env, name=None):
    t = [{"Key": "Environment", "Value": env}]
    if name:
        t.append({"Key": "Name", "Value": name})
    return [{"ResourceType": resource_type, "Tags": t}]


def ami(ec2):
    return ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def seed_drift(endpoint):
    ec2, rds, ssm = clients(endpoint)
    image = ami(ec2)
    out = {}
    sizes = {"dev": "t3.micro", "staging": "t3.medium", "prod": "t3.large"}
    db = {
        "dev": ("db.t3.micro", "14.7", False, 1, "100"),
        "staging": ("db.t3.medium", "14.7", False, 1, "200"),
        "prod": ("db.r5.large", "14.9", True, 14, "400"),
    }
    for n, env in enumerate(["dev", "staging", "prod"], start=1):
        ids = {}
        vpc = ec2.create_vpc(
            CidrBlock=f"10.{n}.0.0/16",
            TagSpecifications=tags("vpc", env, f"{env}-main-vpc"),
        )["Vpc"]["VpcId"]
        ids["vpc"] = vpc
        private = ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"10.{n}.1.0/24",
            AvailabilityZone="us-east-1a",
            TagSpecifications=tags("subnet", env, f"{env}-private-a"),
        )["Subnet"]["SubnetId"]
        public = ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"10.{n}.2.0/24",
            AvailabilityZone="us-east-1a",
            TagSpecifications=tags("subnet", env, f"{env}-public-a"),
        )["Subnet"]["SubnetId"]
        ids["private_subnet"] = private
        web = ec2.create_security_group(
            GroupName=f"{env}-web",
            Description="web tier",
            VpcId=vpc,
            TagSpecifications=tags("security-group", env, f"{env}-web"),
        )["GroupId"]
        rules = [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": f"10.{n}.0.0/16"}]},
        ]
        if env == "staging":
            rules.append({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                          "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=rules)
        app = ec2.create_security_group(
            GroupName=f"{env}-app",
            Description="app tier",
            VpcId=vpc,
            TagSpecifications=tags("security-group", env, f"{env}-app"),
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=app,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                            "UserIdGroupPairs": [{"GroupId": web}]}],
        )
        ids["web_sg"] = web
        ids["app_sg"] = app
        ids["instance"] = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType=sizes[env],
            SubnetId=private, SecurityGroupIds=[app],
            TagSpecifications=tags("instance", env, f"{env}-api"),
        )["Instances"][0]["InstanceId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        rtb = ec2.create_route_table(
            VpcId=vpc, TagSpecifications=tags("route-table", env, f"{env}-private-rt"),
        )["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=rtb, SubnetId=private)
        if env == "prod":
            alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
            nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
            ids["nat"] = nat
            ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        else:
            ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

        klass, version, multi_az, retention, max_conn = db[env]
        rds.create_db_parameter_group(
            DBParameterGroupName=f"{env}-orders-pg",
            DBParameterGroupFamily="postgres14",
            Description="orders parameters",
        )
        rds.modify_db_parameter_group(
            DBParameterGroupName=f"{env}-orders-pg",
            Parameters=[
                {"ParameterName": "max_connections", "ParameterValue": max_conn,
                 "ApplyMethod": "pending-reboot"},
                {"ParameterName": "work_mem", "ParameterValue": "4096",
                 "ApplyMethod": "immediate"},
            ],
        )
        rds.create_db_instance(
            DBInstanceIdentifier=f"{env}-orders-db",
            DBInstanceClass=klass,
            Engine="postgres",
            EngineVersion=version,
            AllocatedStorage=20,
            MasterUsername="orders",
            MasterUserPassword="not-a-real-password",
            MultiAZ=multi_az,
            BackupRetentionPeriod=retention,
            DBParameterGroupName=f"{env}-orders-pg",
            Tags=[{"Key": "Environment", "Value": env}],
        )

        ssm.put_parameter(Name=f"/{env}/database/host", Value=f"{env}-db.internal", Type="String")
        if env != "dev":
            ssm.put_parameter(Name=f"/{env}/app/feature-flag", Value="on", Type="String")
        ssm.put_parameter(Name=f"/{env}/database/password",
                          Value=f"S3cr3t-{env}-plaintext", Type="SecureString")
        api_key = "sk_dev_0001" if env == "dev" else "sk_live_shared_9f8e"
        ssm.put_parameter(Name=f"/{env}/stripe/api-key", Value=api_key, Type="String")
        ssm.put_parameter(Name=f"/{env}/app/hosts", Value="a,b,c", Type="StringList")
        # secrets under a camelCase name and inside a connection string (the secret detector)
        ssm.put_parameter(Name=f"/{env}/app/dbPassword", Value=f"Camel-{env}-pw-31", Type="String")
        ssm.put_parameter(Name=f"/{env}/app/database_url", Type="String",
                          Value=f"postgres://app:Url-{env}-pw-62@{env}-db.internal:5432/app")
        out[env] = ids

    # Noise that belongs to no environment under test.
    qa_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16",
                            TagSpecifications=tags("vpc", "qa", "qa-main-vpc"))["Vpc"]["VpcId"]
    qa_subnet = ec2.create_subnet(VpcId=qa_vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_nat_gateway(SubnetId=qa_subnet, AllocationId=alloc)
    out["qa_instance"] = ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.nano", SubnetId=qa_subnet,
        TagSpecifications=tags("instance", "qa", "qa-api"),
    )["Instances"][0]["InstanceId"]
    ssm.put_parameter(Name="/qa/database/host", Value="qa-db.internal", Type="String")
    rds.create_db_instance(
        DBInstanceIdentifier="qa-orders-db", DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="orders", MasterUserPassword="not-a-real-password",
        Tags=[{"Key": "Environment", "Value": "qa"}],
    )
    return out


def seed_scale(endpoint, n):
    ec2, _, ssm = clients(endpoint)
    image = ami(ec2)
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16",
                         TagSpecifications=tags("vpc", "scale", "scale-main-vpc"))["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.0.0/16",
                               TagSpecifications=tags("subnet", "scale", "scale-all"))["Subnet"]["SubnetId"]
    for i in range(n):
        # One instance per call: DescribeInstances pages count reservations.
        ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet,
            TagSpecifications=tags("instance", "scale", f"scale-worker-{i:04d}"),
        )
    for i in range(n):
        ssm.put_parameter(Name=f"/scale/svc{i % 12:02d}/key{i:04d}", Value=f"v{i}", Type="String")
    return {"vpc": vpc, "subnet": subnet}


def seed_bench(endpoint, n, per_call):
    ec2, rds, ssm = clients(endpoint)
    image = ami(ec2)
    out = {}
    for k, env in enumerate(["dev", "staging", "prod"], start=1):
        vpc = ec2.create_vpc(CidrBlock=f"10.{60 + k}.0.0/16",
                             TagSpecifications=tags("vpc", env, f"{env}-main-vpc"))["Vpc"]["VpcId"]
        # A /16 subnet: RunInstances into a full /24 fails.
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{60 + k}.0.0/16",
                                   AvailabilityZone="us-east-1a",
                                   TagSpecifications=tags("subnet", env, f"{env}-all"))["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName=f"{env}-workers", Description="workers", VpcId=vpc,
                                       TagSpecifications=tags("security-group", env, f"{env}-workers"))["GroupId"]
        launched = 0
        while launched < n:
            count = min(per_call, n - launched)
            ec2.run_instances(
                ImageId=image, MinCount=count, MaxCount=count, InstanceType="t3.micro",
                SubnetId=subnet, SecurityGroupIds=[sg],
                TagSpecifications=tags("instance", env, f"{env}-worker-{launched // per_call:04d}"),
            )
            launched += count
        for i in range(n):
            ssm.put_parameter(Name=f"/{env}/svc{i % 20:02d}/key{i:04d}", Value=f"{env}-v{i}",
                              Type="String")
        rds.create_db_parameter_group(DBParameterGroupName=f"{env}-orders-pg",
                                      DBParameterGroupFamily="postgres14", Description="orders")
        rds.modify_db_parameter_group(
            DBParameterGroupName=f"{env}-orders-pg",
            Parameters=[{"ParameterName": "max_connections", "ParameterValue": "100",
                         "ApplyMethod": "pending-reboot"}])
        rds.create_db_instance(
            DBInstanceIdentifier=f"{env}-orders-db", DBInstanceClass="db.t3.micro",
            Engine="postgres", AllocatedStorage=20, MasterUsername="orders",
            MasterUserPassword="not-a-real-password", DBParameterGroupName=f"{env}-orders-pg",
            Tags=[{"Key": "Environment", "Value": env}])
        out[env] = {"vpc": vpc, "subnet": subnet}
    return out


def seed_replicas(endpoint):
    ec2, _, _ = clients(endpoint)
    autoscaling = boto3.client(
        "autoscaling", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    image = ami(ec2)
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    # staging's subnets share one zone; prod's sit in two others (names are account aliases)
    placement = {"staging": [zones[-1], zones[-1]], "prod": [zones[1], zones[2]]}
    shape = {
        "staging": ("stg", ["m5.xlarge"] * 2),
        "prod": ("prd", ["m5.xlarge", "m5.xlarge", "m5.xlarge", "m5.large", "m5.xlarge", "m5.xlarge"]),
    }
    out = {}
    for n, env in enumerate(["staging", "prod"], start=1):
        token, types = shape[env]
        vpc = ec2.create_vpc(
            CidrBlock=f"10.{n}.0.0/16",
            TagSpecifications=tags("vpc", env, f"{token}-main-vpc"),
        )["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=f"10.{n}.{k + 1}.0/24",
                AvailabilityZone=zone,
                TagSpecifications=tags("subnet", env, f"{token}-web-{'ab'[k]}"),
            )["Subnet"]["SubnetId"]
            for k, zone in enumerate(placement[env])
        ]
        ids = []
        for k, instance_type in enumerate(types):
            ids.append(ec2.run_instances(
                ImageId=image, MinCount=1, MaxCount=1, InstanceType=instance_type,
                SubnetId=subnets[k % 2],
                TagSpecifications=tags("instance", env, f"{token}-web-{k + 1:02d}"),
            )["Instances"][0]["InstanceId"])
        # an Auto Scaling group launching unnamed instances (tagged `aws:autoscaling:groupName`)
        # into the first subnet: one in staging, three in prod
        desired = {"staging": 1, "prod": 3}[env]
        ec2.create_launch_template(
            LaunchTemplateName=f"{token}-api-lt",
            LaunchTemplateData={"ImageId": image, "InstanceType": "t3.small"},
        )
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=f"{token}-api-asg",
            LaunchTemplate={"LaunchTemplateName": f"{token}-api-lt", "Version": "$Latest"},
            MinSize=desired, MaxSize=desired * 2, DesiredCapacity=desired,
            VPCZoneIdentifier=subnets[0],
            Tags=[{"Key": "Environment", "Value": env, "PropagateAtLaunch": True,
                   "ResourceId": f"{token}-api-asg", "ResourceType": "auto-scaling-group"}],
        )
        out[env] = {"vpc": vpc, "subnets": subnets, "instances": ids}
    return out


def as_account(client, account):
    """Every request of `client` is made in `account` (moto reads the x-moto-account-id header)."""
    def add_header(request, **_):
        request.headers["x-moto-account-id"] = account
    client.meta.events.register("before-sign.*.*", add_header)
    return client


def seed_accounts(endpoint, accounts):
    out = {}
    for n, account in enumerate(accounts, start=1):
        ec2, _, ssm = (as_account(c, account) for c in clients(endpoint))
        vpc = ec2.create_vpc(
            CidrBlock=f"10.{n}.0.0/16",
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main-vpc"}]}],
        )["Vpc"]["VpcId"]
        ssm.put_parameter(Name="/app/account", Value=account, Type="String")
        out[account] = {"vpc": vpc}
    return out


def seed_organization(endpoint):
    kw = dict(endpoint_url=endpoint, region_name=REGION,
              aws_access_key_id="testing", aws_secret_access_key="testing")
    org = boto3.client("organizations", **kw)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    ous = {
        "Prod": org.create_organizational_unit(ParentId=workloads, Name="Prod")["OrganizationalUnit"]["Id"],
        "Staging": org.create_organizational_unit(ParentId=workloads, Name="Staging")["OrganizationalUnit"]["Id"],
        "Sandbox": org.create_organizational_unit(ParentId=root, Name="Sandbox")["OrganizationalUnit"]["Id"],
    }
    accounts = {}
    # (account name, OU, tags): prod and staging are named by their Environment tag, the two
    # sandboxes by their OU (the same, so both get their account id appended).
    for name, ou, tags in [
        ("Shop Production", "Prod", {"Environment": "prod", "Team": "shop"}),
        ("Shop Staging", "Staging", {"Environment": "staging"}),
        ("Sandbox One", "Sandbox", {}),
        ("Sandbox Two", "Sandbox", {"Owner": "alice"}),
    ]:
        status = org.create_account(
            Email=f"{name.replace(' ', '.').lower()}@example.com",
            AccountName=name,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )["CreateAccountStatus"]
        account = status["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[ou])
        accounts[name] = account
    return {"root": root, "accounts": accounts}


if __name__ == "__main__":
    endpoint, scenario = sys.argv[1], sys.argv[2]
    if scenario == "drift":
        result = seed_drift(endpoint)
    elif scenario == "replicas":
        result = seed_replicas(endpoint)
    elif scenario == "scale":
        result = seed_scale(endpoint, int(sys.argv[3]))
    elif scenario == "bench":
        per_call = int(sys.argv[4]) if len(sys.argv) > 4 else 1
        result = seed_bench(endpoint, int(sys.argv[3]), per_call)
    elif scenario == "accounts":
        result = seed_accounts(endpoint, sys.argv[3].split(","))
    elif scenario == "organization":
        result = seed_organization(endpoint)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    print(json.dumps(result))
