//! What the desktop sends over IPC carries no secret: a workspace with secrets planted in two
//! Terraform states (a connection string's password, a secret-looking SSM parameter, a tag, a
//! token in a container definition, a JWT under a harmless name) is opened through the API the
//! Tauri commands forward to, and every payload a screen can ask for is searched for them.

use parity_api::api;
use parity_api::dto::{FilePurpose, MatrixQueryDto};
use parity_api::picker::ScriptedPicker;
use parity_api::Session;
use serde_json::json;

fn state(env: &str) -> String {
    let containers = json!([{"name": "app", "environment": [
        {"name": "AUTH_TOKEN", "value": format!("{env}-ctr-token-19")}
    ]}])
    .to_string();
    let res = |ty: &str, name: &str, attributes: serde_json::Value| {
        json!({"mode": "managed", "type": ty, "name": name, "provider": "p",
               "instances": [{"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}]})
    };
    json!({"version": 4, "terraform_version": "1.9.5", "serial": 1, "lineage": "l", "outputs": {},
        "resources": [
            res("aws_lambda_function", "api", json!({"id": format!("{env}-api"), "environment": [{"variables": {
                "DATABASE_URL": format!("postgres://app:{env}-url-pw-44@{env}-db:5432/app"),
                "TRACE": format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ{env}xMjM0In0.c2lnbmF0dXJlLXZhbHVlLTEyMw"),
            }}]})),
            res("aws_ssm_parameter", "p", json!({"id": format!("/{env}/app/apiKey"), "name": format!("/{env}/app/apiKey"),
                "type": "String", "insecure_value": format!("{env}-ssm-key-71")})),
            res("aws_vpc", "main", json!({"id": format!("vpc-{env}"), "cidr_block": "10.0.0.0/16",
                "tags": {"Name": "main", "SlackToken": format!("{env}-tag-tok-55")}})),
            res("aws_ecs_task_definition", "app", json!({"id": "app", "container_definitions": containers})),
        ]})
    .to_string()
}

fn planted(env: &str) -> Vec<String> {
    vec![
        format!("{env}-url-pw-44"),
        format!("{env}-ssm-key-71"),
        format!("{env}-tag-tok-55"),
        format!("{env}-ctr-token-19"),
        format!("eyJzdWIiOiJ{env}xMjM0In0"),
    ]
}

#[test]
fn no_ipc_payload_carries_a_planted_secret() {
    let dir = tempfile::tempdir().unwrap();
    let session = Session::start(dir.path().join("data")).unwrap();
    let db = dir.path().join("team.sqlite");
    let chosen = |purpose, file: &std::path::Path| {
        api::choose_file(&session, &ScriptedPicker::choosing(file), purpose, None)
            .unwrap()
            .unwrap()
    };
    let path = chosen(FilePurpose::NewWorkspace, &db);
    api::create_workspace(&session, path, "team".into()).unwrap();
    for env in ["staging", "prod"] {
        let file = dir.path().join(format!("{env}.json"));
        std::fs::write(&file, state(env)).unwrap();
        let path = chosen(FilePurpose::Tfstate, &file);
        api::import_tfstate(&session, env.into(), path).unwrap();
    }
    let mut payloads: Vec<(String, String)> = Vec::new();
    let mut push =
        |what: &str, v: serde_json::Value| payloads.push((what.to_string(), v.to_string()));
    push(
        "workspace_info",
        json!(api::workspace_info(&session).unwrap()),
    );
    push(
        "workspace_toml",
        json!(api::workspace_toml(&session).unwrap()),
    );
    push("environments", json!(api::environments(&session).unwrap()));
    push("snapshots", json!(api::snapshots(&session, None).unwrap()));
    push("exceptions", json!(api::exceptions(&session).unwrap()));
    let meta = api::matrix_meta(&session, vec![]).unwrap();
    push("matrix_meta", json!(meta));
    let all = MatrixQueryDto {
        unexplained_only: false,
        ..Default::default()
    };
    let page = api::matrix_page(&session, vec![], all, 0, 2_000).unwrap();
    assert!(page.total > 5, "rows: {}", page.total);
    for row in &page.rows {
        push(
            "row_detail",
            json!(api::row_detail(&session, vec![], row.index).unwrap()),
        );
    }
    push("matrix_page", json!(page));
    for env in ["staging", "prod"] {
        for secret in planted(env) {
            for (what, text) in &payloads {
                assert!(!text.contains(&secret), "`{secret}` in the {what} payload");
            }
        }
    }
    // what crosses instead: presence tokens, with the rest of the URL
    let all_text: String = payloads.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all_text.contains("postgres://app:<secret>@prod-db:5432/app"));

    // the session stored its matrix in the matrix cache, and the next launch reads it: no file
    // of the data directory holds a planted secret either
    drop(session);
    let relaunched = Session::start(dir.path().join("data")).unwrap();
    let reopened = api::matrix_meta(&relaunched, vec![]).unwrap();
    assert_eq!(reopened.total_rows, meta.total_rows);
    assert!(reopened.from_cache);
    let cache = dir.path().join("data").join("matrix-cache");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    // the demo's (the first launch) and this workspace's
    assert_eq!(files.len(), 2, "{files:?}");
    let bytes: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    let holds = |b: &[u8], s: &[u8]| b.windows(s.len()).any(|w| w == s);
    assert!(
        bytes.iter().any(|b| holds(b, b"prod-db:5432")),
        "the session stored this workspace's matrix"
    );
    for env in ["staging", "prod"] {
        for secret in planted(env) {
            assert!(
                !bytes.iter().any(|b| holds(b, secret.as_bytes())),
                "`{secret}` in the matrix cache"
            );
        }
    }
}
