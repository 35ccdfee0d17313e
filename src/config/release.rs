//! Which configuration generation an IS release reads: the XML files of
//! carbon-kernel 4.4 (IS 5.3.0 to 5.8.0), or one `deployment.toml` per node from
//! 5.9.0 on. A new release is one row here; a new file format is a new
//! generation and a new file.

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
    /// IS 5.3.0 to 5.8.0: `*-datasources.xml`, registry.xml, user-mgt.xml,
    /// identity.xml, embedded-ldap.xml, from 5.5.0 consent-mgt-config.xml, and the
    /// cipher-tool properties.
    Xml(XmlRelease),
    /// IS 5.9.0 to 5.11.0 (carbon-kernel 4.5/4.6): one `repository/conf/deployment.toml`
    /// from which the server renders its XML files at startup.
    DeploymentToml(TomlRelease),
}

/// An XML-configured release (carbon-kernel 4.4.x) and what differs between them.
///
/// Read at the pinned tags (docs/decisions.md §16): the kernel's
/// master-datasources.xml and registry.xml are the same file from 4.4.11 to 4.4.40,
/// user-mgt.xml's realm and JDBC store properties isdb writes did not change, and
/// identity.xml's `JDBCPersistenceManager` is where it was; what changed is the
/// consent component (5.5.0), whose own file names its datasource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlRelease {
    version: &'static str,
    kernel: &'static str,
    consent_mgt: Option<&'static str>,
    /// Whether the release runs on Java 7 (product-is README: "Java SE Development
    /// Kit 1.7 or higher" at v5.3.0, 1.8 from v5.4.0), which picks the driver jars.
    java7: bool,
}

/// Every XML-configured release, oldest first: one row per release.
const XML_RELEASES: [XmlRelease; 6] = [
    XmlRelease {
        version: "5.3.0",
        kernel: "4.4.11",
        consent_mgt: None,
        java7: true,
    },
    XmlRelease {
        version: "5.4.0",
        kernel: "4.4.20",
        consent_mgt: None,
        java7: false,
    },
    XmlRelease {
        version: "5.5.0",
        kernel: "4.4.26",
        java7: false,
        consent_mgt: Some("1.0.50"),
    },
    XmlRelease {
        version: "5.6.0",
        kernel: "4.4.32",
        java7: false,
        consent_mgt: Some("1.0.53"),
    },
    XmlRelease {
        version: "5.7.0",
        kernel: "4.4.35",
        java7: false,
        consent_mgt: Some("2.0.18"),
    },
    XmlRelease {
        version: "5.8.0",
        kernel: "4.4.40",
        java7: false,
        consent_mgt: Some("2.0.27"),
    },
];

impl XmlRelease {
    /// The release as WSO2 numbers it.
    pub fn version(self) -> &'static str {
        self.version
    }

    /// The carbon-kernel version product-is pins for it.
    pub fn kernel(self) -> &'static str {
        self.kernel
    }

    /// Whether the release ships `repository/conf/consent-mgt-config.xml` (from
    /// 5.5.0, carbon-consent-management): its `<DataSource><Name>` is where the
    /// consent tables are read, `jdbc/WSO2CarbonDB` as shipped.
    pub fn has_consent_config(self) -> bool {
        self.consent_mgt.is_some()
    }
}

impl fmt::Display for XmlRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.version)
    }
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
    /// The release as WSO2 numbers it.
    pub fn version(self) -> &'static str {
        match self {
            ConfigGeneration::Xml(x) => x.version(),
            ConfigGeneration::DeploymentToml(t) => t.version(),
        }
    }

    /// Whether the configuration connects a node's local registry
    /// (`WSO2_CARBON_DB`) to a database of the layout, REGISTRY_LOCAL<k>.
    ///
    /// The one place that says so, for the datasources, the password prompts and
    /// checks, and the warnings alike: the XML releases can; carbon-kernel 4.5/4.6
    /// (5.9.0 to 5.11.0) hard-codes `WSO2_CARBON_DB` to an H2 file below IS_HOME
    /// and deployment.toml has no key for it (docs/decisions.md §15).
    pub fn uses_local_registry_databases(self) -> bool {
        matches!(self, ConfigGeneration::Xml(_))
    }

    /// Whether the release runs on Java 7, so Java 7 builds of the JDBC drivers
    /// are an alternative (only 5.3.0; 5.4.0 to 5.11.0 need Java 8).
    pub fn runs_on_java7(self) -> bool {
        matches!(self, ConfigGeneration::Xml(x) if x.java7)
    }

    /// The generation of `release`; a release isdb cannot configure is a usage error.
    pub fn for_release(release: &Version) -> Result<ConfigGeneration, Error> {
        let wanted = release.to_string();
        if let Some(x) = XML_RELEASES.iter().find(|x| x.version == wanted) {
            return Ok(ConfigGeneration::Xml(*x));
        }
        match wanted.as_str() {
            "5.9.0" => Ok(ConfigGeneration::DeploymentToml(TomlRelease::Is590)),
            "5.10.0" => Ok(ConfigGeneration::DeploymentToml(TomlRelease::Is5100)),
            "5.11.0" => Ok(ConfigGeneration::DeploymentToml(TomlRelease::Is5110)),
            other => Err(Error::Usage(format!(
                "isdb config knows the configuration of IS {} (XML files) and 5.9.0, 5.10.0, 5.11.0 (deployment.toml), not of IS {other}",
                XML_RELEASES.map(|x| x.version).join(", ")
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
        for (v, consent) in [
            ("5.3.0", false),
            ("5.4.0", false),
            ("5.5.0", true),
            ("5.8.0", true),
        ] {
            match g(v).unwrap() {
                ConfigGeneration::Xml(x) => {
                    assert_eq!(x.version(), v);
                    assert_eq!(x.has_consent_config(), consent, "{v}");
                }
                other => panic!("{v}: {other:?}"),
            }
        }
        assert_eq!(
            g("5.11.0").unwrap(),
            ConfigGeneration::DeploymentToml(TomlRelease::Is5110)
        );
        for bad in ["5.2.0", "5.8.1", "6.0.0", "5.11"] {
            assert!(g(bad).unwrap_err().to_string().contains(bad), "{bad}");
        }
    }
}
