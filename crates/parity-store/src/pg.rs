//! PostgreSQL locations: which `--db` values are URLs (never taken for a path), the URL's
//! parts, the refusal of a password written in it, the password from the standard password
//! file (`PGPASSFILE`, else `~/.pgpass`) or the caller's lookup (the OS keyring), TLS with the
//! system's roots and the usual `sslmode`, and the connection's limits.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode};

use crate::StoreError;

/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Where a workspace lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL database, by its URL (which holds no password).
    Postgres(String),
}

impl Location {
    /// Reads a `--db` value: a `postgres://` or `postgresql://` URL is a PostgreSQL database;
    /// any other `scheme://` is refused (a URL is never taken for a file name); anything else
    /// is a file path.
    pub fn parse(db: &Path) -> Result<Location, StoreError> {
        let Some(text) = db.to_str() else {
            return Ok(Location::File(db.to_path_buf()));
        };
        let Some((scheme, _)) = text.split_once("://") else {
            return Ok(Location::File(db.to_path_buf()));
        };
        let is_scheme = !scheme.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !is_scheme {
            return Ok(Location::File(db.to_path_buf()));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => {
                // parse now: a password or a malformed URL is refused before anything else
                PgTarget::parse(text)?;
                Ok(Location::Postgres(text.to_string()))
            }
            other => Err(StoreError::BadLocation(format!(
                "`{}`: `{other}://` is not a database EnvParity can use: give a file path (SQLite) or a postgres:// URL",
                redact(text)
            ))),
        }
    }

    /// Whether `db` names a PostgreSQL database (a `postgres://` or `postgresql://` URL).
    pub fn is_url(db: &Path) -> bool {
        db.to_str().is_some_and(|t| {
            let l = t.to_ascii_lowercase();
            l.starts_with("postgres://") || l.starts_with("postgresql://")
        })
    }
}

/// A URL with anything between `://` and `@` replaced, for messages about a URL that may hold
/// a password.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

/// Who a password is for: what the password file and the keyring are keyed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgIdentity {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
}

impl PgIdentity {
    /// The keyring entry's name: `postgres://user@host:port/database`.
    pub fn keyring_name(&self) -> String {
        format!(
            "postgres://{}@{}:{}/{}",
            self.user, self.host, self.port, self.database
        )
    }
}

/// A parsed URL, ready to connect.
pub(crate) struct PgTarget {
    config: postgres::Config,
    pub(crate) identity: PgIdentity,
}

fn bad(url: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::BadLocation(format!("`{}`: {detail}", redact(url)))
}

impl PgTarget {
    pub(crate) fn parse(url: &str) -> Result<PgTarget, StoreError> {
        // `sslmode` is read here: the driver knows only disable/prefer/require
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut sslmode = "prefer".to_string();
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "sslmode" => sslmode = v.to_string(),
                "password" => {
                    return Err(password_refused());
                }
                _ => rest.push(pair),
            }
        }
        let cleaned = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        if let Some(s) = base.find("://") {
            let authority = base[s + 3..].split('/').next().unwrap_or_default();
            if let Some((userinfo, _)) = authority.rsplit_once('@') {
                if userinfo.contains(':') {
                    return Err(password_refused());
                }
            }
        }
        let mut config = postgres::Config::from_str(&cleaned)
            .map_err(|e| bad(url, format!("not a valid PostgreSQL URL: {e}")))?;
        if config.get_password().is_some() {
            return Err(password_refused());
        }
        config.ssl_mode(match sslmode.as_str() {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            // the certificate is always verified against the system's roots and the host name
            "require" | "verify-ca" | "verify-full" => SslMode::Require,
            other => {
                return Err(bad(
                    url,
                    format!("sslmode `{other}`: expected disable, allow, prefer, require, verify-ca or verify-full"),
                ))
            }
        });
        if config.get_user().is_none() {
            let user = std::env::var("PGUSER")
                .or_else(|_| std::env::var("USER"))
                .or_else(|_| std::env::var("USERNAME"))
                .map_err(|_| {
                    bad(
                        url,
                        "no user name in the URL (postgres://USER@HOST/DATABASE)",
                    )
                })?;
            config.user(&user);
        }
        if config.get_hosts().is_empty() {
            config.host(&std::env::var("PGHOST").unwrap_or_else(|_| "localhost".into()));
        }
        let user = config.get_user().unwrap_or_default().to_string();
        let database = config
            .get_dbname()
            .map(str::to_string)
            .unwrap_or_else(|| user.clone());
        let host = match &config.get_hosts()[0] {
            Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            Host::Unix(_) => "localhost".to_string(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("envparity");
        Ok(PgTarget {
            config,
            identity: PgIdentity {
                host,
                port,
                database,
                user,
            },
        })
    }

    /// Connects, with the password from the password file or `lookup` (the keyring).
    pub(crate) fn connect(
        mut self,
        path: &Path,
        lookup: &dyn Fn(&PgIdentity) -> Option<String>,
    ) -> Result<postgres::Client, StoreError> {
        if let Some(password) = pgpass(&self.identity, path)?.or_else(|| lookup(&self.identity)) {
            self.config.password(password);
        }
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config());
        self.config
            .connect(tls)
            .map_err(|e| StoreError::postgres(path, &e))
    }
}

