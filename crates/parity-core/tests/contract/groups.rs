//! Groups (docs/CONTRACTS.md "Groups: numbered replicas and Auto Scaling instances") and zones
//! (docs/CONTRACTS.md "Availability zones: spread, not names").

use super::*;

fn replica(id: &str, name: &str, ty: &str, zone: &str) -> Resource {
    instance(id, name, ty).with_attr("availability_zone", zone)
}

fn replicas_world() -> World {
    let mut prod: Vec<Resource> = (1..=6)
        .map(|n| {
            let zone = ["us-east-1a", "us-east-1b", "us-east-1c"][n % 3];
            let ty = if n == 4 { "m5.large" } else { "m5.xlarge" };
            replica(&format!("i-p{n}"), &format!("prod-web-0{n}"), ty, zone)
        })
        .collect();
    prod.push(replica("i-pdb", "prod-db", "r5.large", "us-east-1c"));
    let staging = vec![
        replica("i-s1", "staging-web-01", "m5.xlarge", "us-east-1f"),
        replica("i-s2", "staging-web-02", "m5.xlarge", "us-east-1f"),
        replica("i-sdb", "staging-db", "r5.large", "us-east-1d"),
    ];
    let mut w = World::new(vec![
        (env("staging"), snap("staging", staging)),
        (env("prod"), snap("prod", prod)),
    ]);
    w.exceptions = vec![exception(
        "prod-web-count",
        "ec2.instance/web",
        "count",
        &["prod"],
    )];
    w
}

#[test]
fn numbered_replicas_form_one_group_with_count_type_set_and_zone_spread() {
    let w = replicas_world();
    let m = w.matrix();
    let keys: BTreeSet<&str> = m.rows.iter().map(|r| &*r.key).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["ec2.instance/db", "ec2.instance/web"]),
        "no per-replica key"
    );
    let count = row(&m, "ec2.instance/web", "count");
    assert_eq!(count.raw.to_vec(), vec![json!(2), json!(6)]);
    assert_eq!(count.status, Status::Intentional);
    let types = row(&m, "ec2.instance/web", "instance_type");
    assert_eq!(types.status, Status::Drift);
    assert_eq!(
        types.raw.to_vec(),
        vec![json!("m5.xlarge"), json!(["m5.large", "m5.xlarge"])]
    );
    let spread = row(&m, "ec2.instance/web", "zone_spread");
    assert_eq!(spread.category, Category::Resilience);
    assert_eq!(spread.raw.to_vec(), vec![json!(1), json!(3)]);
    assert_eq!(spread.status, Status::Drift);
    // one resource's zone is kept for display, never compared; a lone resource has no spread row
    assert!(!has_row(&m, "ec2.instance/web", "availability_zone"));
    assert!(!has_row(&m, "ec2.instance/db", "availability_zone"));
    assert!(!has_row(&m, "ec2.instance/db", "zone_spread"));
    let unexplained: Vec<(&str, &str)> = m
        .rows
        .iter()
        .filter(|r| r.status.is_failure())
        .map(|r| (&*r.key, &*r.attribute))
        .collect();
    assert_eq!(
        unexplained,
        vec![
            ("ec2.instance/web", "instance_type"),
            ("ec2.instance/web", "zone_spread")
        ]
    );
    // every replica stays listed with its own id and name
    let snaps: Vec<&Snapshot> = w.snaps.iter().collect();
    let pairings = m.pairings("ec2.instance/web", &snaps);
    assert_eq!(pairings.len(), 8);
    assert!(pairings
        .iter()
        .any(|p| p.native_id == "i-p4" && p.explanation.contains("`web-04` → group `web`")));
}

#[test]
fn group_numbered_off_pairs_replicas_one_by_one() {
    let w = replicas_world();
    let columns: Vec<Column> = w
        .envs
        .iter()
        .zip(&w.snaps)
        .map(|(e, s)| Column {
            label: e.name.clone(),
            env: e,
            snapshot: s,
        })
        .collect();
    let m = Matrix::compute(
        &columns,
        MatrixOptions {
            group_numbered: &GroupNumbered::Off,
            rules: &[],
            ignores: &[],
            exceptions: &[],
            today: today(),
        },
    )
    .unwrap();
    assert_eq!(
        row(&m, "ec2.instance/web-03", "exists").status,
        Status::Missing
    );
    assert!(!has_row(&m, "ec2.instance/web", "count"));
}

fn asg(id: &str, desired: i64, zones: &[&str]) -> Resource {
    Resource::named("autoscaling.group", id, id)
        .with_attr("desired_capacity", desired)
        .with_attr("availability_zones", json!(zones))
}

fn asg_instance(id: &str, group: &str, zone: &str) -> Resource {
    Resource::new("ec2.instance", id, Identity::Name { name: group.into() })
        .with_attr("instance_type", "t3.small")
        .with_attr("autoscaling_group", group)
        .with_attr("availability_zone", zone)
}

