//! The AWS profiles a user can pick for an environment: the section names of their own
//! `~/.aws/config` (`[profile NAME]`, `[default]`) and `~/.aws/credentials` (`[NAME]`), honouring
//! `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`. Only names are read, never keys.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// Profile names in a config file's text (`[profile x]`, `[default]`; not `[sso-session …]`).
pub fn config_profiles(text: &str) -> Vec<String> {
    sections(text)
        .filter_map(|s| {
            if s == "default" {
                Some(s.to_string())
            } else {
                s.strip_prefix("profile")
                    .filter(|rest| rest.starts_with(char::is_whitespace))
                    .map(|rest| rest.trim().to_string())
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Profile names in a shared credentials file's text (every `[name]`).
pub fn credentials_profiles(text: &str) -> Vec<String> {
    sections(text)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
        .collect()
}

fn sections(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        line.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .map(str::trim)
    })
}

fn home_file(env_var: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(env_var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".aws").join(default)))
}

/// The profiles of the user's AWS config and credentials files, sorted, without duplicates.
/// Missing files mean no profiles.
pub fn list() -> Vec<String> {
    let mut out = BTreeSet::new();
    if let Some(text) =
        home_file("AWS_CONFIG_FILE", "config").and_then(|p| std::fs::read_to_string(p).ok())
    {
        out.extend(config_profiles(&text));
    }
    if let Some(text) = home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        .and_then(|p| std::fs::read_to_string(p).ok())
    {
        out.extend(credentials_profiles(&text));
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_sections_become_profile_names() {
        let config = "\
[default]
region = us-east-1

[profile shop-prod]
sso_session = corp
[ profile  shop-dev ]
role_arn = arn:aws:iam::1:role/x
[sso-session corp]
sso_start_url = https://x
[profilex]
# [profile commented]
";
        assert_eq!(
            config_profiles(config),
            vec!["default", "shop-prod", "shop-dev"]
        );
        assert_eq!(
            credentials_profiles("[default]\naws_access_key_id=A\n[ci]\n"),
            vec!["default", "ci"]
        );
    }
}
