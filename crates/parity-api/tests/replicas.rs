//! The detail panel of a group of numbered replicas (docs/CONTRACTS.md "Groups: numbered
//! replicas and Auto Scaling instances") lists every replica with its name and native id, the
//! way it lists an Auto Scaling group's instances: opened on the demo through the API the Tauri
//! commands forward to.

use parity_api::api;
use parity_api::dto::MatrixQueryDto;
use parity_api::Session;

#[test]
fn the_detail_of_a_replica_group_lists_each_replica_by_name_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::start(dir.path().join("data")).unwrap();
    api::open_demo(&session).unwrap();
    let query = MatrixQueryDto {
        search: Some("ec2.instance/web".into()),
        ..Default::default()
    };
    let page = api::matrix_page(&session, vec![], query, 0, 500).unwrap();
    let count = page
        .rows
        .iter()
        .find(|r| r.key == "ec2.instance/web" && r.attribute == "count")
        .expect("a count row for the replica group");
    let detail = api::row_detail(&session, vec![], count.index).unwrap();
    let prod: Vec<_> = detail
        .pairings
        .iter()
        .filter(|p| p.label == "prod")
        .collect();
    assert_eq!(prod.len(), 4, "{:#?}", detail.pairings);
    for n in 1..=4 {
        let name = format!("prod-web-{n:02}");
        assert!(
            prod.iter().any(|p| p.explanation.contains(&name)
                && p.explanation.contains("numbered replica")
                && p.native_id.starts_with("i-")),
            "{name} is not listed: {:#?}",
            detail.pairings
        );
    }
    let ids: std::collections::BTreeSet<&str> = prod.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(ids.len(), 4, "each replica has its own id");
    assert!(
        detail.pairings.iter().any(|p| p.label == "staging"),
        "{:#?}",
        detail.pairings
    );
}
