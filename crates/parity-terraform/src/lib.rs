//! EnvParity's Terraform state importer: the JSON of `terraform state pull` (state format
//! version 4, Terraform 0.12 to 1.x) becomes a [`Snapshot`](parity_core::Snapshot) of one
//! environment (source `terraform`, complete), so environments can be compared without cloud
//! credentials, or Terraform's view compared with what the AWS API reports.
//!
//! Pure: no IO, no clock. The caller reads the file and passes its bytes, its name (for error
//! messages) and the time the snapshot is taken:
//!
//! ```no_run
//! # fn demo(bytes: &[u8]) -> Result<(), parity_terraform::TfStateError> {
//! let state = parity_terraform::parse_state(bytes, "prod.tfstate")?;
//! let snapshot = parity_terraform::to_snapshot(&state, "prod", chrono::Utc::now());
//! # let _ = snapshot; Ok(()) }
//! ```
//!
//! # Mapping
//!
//! Only managed resources are imported (`mode = "managed"`); data sources are skipped. Every
//! `count`/`for_each` instance is a resource of its own (the engine groups instances that share
//! a logical key). Kinds, identities and attribute names follow `parity-core/KINDS.md`, so a
//! Terraform environment pairs with an API-collected one.
//!
//! | Terraform type | kind | identity | notable attributes (Terraform field → attribute) |
//! |---|---|---|---|
//! | `aws_vpc`, `aws_default_vpc` | `ec2.vpc` | `Name` tag; `default` for the default VPC; else unnamed | `cidr_block`, `enable_dns_*`, `instance_tenancy`, `is_default` |
//! | `aws_subnet`, `aws_default_subnet` | `ec2.subnet` | `Name` tag; else VPC + AZ | `cidr_block`, `availability_zone`, `map_public_ip_on_launch`, `vpc_id` → `vpc` |
//! | `aws_nat_gateway` | `ec2.nat_gateway` | `Name` tag; else VPC + subnet | `subnet_id` → `subnet`, `connectivity_type` |
//! | `aws_route_table`, `aws_default_route_table` + `aws_route`, `aws_route_table_association`, `aws_main_route_table_association` | `ec2.route_table` | `Name` tag; else VPC + `main`; else VPC + first associated subnet | `routes` (inline `route` blocks, `aws_route`s, and the VPC's implicit `local` route when the VPC is in the state), `associations` (subnets), `main` |
//! | `aws_security_group`, `aws_default_security_group` + `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule`, `aws_vpc_security_group_egress_rule` | `ec2.security_group` | `Name` tag; else group name (`default` → VPC + `default`) | `description`, `vpc`, `ingress`/`egress`: sets of `{protocol, from_port, to_port, source}`, one per source |
//! | `aws_instance` | `ec2.instance` | `Name` tag; else `aws:autoscaling:groupName`; else unnamed | `instance_type`, `ami` → `image_id`, `instance_state` → `state`, `subnet`, `vpc` (via the subnet), `vpc_security_group_ids` → `security_groups`, `monitoring` → `detailed_monitoring`, `metadata_options.http_tokens` → `metadata_http_tokens`, `iam_instance_profile` (ARN when the profile is in the state), `private_ip` → `private_ip_address` |
//! | `aws_db_instance` | `rds.db_instance` | `identifier` | `instance_class` → `db_instance_class`, `engine`, `engine_version_actual` (else `engine_version`) → `engine_version`, `multi_az`, storage, backups, `parameter_group_name` → `db_parameter_group`, `vpc_security_group_ids` → `vpc_security_groups`, `address` → `endpoint_address`, … |
//! | `aws_db_parameter_group` | `rds.db_parameter_group` | `name` | `family`, `description`, `parameters.<name>` |
//! | `aws_ssm_parameter` | `ssm.parameter` | path (`name`) | `type`, `tier`, `data_type`, `version`, `key_id` (SecureString), `value` (String/StringList with a name that does not look secret only) |
//! | any other type | `tf.<type>` | address: module path + type + name + index key (`module.app.aws_s3_bucket.logs["x"]`) | the instance's top-level attributes as stored (nested values kept as JSON), minus nulls, `tags`, `tags_all`, `timeouts` |
//!
//! `native_id` is the instance's `id` (the address for `tf.*`, whose `id` becomes an alias); the
//! ARN (and for DB instances, parameter groups and SSM parameters the name, when it differs from
//! the id) are aliases, so other resources' references by id, ARN or name resolve through the
//! engine. References are stored as the raw ids/ARNs; they are never resolved here. Rule, route
//! and association resources whose group or table is not in the state stay generic `tf.*`
//! resources. `tags` come from `tags_all` (else `tags`), without `aws:*` and, for mapped kinds,
//! without `Name`. The region is taken from the ARN, else the availability zone.
//!
//! # Secrets
//!
//! Never stored: the paths an instance's `sensitive_attributes` lists (the v4 list-of-paths
//! form and older flatmap strings; an unfollowable path drops its whole top-level attribute);
//! attributes provider schemas mark sensitive in states that predate `sensitive_attributes`;
//! values under secret-looking keys (`password`, `secret`, `token`, `api_key`, `private_key`,
//! `credentials`, …), including `{name, value}` pairs and JSON documents held in strings; and
//! SecureString values. A `String` SSM parameter with a secret-looking name keeps neither its
//! value nor a fingerprint: the API collector fingerprints with a workspace key that the importer
//! does not have, so such parameters compare by presence and type only.

pub mod error;
pub mod mapping;
pub mod secrets;
pub mod state;

pub use error::TfStateError;
pub use mapping::{import_state, to_snapshot, Import, ImportSummary};
pub use state::{
    parse_state, IndexKey, ManagedInstance, ResourceMode, StateInstance, StateResource,
    TerraformState,
};
