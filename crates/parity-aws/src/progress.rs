//! Progress events of a collection, per environment, region and kind: what the CLI draws as
//! indicatif bars and the desktop app receives over a Tauri channel.

use serde::Serialize;

/// Where one unit of collection work stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    Started,
    /// Resources fetched so far (grows page by page).
    Progress {
        count: usize,
    },
    Done {
        count: usize,
    },
    Failed {
        reason: String,
    },
}

/// One progress report: `service` is the kind's prefix (`ec2`, `rds`, `ssm`, `elasticache`,
/// `lambda`, `autoscaling`, `cloudwatch`, `dynamodb`, `cloudformation`); `kind` the resource kind
/// it concerns (absent for environment-wide steps such as resolving credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressEvent {
    pub environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub service: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(flatten)]
    pub phase: Phase,
}

/// The callback type collectors report through.
pub type ProgressSink<'a> = &'a (dyn Fn(ProgressEvent) + Send + Sync);

/// Reports for one (environment, region, kind) unit.
#[derive(Clone, Copy)]
pub(crate) struct Reporter<'a> {
    pub sink: ProgressSink<'a>,
    pub environment: &'a str,
    pub region: Option<&'a str>,
}

impl<'a> Reporter<'a> {
    pub fn emit(&self, kind: Option<&str>, phase: Phase) {
        let service = kind
            .and_then(|k| k.split('.').next())
            .unwrap_or("credentials")
            .to_string();
        (self.sink)(ProgressEvent {
            environment: self.environment.to_string(),
            region: self.region.map(str::to_string),
            service,
            kind: kind.map(str::to_string),
            phase,
        });
    }
}
