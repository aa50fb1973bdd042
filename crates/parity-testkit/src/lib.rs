//! Dev-only test support for EnvParity's AWS side, shared by parity-aws's moto tests, the
//! end-to-end tests of the `envparity` binary (tests/aws) and the collect benchmark:
//! - [`moto::Moto`]: a real moto server on a free 127.0.0.1 port, killed on drop, seeded through
//!   boto3 (`seed.py` beside this crate's manifest, [`moto::seed_script`]);
//! - [`proxy::RecordingProxy`]: an HTTP/1.1 proxy in front of it that records every request's
//!   operation, access key id and timing, can drop chosen services' connections, and can add a
//!   fixed delay per request; [`proxy::BackgroundProxy`] runs one on its own thread for tests
//!   that are not async. It also bridges what moto cannot serve: Smithy RPC v2 CBOR requests
//!   (CloudWatch in the Rust SDK) go to moto as AWS JSON 1.0 and come back as CBOR ([`rpcv2`]).

pub mod moto;
pub mod proxy;
pub mod rpcv2;