/// Who a `postgres://` URL connects as (what its password is looked up by).
pub fn pg_identity(url: &str) -> Result<PgIdentity, StoreError> {
    Ok(PgTarget::parse(url)?.identity)
}

fn password_refused() -> StoreError {
    StoreError::BadLocation(
        "the database URL (--db or ENVPARITY_DB) holds a password: never write it there (it ends up in shell history, CI logs and process lists); \
         put it in the PostgreSQL password file (PGPASSFILE, else ~/.pgpass, mode 0600) or the OS keyring (`envparity workspace password URL`)"
            .into(),
    )
}

/// TLS with the system's root certificates (ring, as the AWS clients use).
fn tls_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
        .unwrap_or_else(|_| {
            // the ring provider supports the default versions; keep a valid config regardless
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("TLS 1.3 with ring")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
        })
}

/// The password file: `PGPASSFILE`, else `~/.pgpass`; lines `host:port:database:user:password`
/// with `*` matching anything and `\:`/`\\` escapes, first match wins (as libpq reads it). A
/// file others can read is refused, like libpq ignores it.
fn pgpass(id: &PgIdentity, db: &Path) -> Result<Option<String>, StoreError> {
    let file = match std::env::var_os("PGPASSFILE") {
        Some(f) => PathBuf::from(f),
        None => match std::env::var_os("HOME") {
            Some(h) => PathBuf::from(h).join(".pgpass"),
            None => return Ok(None),
        },
    };
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Ok(None);
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&file) {
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(StoreError::Io {
                    path: db.to_path_buf(),
                    detail: format!(
                        "the password file {} can be read by others: make it private (chmod 600 {})",
                        file.display(),
                        file.display()
                    ),
                });
            }
        }
    }
    Ok(pgpass_lookup(&text, id))
}

/// The password `text` (a password file) gives `id`.
pub(crate) fn pgpass_lookup(text: &str, id: &PgIdentity) -> Option<String> {
    let port = id.port.to_string();
    let wanted = [
        id.host.as_str(),
        port.as_str(),
        id.database.as_str(),
        id.user.as_str(),
    ];
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let matches = fields[..4]
            .iter()
            .zip(wanted)
            .all(|(f, w)| f == "*" || f == w);
        if matches {
            return fields.pop();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> PgIdentity {
        PgIdentity {
            host: "db.example".into(),
            port: 5432,
            database: "parity".into(),
            user: "ci".into(),
        }
    }

    #[test]
    fn urls_are_never_paths_and_passwords_are_refused() {
        let loc = |s: &str| Location::parse(Path::new(s));
        assert_eq!(
            loc("postgres://ci@db.example/parity").unwrap(),
            Location::Postgres("postgres://ci@db.example/parity".into())
        );
        assert!(matches!(
            loc("postgresql://ci@db.example:6432/parity?sslmode=verify-full").unwrap(),
            Location::Postgres(_)
        ));
        assert_eq!(
            loc("dir/ws.sqlite").unwrap(),
            Location::File("dir/ws.sqlite".into())
        );
        for refused in [
            "postgres://ci:hunter2@db.example/parity",
            "postgres://ci@db.example/parity?password=hunter2",
        ] {
            let e = loc(refused).unwrap_err().to_string();
            assert!(e.contains("holds a password"), "{e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        let e = loc("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(e.contains("not a database EnvParity can use"), "{e}");
        assert!(!e.contains("secret"), "{e}");
        let e = loc("postgres://ci@h/db?sslmode=sometimes")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sslmode `sometimes`"), "{e}");
    }

    #[test]
    fn the_password_file_matches_like_libpq() {
        let text = "# comment\nother:5432:parity:ci:no\n*:5432:par\\:ity:ci:escaped\ndb.example:*:parity:ci:pa\\:ss\n*:*:*:*:fallback\n";
        assert_eq!(pgpass_lookup(text, &id()).as_deref(), Some("pa:ss"));
        let mut other = id();
        other.database = "par:ity".into();
        assert_eq!(pgpass_lookup(text, &other).as_deref(), Some("escaped"));
        other.database = "x".into();
        assert_eq!(pgpass_lookup(text, &other).as_deref(), Some("fallback"));
        assert_eq!(pgpass_lookup("db.example:5432:parity:ci\n", &id()), None);
    }
}
