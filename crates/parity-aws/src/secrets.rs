//! The collectors' view of the one secret detector (parity-core `secrets`): secret-looking
//! names and the keyed fingerprints (tokens) their values become. Nothing here decides what is
//! a secret; `collect` also runs the whole detector over every collected snapshot.

pub use parity_core::secrets::{
    is_secret_name as looks_secret, token, Fingerprinter as ValueFingerprinter,
};
