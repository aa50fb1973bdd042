//! End-to-end tests of the AWS side through the real `envparity` binary against a real moto
//! server (parity-testkit): three drifting environments with keyring and default-chain
//! credentials, partial and total failures, and a Terraform-sourced environment compared with a
//! collected one. Run inside a D-Bus session with an unlocked gnome-keyring (scripts/test); with
//! ENVPARITY_REQUIRE_KEYRING=1 a missing keyring fails the keyring test instead of skipping it.

#[path = "../cli/support.rs"]
#[allow(dead_code)]
mod cli_support;
mod support;

mod accounts;
mod crash;
mod cross_source;
mod drift;
mod keyring;
mod partial;
mod replicas;
mod timeouts;
