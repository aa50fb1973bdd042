"""The baseline of the collect benchmark: the article's "Method 1" (one boto3 client per service,
every call in sequence) done properly — paginators at the same maximum page sizes and the same
describes, filters and fan-outs that parity-aws's collectors make (crates/parity-aws/src/{ec2,rds,
ssm}.rs), one environment after another, one call at a time.

usage: sequential_boto3.py ENDPOINT ENV...   (each ENV scoped by tag Environment=ENV, SSM /ENV/)
Prints one JSON object: wall seconds, calls made, resources per environment, peak RSS.
"""

import json
import resource
import sys
import time

import boto3
from botocore.config import Config

REGION = "us-east-1"
FILTER_VALUES = 200  # values per EC2 filter (ec2.rs FILTER_VALUES)
GET_BATCH = 10  # GetParameters names per call (ssm.rs GET_BATCH)
LIVE = ["pending", "running", "stopping", "stopped"]

calls = 0


def count(*_args, **_kwargs):
    global calls
    calls += 1


def clients(endpoint):
    kw = dict(
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(retries={"mode": "standard"}),
    )
    out = [boto3.client(s, **kw) for s in ("ec2", "rds", "ssm")]
    for c in out:
        c.meta.events.register("before-send", count)
    return out


def paginate(client, op, key, **kw):
    items = []
    for page in client.get_paginator(op).paginate(**kw):
        items.extend(page.get(key, []))
    return items


def union(queries, fetch, ident):
    seen, out = set(), []
    for filters in queries:
        for item in fetch(filters):
            if item[ident] not in seen:
                seen.add(item[ident])
                out.append(item)
    return out


def collect(ec2, rds, ssm, env):
    tag_filters = [{"Name": "tag:Environment", "Values": [env]}]
    vpcs = paginate(ec2, "describe_vpcs", "Vpcs", Filters=tag_filters, MaxResults=1000)
    vpc_ids = sorted(v["VpcId"] for v in vpcs)
    vpc_queries = [[{"Name": "vpc-id", "Values": vpc_ids[i:i + FILTER_VALUES]}]
                   for i in range(0, len(vpc_ids), FILTER_VALUES)]
    scoped = [tag_filters] + vpc_queries
    found = {}
    for vpc in vpc_ids:
        for attribute in ("enableDnsSupport", "enableDnsHostnames"):
            ec2.describe_vpc_attribute(VpcId=vpc, Attribute=attribute)
    found["ec2.vpc"] = len(vpcs)
    found["ec2.subnet"] = len(union(
        scoped, lambda f: paginate(ec2, "describe_subnets", "Subnets", Filters=f, MaxResults=1000),
        "SubnetId"))
    # moto ignores tag: filters on NAT gateways; the collector scopes them by VPC only.
    found["ec2.nat_gateway"] = len(union(
        vpc_queries,
        lambda f: paginate(ec2, "describe_nat_gateways", "NatGateways", Filter=f, MaxResults=1000),
        "NatGatewayId"))
    found["ec2.route_table"] = len(union(
        scoped,
        lambda f: paginate(ec2, "describe_route_tables", "RouteTables", Filters=f, MaxResults=100),
        "RouteTableId"))
    found["ec2.security_group"] = len(union(
        scoped,
        lambda f: paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=f,
                           MaxResults=1000),
        "GroupId"))

    def instances(filters):
        out = []
        for r in paginate(ec2, "describe_instances", "Reservations",
                          Filters=filters + [{"Name": "instance-state-name", "Values": LIVE}],
                          MaxResults=1000):
            out.extend(r["Instances"])
        return out

    insts = union(scoped, instances, "InstanceId")
    found["ec2.instance"] = len(insts)
    images = sorted({i["ImageId"] for i in insts if i.get("ImageId")})
    for i in range(0, len(images), FILTER_VALUES):
        paginate(ec2, "describe_images", "Images", IncludeDeprecated=True, MaxResults=1000,
                 Filters=[{"Name": "image-id", "Values": images[i:i + FILTER_VALUES]}])

    dbs = [db for db in paginate(rds, "describe_db_instances", "DBInstances", MaxRecords=100)
           if any(t["Key"] == "Environment" and t["Value"] == env for t in db.get("TagList", []))
           or db.get("DBSubnetGroup", {}).get("VpcId") in vpc_ids]
    found["rds.db_instance"] = len(dbs)
    wanted = {g["DBParameterGroupName"] for db in dbs for g in db.get("DBParameterGroups", [])}
    groups = []
    if wanted:
        groups = [g for g in paginate(rds, "describe_db_parameter_groups", "DBParameterGroups",
                                      MaxRecords=100) if g["DBParameterGroupName"] in wanted]
        for g in groups:
            if not g["DBParameterGroupName"].startswith("default."):
                paginate(rds, "describe_db_parameters", "Parameters",
                         DBParameterGroupName=g["DBParameterGroupName"], Source="user",
                         MaxRecords=100)
    found["rds.db_parameter_group"] = len(groups)

    prefix = f"/{env}/"
    listed = [p for p in paginate(
        ssm, "describe_parameters", "Parameters", MaxResults=50,
        ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [prefix.rstrip("/")]}])
        if p["Name"].startswith(prefix)]
    plain = [p["Name"] for p in listed if p.get("Type") != "SecureString"]
    for i in range(0, len(plain), GET_BATCH):
        ssm.get_parameters(Names=plain[i:i + GET_BATCH], WithDecryption=False)
    found["ssm.parameter"] = len(listed)
    return found


def main():
    endpoint, envs = sys.argv[1], sys.argv[2:]
    ec2, rds, ssm = clients(endpoint)
    started = time.monotonic()
    found = {env: collect(ec2, rds, ssm, env) for env in envs}
    wall = time.monotonic() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"wall_s": wall, "calls": calls, "found": found, "peak_rss_kib": peak_kib}))


if __name__ == "__main__":
    main()
