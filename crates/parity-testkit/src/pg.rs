//! Fresh PostgreSQL databases for tests, on the private cluster `scripts/pg.sh` starts: it
//! exports `ENVPARITY_TEST_PG` (a URL without password; the password is in `PGPASSFILE`). With
//! `ENVPARITY_REQUIRE_PG=1` (the test command) a missing cluster fails the test; by hand, tests
//! skip with a printed reason.

use std::sync::atomic::{AtomicU32, Ordering};

/// The variable holding the test cluster's URL.
pub const URL_ENV: &str = "ENVPARITY_TEST_PG";
/// Set to 1 to make a missing cluster a failure.
pub const REQUIRE_ENV: &str = "ENVPARITY_REQUIRE_PG";

/// The cluster's admin URL, or `None` (printing why) when there is none and none is required.
pub fn cluster_url() -> Option<String> {
    match std::env::var(URL_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
                panic!("{REQUIRE_ENV}=1 but {URL_ENV} is not set: start the cluster with scripts/pg.sh (pg_start)");
            }
            eprintln!(
                "skipped: no PostgreSQL test cluster ({URL_ENV} unset; scripts/pg.sh starts one)"
            );
            None
        }
    }
}

/// The password for `url` from `PGPASSFILE` (the test cluster's file: `host:port:*:user:pw`).
fn password() -> Option<String> {
    let file = std::env::var_os("PGPASSFILE")?;
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .next()
        .and_then(|l| l.rsplit_once(':'))
        .map(|(_, p)| p.to_string())
}

/// An admin connection to the cluster.
pub fn admin(url: &str) -> postgres::Client {
    let mut config: postgres::Config = url.parse().expect("ENVPARITY_TEST_PG is a URL");
    if let Some(p) = password() {
        config.password(p);
    }
    config
        .connect(postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to the test cluster {url}: {e}"))
}

/// Creates an empty database named after `tag` and this process, and returns its URL (no
/// password: the store reads it from `PGPASSFILE`). `None` when skipped (see [`cluster_url`]).
pub fn fresh_database(tag: &str) -> Option<String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let url = cluster_url()?;
    let name = format!(
        "t_{}_{}_{}",
        tag.chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .take(30)
            .collect::<String>(),
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = admin(&url);
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        admin
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
    Some(with_database(&url, &name))
}

/// `url` with its database replaced by `name` (query kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if !query.is_empty() {
        out.push('?');
        out.push_str(query);
    }
    out
}
