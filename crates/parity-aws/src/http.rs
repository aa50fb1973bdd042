//! The HTTPS client every SDK client (and aws-config's credential providers) uses: hyper 1 +
//! rustls with ring, honouring `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY`.
//!
//! The SDK's default client leaves proxies disabled (`ProxyConfig` defaults to disabled), so we
//! build the connector ourselves with `ProxyConfig::from_env()`, which reads those variables at
//! connection time and connects directly when none is set or `NO_PROXY` matches.

use aws_sdk_ec2::config::SharedHttpClient;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::{Builder, Connector};

/// A proxy-aware HTTPS client; cheap to clone, shares its connection pools.
pub(crate) fn proxy_aware_client() -> SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut builder = Connector::builder().proxy_config(ProxyConfig::from_env());
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build()
    })
}