fn asg_world(prod_running: usize, exception: Option<ExceptionRule>) -> World {
    let mut prod = vec![asg("prod-web", 4, &["us-east-1a", "us-east-1b"])];
    for n in 0..prod_running {
        let zone = if n % 2 == 0 {
            "us-east-1a"
        } else {
            "us-east-1b"
        };
        prod.push(asg_instance(&format!("i-p{n}"), "prod-web", zone));
    }
    let staging = vec![
        asg("staging-web", 2, &["us-east-1c", "us-east-1d"]),
        asg_instance("i-s0", "staging-web", "us-east-1c"),
        asg_instance("i-s1", "staging-web", "us-east-1d"),
    ];
    let mut w = World::new(vec![
        (env("staging"), snap("staging", staging)),
        (env("prod"), snap("prod", prod)),
    ]);
    w.exceptions = exception.into_iter().collect();
    w
}

fn capacity_exception() -> ExceptionRule {
    exception(
        "prod-capacity",
        "autoscaling.group/web",
        "desired_capacity",
        &["prod"],
    )
}

#[test]
fn an_exception_on_the_groups_capacity_covers_its_instances_count() {
    let m = asg_world(4, Some(capacity_exception())).matrix();
    let capacity = row(&m, "autoscaling.group/web", "desired_capacity");
    assert_eq!(capacity.status, Status::Intentional);
    let count = row(&m, "ec2.instance/web", "count");
    assert_eq!(count.raw.to_vec(), vec![json!(2), json!(4)]);
    assert_eq!(count.status, Status::Intentional);
    assert_eq!(count.exceptions, vec!["prod-capacity".to_string()]);
    // the instances' group reference compares as the group's logical key
    assert_eq!(
        row(&m, "ec2.instance/web", "autoscaling_group").status,
        Status::Same
    );
    // zones by spread: both groups span two zones, whatever their names
    assert_eq!(
        row(&m, "autoscaling.group/web", "zone_spread").status,
        Status::Same
    );
    assert_eq!(
        row(&m, "ec2.instance/web", "zone_spread").status,
        Status::Same
    );
    assert!(!has_row(&m, "autoscaling.group/web", "availability_zones"));

    // the exception's expected values are checked against the count (= the capacity)
    let mut expecting = capacity_exception();
    expecting.expected = BTreeMap::from([("prod".to_string(), json!(4))]);
    let m = asg_world(4, Some(expecting.clone())).matrix();
    assert_eq!(
        row(&m, "ec2.instance/web", "count").status,
        Status::Intentional
    );
    expecting.expected = BTreeMap::from([("prod".to_string(), json!(6))]);
    let m = asg_world(4, Some(expecting)).matrix();
    assert_eq!(
        row(&m, "ec2.instance/web", "count").status,
        Status::Violated
    );
}

#[test]
fn a_count_the_capacity_does_not_explain_stays_a_finding() {
    // without an exception the capacity difference is drift on both rows
    let m = asg_world(4, None).matrix();
    assert_eq!(row(&m, "ec2.instance/web", "count").status, Status::Drift);
    // prod runs 3 of its 4 desired instances: the group's exception does not cover the count
    let m = asg_world(3, Some(capacity_exception())).matrix();
    let count = row(&m, "ec2.instance/web", "count");
    assert_eq!(count.status, Status::Drift);
    assert!(count.exceptions.is_empty());
}

#[test]
fn a_vpc_spans_the_zones_of_its_subnets() {
    let vpc =
        |id: &str| Resource::named("ec2.vpc", id, "main").with_attr("cidr_block", "10.0.0.0/16");
    let subnet = |id: &str, name: &str, vpc: &str, zone: &str| {
        Resource::named("ec2.subnet", id, name)
            .with_parent(vpc)
            .with_attr("availability_zone", zone)
            .with_attr("availability_zone_id", "use1-az1")
    };
    let w = World::new(vec![
        (
            env("staging"),
            snap(
                "staging",
                vec![
                    vpc("vpc-s"),
                    subnet("subnet-s1", "app-a", "vpc-s", "us-east-1f"),
                    subnet("subnet-s2", "app-b", "vpc-s", "us-east-1f"),
                ],
            ),
        ),
        (
            env("prod"),
            snap(
                "prod",
                vec![
                    vpc("vpc-p"),
                    subnet("subnet-p1", "app-a", "vpc-p", "us-east-1c"),
                    subnet("subnet-p2", "app-b", "vpc-p", "us-east-1d"),
                ],
            ),
        ),
    ]);
    let m = w.matrix();
    let spread = row(&m, "ec2.vpc/main", "zone_spread");
    assert_eq!(spread.raw.to_vec(), vec![json!(1), json!(2)]);
    assert_eq!(spread.status, Status::Drift);
    for key in ["ec2.subnet/app-a", "ec2.subnet/app-b"] {
        assert!(!has_row(&m, key, "availability_zone"), "{key}");
        assert!(!has_row(&m, key, "availability_zone_id"), "{key}");
        assert!(!has_row(&m, key, "zone_spread"), "{key}");
    }
}
