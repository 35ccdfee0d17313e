//! Which configuration generation an IS release reads: the XML files isdb
//! writes for 5.3.0, or one `deployment.toml` per node from 5.9.0 on. A new
//! release maps here; a new file format is a new generation and a new file.

use std::fmt;

use crate::error::Error;
use crate::model::catalog::Version;

/// The release `isdb config` targets when none is given: today's behaviour.
pub const DEFAULT_RELEASE: &str = "5.3.0";

/// The release [`DEFAULT_RELEASE`] names.
pub fn default_release() -> Version {
    Version::parse(DEFAULT_RELEASE)
        .unwrap_or_else(|_| unreachable!("{DEFAULT_RELEASE} is a version literal"))
}

/// How a release is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigGeneration {
    /// IS 5.3.0: `*-datasources.xml`, registry.xml, user-mgt.xml, identity.xml,
    /// the cipher-tool properties.
    Xml530,
    /// IS 5.9.0 to 5.11.0 (carbon-kernel 4.5/4.6): one `repository/conf/deployment.toml`
    /// from which the server renders its XML files at startup.
    DeploymentToml(TomlRelease),
}

/// The deployment.toml releases isdb knows, with what differs between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TomlRelease {
    /// IS 5.9.0, carbon-kernel 4.5.1.
    Is590,
    /// IS 5.10.0, carbon-kernel 4.6.0.
    Is5100,
    /// IS 5.11.0, carbon-kernel 4.6.1.
    Is5110,
}

impl TomlRelease {
    /// The release as WSO2 numbers it.
    pub fn version(self) -> &'static str {
        match self {
            TomlRelease::Is590 => "5.9.0",
            TomlRelease::Is5100 => "5.10.0",
            TomlRelease::Is5110 => "5.11.0",
        }
    }

    /// `[user_store] type` of a JDBC user store: 5.10.0 added the unique-ID
    /// user store managers and made them the default (product-is v5.10.0/v5.11.0
    /// ship `read_write_ldap_unique_id`; 5.9.0 ships `read_write_ldap`).
    pub fn jdbc_user_store_type(self) -> &'static str {
        match self {
            TomlRelease::Is590 => "database",
            TomlRelease::Is5100 | TomlRelease::Is5110 => "database_unique_id",
        }
    }
}

impl fmt::Display for TomlRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.version())
    }
}

impl ConfigGeneration {
    /// The generation of `release`; a release isdb cannot configure is a usage error.
    pub fn for_release(release: &Version) -> Result<ConfigGeneration, Error> {
        match release.to_string().as_str() {
            "5.3.0" => Ok(ConfigGeneration::Xml530),
            "5.9.0" => Ok(ConfigGeneration::DeploymentToml(TomlRelease::Is590)),
            "5.10.0" => Ok(ConfigGeneration::DeploymentToml(TomlRelease::Is5100)),
            "5.11.0" => Ok(ConfigGeneration::DeploymentToml(TomlRelease::Is5110)),
            other => Err(Error::Usage(format!(
                "isdb config knows the configuration of IS 5.3.0 (XML files) and 5.9.0, 5.10.0, 5.11.0 (deployment.toml), not of IS {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_map_to_their_generation() {
        let g = |s: &str| ConfigGeneration::for_release(&Version::parse(s).unwrap());
        assert_eq!(g("5.3.0").unwrap(), ConfigGeneration::Xml530);
        assert_eq!(
            g("5.11.0").unwrap(),
            ConfigGeneration::DeploymentToml(TomlRelease::Is5110)
        );
        for bad in ["5.8.0", "5.4.0", "6.0.0", "5.11"] {
            assert!(g(bad).unwrap_err().to_string().contains(bad), "{bad}");
        }
    }
}
