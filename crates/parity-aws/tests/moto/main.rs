//! parity-aws against a real moto server: the drift scenario of three environments, partial
//! snapshots, keyring-stored credentials, pagination at scale, and the operations moto received.

mod support;

mod drift;
mod keyring;
mod partial;
mod scale;
