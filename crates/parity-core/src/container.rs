//! The one way an ECS container definition becomes `ecs.task_definition` attributes, for the API
//! collector and the Terraform importer alike (KINDS.md): the image split into repository and tag
//! (the tag is the application's version), sizes, ports, the log driver, environment values
//! through the caller's fingerprint (never stored in clear) and secrets by reference name only.

use serde_json::{json, Value};

/// What is compared of one container, whichever source read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerFacts {
    pub name: String,
    pub image: Option<String>,
    /// CPU units; 0 (unset) is omitted.
    pub cpu: Option<i64>,
    pub memory: Option<i64>,
    pub memory_reservation: Option<i64>,
    /// `(container port, protocol)`.
    pub ports: Vec<(i64, String)>,
    /// `None` is ECS's default, essential.
    pub essential: Option<bool>,
    pub log_driver: Option<String>,
    /// `(name, value)`: values go through the caller's `environment_value`, never stored here.
    pub environment: Vec<(String, String)>,
    /// `(name, valueFrom)`: a Secrets Manager or SSM reference (ARN or parameter name).
    pub secrets: Vec<(String, String)>,
}

/// `repo[:tag]` or `repo@sha256:…` → (repository, tag or digest). A tag-less image is
/// `latest`, as Docker reads it. An ECR registry host (`<account>.dkr.ecr.<region>.amazonaws.com`)
/// becomes `ecr`, so the same repository in two accounts compares equal.
pub fn split_image(image: &str) -> (String, String) {
    let (repo, tag) = match image.split_once('@') {
        Some((repo, digest)) => (repo, digest.to_string()),
        None => {
            // a `:` after the last `/` is the tag (a registry port comes before it)
            let last_slash = image.rfind('/').map_or(0, |i| i + 1);
            match image[last_slash..].rfind(':') {
                Some(i) => (
                    &image[..last_slash + i],
                    image[last_slash + i + 1..].to_string(),
                ),
                None => (image, "latest".to_string()),
            }
        }
    };
    let repo = match repo.split_once('/') {
        Some((host, rest)) if host.contains(".dkr.ecr.") && host.ends_with(".amazonaws.com") => {
            format!("ecr/{rest}")
        }
        _ => repo.to_string(),
    };
    (repo, tag)
}

/// The name a secret is referenced by, without what differs per account: an SSM parameter's path
/// (`/prod/db/password`), a Secrets Manager secret's name without its random 6-character suffix
/// (`prod/db`), a key of a JSON secret kept after it (`prod/db:password`).
pub fn secret_reference_name(value_from: &str) -> String {
    let mut parts = value_from.splitn(7, ':');
    if parts.next() != Some("arn") {
        return value_from.to_string();
    }
    let (_partition, service, _region, _account) =
        (parts.next(), parts.next(), parts.next(), parts.next());
    let rest: Vec<&str> = parts.collect();
    match (service, rest.as_slice()) {
        (Some("ssm"), [resource]) => resource
            .strip_prefix("parameter")
            .unwrap_or(resource)
            .to_string(),
        (Some("secretsmanager"), [_, tail]) => {
            // `secret:NAME-AbCdEf[:json-key:version-stage:version-id]`
            let mut fields = tail.split(':');
            let name = fields.next().unwrap_or_default();
            let name = match name.rsplit_once('-') {
                Some((base, suffix))
                    if suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_alphanumeric()) =>
                {
                    base
                }
                _ => name,
            };
            match fields.next().filter(|k| !k.is_empty()) {
                Some(key) => format!("{name}:{key}"),
                None => name.to_string(),
            }
        }
        _ => value_from.to_string(),
    }
}

/// The attributes of one container, `container.<name>.<attribute>`. `environment_value` decides
/// what an environment variable's value becomes (a fingerprint, `true`); `None` leaves it out.
pub fn container_attributes(
    c: &ContainerFacts,
    environment_value: &dyn Fn(&str, &str) -> Option<Value>,
) -> Vec<(String, Value)> {
    let p = |a: &str| format!("container.{}.{a}", c.name);
    let mut out = Vec::new();
    if let Some(image) = &c.image {
        let (repo, tag) = split_image(image);
        out.push((p("image_repository"), json!(repo)));
        out.push((p("image_tag"), json!(tag)));
    }
    for (a, v) in [
        ("cpu", c.cpu),
        ("memory", c.memory),
        ("memory_reservation", c.memory_reservation),
    ] {
        if let Some(v) = v.filter(|v| *v > 0) {
            out.push((p(a), json!(v)));
        }
    }
    let mut ports: Vec<String> = c
        .ports
        .iter()
        .map(|(port, proto)| format!("{port}/{}", proto.to_ascii_lowercase()))
        .collect();
    ports.sort();
    ports.dedup();
    out.push((p("ports"), json!(ports)));
    out.push((p("essential"), json!(c.essential.unwrap_or(true))));
    if let Some(d) = &c.log_driver {
        out.push((p("log_driver"), json!(d)));
    }
    for (name, value) in &c.environment {
        if let Some(v) = environment_value(name, value) {
            out.push((p(&format!("environment.{name}")), v));
        }
    }
    for (name, value_from) in &c.secrets {
        out.push((
            p(&format!("secrets.{name}")),
            json!(secret_reference_name(value_from)),
        ));
    }
    out
}

