//! "Compare for a service" (docs/CONTRACTS.md "Fix hints and the incident view") through the API
//! the desktop's commands forward to, on the demo: what it offers before asking, the rows in
//! incident order with their hints, row indices that open the detail of the same row, and bad
//! input refused.

use parity_api::api;
use parity_api::Session;
use parity_core::{Category, Status};

fn demo() -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::start(dir.path().join("data")).unwrap();
    api::open_demo(&session).unwrap();
    (dir, session)
}

#[test]
fn the_options_name_the_environments_the_reference_and_the_services() {
    let (_dir, session) = demo();
    let o = api::incident_options(&session).unwrap();
    assert_eq!(o.environments, ["dev", "staging", "prod"]);
    assert_eq!(o.reference.as_deref(), Some("prod"));
    assert_eq!(o.service_tag, "Service");
    assert!(
        o.services.contains(&"checkout".to_string()),
        "{:?}",
        o.services
    );
    let mut sorted = o.services.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, o.services, "sorted and distinct");
}

#[test]
fn checkout_between_staging_and_prod_in_incident_order_with_hints() {
    let (_dir, session) = demo();
    let view = api::incident(&session, "staging".into(), "prod".into(), "checkout".into()).unwrap();
    assert_eq!((view.a.as_str(), view.b.as_str()), ("staging", "prod"));
    let why = |key: &str| {
        view.resources
            .iter()
            .find(|r| r.key == key)
            .map(|r| (r.why.as_str(), r.from.as_deref()))
    };
    assert_eq!(why("rds.db_instance/orders-db"), Some(("tag", None)));
    assert_eq!(
        why("rds.db_parameter_group/orders-pg"),
        Some(("reference", Some("rds.db_instance/orders-db")))
    );
    assert_eq!(why("elasticache.cluster/sessions"), None);

    let rank = |c: Category| parity_core::incident::category_rank(c);
    assert!(view.rows.len() >= 10, "{:#?}", view.rows);
    assert!(view
        .rows
        .windows(2)
        .all(|w| rank(w[0].category) <= rank(w[1].category)));
    assert_eq!(view.rows[0].category, Category::Security);
    assert!(view.rows.iter().all(|r| r.status != Status::Same));
    assert_eq!(
        view.unexplained,
        view.rows.iter().filter(|r| r.status.is_failure()).count()
    );
    assert!(view.unexplained > 0 && view.unexplained < view.rows.len());

    let version = view
        .rows
        .iter()
        .find(|r| r.key == "rds.db_instance/orders-db" && r.attribute == "engine_version")
        .expect("the database's version differs");
    assert_eq!(version.a.as_deref(), Some("14.11"));
    assert_eq!(version.b.as_deref(), Some("15.6"));
    let hints: Vec<_> = version.hints.iter().map(|h| h.text.as_str()).collect();
    assert_eq!(
        hints,
        [r#"staging: staging-orders-db EngineVersion = "15.6""#]
    );
    let multi_az = view
        .rows
        .iter()
        .find(|r| r.key == "rds.db_instance/orders-db" && r.attribute == "multi_az")
        .unwrap();
    assert_eq!(multi_az.status, Status::Intentional);
    assert!(multi_az.hints.is_empty());
    assert!(!multi_az.exceptions.is_empty());

    // each row's index opens that row's detail in the matrix of [staging, prod]
    let columns = vec!["staging".to_string(), "prod".to_string()];
    for r in &view.rows {
        let d = api::row_detail(&session, columns.clone(), r.index).unwrap();
        assert_eq!((&d.row.key, &d.row.attribute), (&r.key, &r.attribute));
    }
}

#[test]
fn bad_input_is_refused_with_the_input_named() {
    let (_dir, session) = demo();
    let err =
        api::incident(&session, "staging".into(), "uat".into(), "checkout".into()).unwrap_err();
    assert!(err.message.contains("uat"), "{}", err.message);
    let err = api::incident(&session, "staging".into(), "prod".into(), "  ".into()).unwrap_err();
    assert!(err.message.contains("service"), "{}", err.message);
    // a service nothing belongs to: an empty view, not an error
    let none = api::incident(&session, "staging".into(), "prod".into(), "nosuch".into()).unwrap();
    assert!(none.resources.is_empty() && none.rows.is_empty());
}