/// A container definition as ECS's JSON writes it (Terraform's `container_definitions`,
/// camelCase keys) → [`ContainerFacts`].
pub fn facts_from_json(def: &Value) -> Option<ContainerFacts> {
    let o = def.as_object()?;
    let int = |k: &str| o.get(k).and_then(Value::as_i64);
    let pairs = |k: &str, value_key: &str| -> Vec<(String, String)> {
        o.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| {
                Some((
                    e.get("name")?.as_str()?.to_string(),
                    e.get(value_key)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                ))
            })
            .collect()
    };
    Some(ContainerFacts {
        name: o.get("name")?.as_str()?.to_string(),
        image: o.get("image").and_then(Value::as_str).map(str::to_string),
        cpu: int("cpu"),
        memory: int("memory"),
        memory_reservation: int("memoryReservation"),
        ports: o
            .get("portMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| {
                Some((
                    m.get("containerPort")?.as_i64()?,
                    m.get("protocol")
                        .and_then(Value::as_str)
                        .unwrap_or("tcp")
                        .to_string(),
                ))
            })
            .collect(),
        essential: o.get("essential").and_then(Value::as_bool),
        log_driver: o
            .get("logConfiguration")
            .and_then(|l| l.get("logDriver"))
            .and_then(Value::as_str)
            .map(str::to_string),
        environment: pairs("environment", "value"),
        secrets: pairs("secrets", "valueFrom"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_into_repository_and_tag() {
        assert_eq!(split_image("nginx"), ("nginx".into(), "latest".into()));
        assert_eq!(
            split_image("shop/api:1.8.3"),
            ("shop/api".into(), "1.8.3".into())
        );
        assert_eq!(
            split_image("registry.local:5000/api:2"),
            ("registry.local:5000/api".into(), "2".into())
        );
        assert_eq!(
            split_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api:1.8.2"),
            ("ecr/shop-api".into(), "1.8.2".into())
        );
        assert_eq!(
            split_image("api@sha256:abc"),
            ("api".into(), "sha256:abc".into())
        );
    }

    #[test]
    fn secrets_are_named_without_account_region_or_suffix() {
        assert_eq!(
            secret_reference_name("arn:aws:ssm:us-east-1:111111111111:parameter/prod/db/password"),
            "/prod/db/password"
        );
        assert_eq!(
            secret_reference_name(
                "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-AbC123"
            ),
            "prod/db"
        );
        assert_eq!(
            secret_reference_name(
                "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-AbC123:password::"
            ),
            "prod/db:password"
        );
        assert_eq!(
            secret_reference_name("/prod/db/password"),
            "/prod/db/password"
        );
    }

    #[test]
    fn containers_from_json_and_their_attributes() {
        let def = json!({
            "name": "api", "image": "shop/api:1.8.3", "cpu": 0, "memory": 512,
            "portMappings": [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}],
            "logConfiguration": {"logDriver": "awslogs"},
            "environment": [{"name": "LOG_LEVEL", "value": "info"}],
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": "/prod/db/password"}]
        });
        let facts = facts_from_json(&def).unwrap();
        let attrs: std::collections::BTreeMap<String, Value> =
            container_attributes(&facts, &|_, _| Some(json!(true)))
                .into_iter()
                .collect();
        assert_eq!(attrs["container.api.image_tag"], json!("1.8.3"));
        assert_eq!(attrs["container.api.memory"], json!(512));
        assert!(!attrs.contains_key("container.api.cpu"));
        assert_eq!(attrs["container.api.ports"], json!(["8080/tcp"]));
        assert_eq!(attrs["container.api.essential"], json!(true));
        assert_eq!(attrs["container.api.environment.LOG_LEVEL"], json!(true));
        assert_eq!(
            attrs["container.api.secrets.DB_PASSWORD"],
            json!("/prod/db/password")
        );
        // the caller may leave environment values out
        assert!(!container_attributes(&facts, &|_, _| None)
            .iter()
            .any(|(k, _)| k.contains(".environment.")));
    }
}
