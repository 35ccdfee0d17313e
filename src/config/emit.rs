//! Writing XML with quick-xml's `Writer`: whole datasource files, the fragments
//! of files isdb does not own, and the elements the patcher splices into an
//! existing IS_HOME. Output depends only on the plan, so it is deterministic.

use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesStart, BytesText, Event};

use super::names::{self, DatasourceFile};
use super::release::XmlRelease;
use super::{Datasource, EmittedFile, NodePlan, UserStorePlan, secrets};
use crate::secret::Secret;

/// How generated elements are laid out and escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    /// Indentation character (space or tab).
    pub ch: u8,
    /// Indentation characters per level.
    pub size: usize,
    /// Escape every non-ASCII character (for files declared in a non-UTF-8 encoding).
    pub ascii: bool,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            ch: b' ',
            size: 4,
            ascii: false,
        }
    }
}

/// What the header comments say about the run.
pub(crate) struct Context<'a> {
    pub release: XmlRelease,
    pub node: u16,
    pub nodes: u16,
    pub dialect: &'a str,
    pub layout: &'a str,
}

/// Escapes `s` for XML text or a double-quoted attribute value.
pub(crate) fn escape(s: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if ascii && !c.is_ascii() => out.push_str(&format!("&#x{:X};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

type Xml = Writer<Vec<u8>>;

fn writer(style: Style) -> Xml {
    Writer::new_with_indent(Vec::new(), style.ch, style.size)
}

fn finish(w: Xml) -> String {
    String::from_utf8_lossy(&w.into_inner()).into_owned()
}

fn done<T>(r: io::Result<T>) -> T {
    // Every writer here writes into a Vec, which cannot fail.
    r.unwrap_or_else(|e| unreachable!("writing XML to memory failed: {e}"))
}

fn start<'a>(name: &'a str, attrs: &[(&'a str, &'a str)], style: Style) -> BytesStart<'a> {
    let mut s = BytesStart::new(name);
    for (k, v) in attrs {
        // push_attribute escapes only the XML specials; escape here so non-ASCII is covered too.
        s.push_attribute(quick_xml::events::attributes::Attribute {
            key: quick_xml::name::QName(k),
            value: escape(v, style.ascii).into(),
        });
    }
    s
}

fn text_element(
    w: &mut Xml,
    name: &str,
    attrs: &[(&str, &str)],
    value: &str,
    style: Style,
) -> io::Result<()> {
    let s = start(name, attrs, style);
    let end = s.to_end().into_owned();
    w.write_event(Event::Start(s))?;
    w.write_event(Event::Text(BytesText::from_escaped(escape(
        value,
        style.ascii,
    ))))?;
    w.write_event(Event::End(end))
}

fn element(
    w: &mut Xml,
    name: &str,
    attrs: &[(&str, &str)],
    style: Style,
    inner: impl FnOnce(&mut Xml) -> io::Result<()>,
) -> io::Result<()> {
    let s = start(name, attrs, style);
    let end = s.to_end().into_owned();
    w.write_event(Event::Start(s))?;
    inner(w)?;
    w.write_event(Event::End(end))
}

fn write_datasource(w: &mut Xml, ds: &Datasource, style: Style) -> io::Result<()> {
    element(w, "datasource", &[], style, |w| {
        text_element(w, "name", &[], &ds.name, style)?;
        text_element(w, "description", &[], &ds.description, style)?;
        element(w, "jndiConfig", &[], style, |w| {
            text_element(w, "name", &[], &ds.jndi, style)
        })?;
        element(w, "definition", &[("type", "RDBMS")], style, |w| {
            element(w, "configuration", &[], style, |w| {
                let p = &ds.pool;
                text_element(w, "url", &[], &ds.url, style)?;
                text_element(w, "username", &[], &ds.user, style)?;
                match &ds.alias {
                    // The text is the literal `password`, as ciphertool writes it.
                    Some(alias) => text_element(
                        w,
                        "password",
                        &[("svns:secretAlias", alias)],
                        "password",
                        style,
                    )?,
                    None => text_element(
                        w,
                        "password",
                        &[],
                        ds.password().map_or("", Secret::expose),
                        style,
                    )?,
                }
                text_element(w, "driverClassName", &[], &ds.driver_class, style)?;
                text_element(w, "maxActive", &[], &p.max_active.to_string(), style)?;
                text_element(w, "maxWait", &[], &p.max_wait.to_string(), style)?;
                if let Some(v) = p.max_idle {
                    text_element(w, "maxIdle", &[], &v.to_string(), style)?;
                }
                if let Some(v) = p.min_idle {
                    text_element(w, "minIdle", &[], &v.to_string(), style)?;
                }
                text_element(w, "testOnBorrow", &[], &p.test_on_borrow.to_string(), style)?;
                text_element(w, "validationQuery", &[], &p.validation_query, style)?;
                text_element(
                    w,
                    "validationInterval",
                    &[],
                    &p.validation_interval.to_string(),
                    style,
                )?;
                text_element(
                    w,
                    "defaultAutoCommit",
                    &[],
                    &p.default_auto_commit.to_string(),
                    style,
                )?;
                if let Some(v) = p.use_data_source_factory {
                    text_element(w, "useDataSourceFactory", &[], &v.to_string(), style)?;
                }
                Ok(())
            })
        })
    })
}

/// One `<datasource>` element.
pub(crate) fn datasource(ds: &Datasource, style: Style) -> String {
    let mut w = writer(style);
    done(write_datasource(&mut w, ds, style));
    finish(w)
}

/// registry.xml `<dbConfig name=…><dataSource>…</dataSource></dbConfig>`.
pub(crate) fn db_config(name: &str, jndi: &str, style: Style) -> String {
    let mut w = writer(style);
    done(write_db_config(&mut w, name, jndi, style));
    finish(w)
}

fn write_db_config(w: &mut Xml, name: &str, jndi: &str, style: Style) -> io::Result<()> {
    element(w, "dbConfig", &[("name", name)], style, |w| {
        text_element(w, "dataSource", &[], jndi, style)
    })
}

/// registry.xml `<remoteInstance>` of the shared registry.
pub(crate) fn remote_instance(cache_id: &str, style: Style) -> String {
    let mut w = writer(style);
    done(write_remote_instance(&mut w, cache_id, style));
    finish(w)
}

fn write_remote_instance(w: &mut Xml, cache_id: &str, style: Style) -> io::Result<()> {
    element(
        w,
        "remoteInstance",
        &[("url", names::REMOTE_INSTANCE_URL)],
        style,
        |w| {
            text_element(w, "id", &[], names::REMOTE_INSTANCE_ID, style)?;
            text_element(w, "dbConfig", &[], names::SHARED_DB_CONFIG, style)?;
            text_element(w, "readOnly", &[], "false", style)?;
            text_element(w, "enableCache", &[], "true", style)?;
            text_element(w, "registryRoot", &[], "/", style)?;
            text_element(w, "cacheId", &[], cache_id, style)
        },
    )
}

/// registry.xml `<mount path=… overwrite="true">` from the shared registry.
pub(crate) fn mount(path: &str, style: Style) -> String {
    let mut w = writer(style);
    done(write_mount(&mut w, path, style));
    finish(w)
}

fn write_mount(w: &mut Xml, path: &str, style: Style) -> io::Result<()> {
    element(
        w,
        "mount",
        &[("path", path), ("overwrite", "true")],
        style,
        |w| {
            text_element(w, "instanceId", &[], names::REMOTE_INSTANCE_ID, style)?;
            text_element(w, "targetPath", &[], path, style)
        },
    )
}

/// `<Property name=…>value</Property>` (user-mgt.xml, embedded-ldap.xml).
pub(crate) fn property(name: &str, value: &str, style: Style) -> String {
    let mut w = writer(style);
    done(text_element(
        &mut w,
        "Property",
        &[("name", name)],
        value,
        style,
    ));
    finish(w)
}

/// The primary JDBC `<UserStoreManager>` on `jndi` (kernel 4.4.x properties).
pub(crate) fn jdbc_user_store(jndi: &str, style: Style) -> String {
    let mut w = writer(style);
    done(write_jdbc_user_store(&mut w, jndi, style));
    finish(w)
}

fn write_jdbc_user_store(w: &mut Xml, jndi: &str, style: Style) -> io::Result<()> {
    let props: [(&str, &str); 15] = [
        ("TenantManager", names::JDBC_TENANT_MANAGER),
        ("dataSource", jndi),
        ("ReadOnly", "false"),
        ("ReadGroups", "true"),
        ("WriteGroups", "true"),
        ("CaseInsensitiveUsername", "true"),
        ("SCIMEnabled", "false"),
        ("IsBulkImportSupported", "true"),
        ("PasswordDigest", "SHA-256"),
        ("StoreSaltedPassword", "true"),
        ("MultiAttributeSeparator", ","),
        ("MaxUserNameListLength", "100"),
        ("MaxRoleNameListLength", "100"),
        ("UserRolesCacheEnabled", "true"),
        ("UserNameUniqueAcrossTenants", "false"),
    ];
    element(
        w,
        "UserStoreManager",
        &[("class", names::JDBC_USER_STORE_CLASS)],
        style,
        |w| {
            for (k, v) in props {
                text_element(w, "Property", &[("name", k)], v, style)?;
            }
            Ok(())
        },
    )
}

fn document(header: &str, style: Style, body: impl FnOnce(&mut Xml) -> io::Result<()>) -> String {
    let mut w = writer(style);
    done(w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))));
    // XML comments cannot hold `--`.
    let header = header.replace("--", "- -");
    done(
        w.write_event(Event::Comment(BytesText::from_escaped(format!(
            " {header} "
        )))),
    );
    done(body(&mut w));
    let mut s = finish(w);
    s.push('\n');
    s
}

fn datasources_document(
    file: DatasourceFile,
    datasources: &[&Datasource],
    ctx: &Context,
) -> String {
    let style = Style::default();
    let header = format!(
        "{} for node {} of {}, written by isdb (IS {}, dialect {}, layout {}). Re-run `isdb config` rather than editing it by hand.",
        file.file_name(),
        ctx.node,
        ctx.nodes,
        ctx.release,
        ctx.dialect,
        ctx.layout
    );
    document(&header, style, |w| {
        element(
            w,
            "datasources-configuration",
            &[("xmlns:svns", names::SECURE_VAULT_NS)],
            style,
            |w| {
                element(w, "providers", &[], style, |w| {
                    text_element(w, "provider", &[], names::RDBMS_PROVIDER, style)
                })?;
                element(w, "datasources", &[], style, |w| {
                    for ds in datasources {
                        write_datasource(w, ds, style)?;
                    }
                    Ok(())
                })
            },
        )
    })
}

fn fragment_header(path: &str, ctx: &Context) -> String {
    format!(
        "The DB-related part of {path} for node {} of {}, written by isdb (IS {}, dialect {}, layout {}). Merge these elements into the node's file, or let `isdb config` patch the node's IS home in place.",
        ctx.node, ctx.nodes, ctx.release, ctx.dialect, ctx.layout
    )
}

fn registry_fragment(n: &NodePlan, ctx: &Context) -> String {
    let style = Style::default();
    document(&fragment_header(names::REGISTRY_XML, ctx), style, |w| {
        element(w, "wso2registry", &[], style, |w| {
            write_db_config(w, names::LOCAL_DB_CONFIG, &n.local_jndi, style)?;
            write_db_config(w, names::SHARED_DB_CONFIG, &n.shared_jndi, style)?;
            write_remote_instance(w, &n.cache_id, style)?;
            for path in names::MOUNT_PATHS {
                write_mount(w, path, style)?;
            }
            Ok(())
        })
    })
}

fn user_mgt_fragment(n: &NodePlan, ctx: &Context) -> String {
    let style = Style::default();
    document(&fragment_header(names::USER_MGT_XML, ctx), style, |w| {
        element(w, "UserManager", &[], style, |w| {
            element(w, "Realm", &[], style, |w| {
                element(w, "Configuration", &[], style, |w| {
                    text_element(
                        w,
                        "Property",
                        &[("name", "dataSource")],
                        &n.realm_jndi,
                        style,
                    )
                })?;
                match &n.user_store {
                    UserStorePlan::EmbeddedLdap => Ok(()),
                    UserStorePlan::RemoteLdap(url) => element(
                        w,
                        "UserStoreManager",
                        &[(
                            "class",
                            "org.wso2.carbon.user.core.ldap.ReadWriteLDAPUserStoreManager",
                        )],
                        style,
                        |w| text_element(w, "Property", &[("name", "ConnectionURL")], url, style),
                    ),
                    UserStorePlan::Jdbc(jndi) => write_jdbc_user_store(w, jndi, style),
                }
            })
        })
    })
}

fn identity_fragment(n: &NodePlan, ctx: &Context) -> String {
    let style = Style::default();
    document(&fragment_header(names::IDENTITY_XML, ctx), style, |w| {
        element(
            w,
            "Server",
            &[("xmlns", "http://wso2.org/projects/carbon/carbon.xml")],
            style,
            |w| {
                element(w, "JDBCPersistenceManager", &[], style, |w| {
                    element(w, "DataSource", &[], style, |w| {
                        text_element(w, "Name", &[], &n.identity_jndi, style)
                    })
                })
            },
        )
    })
}

/// consent-mgt-config.xml (5.5.0 on): the consent tables are read through the
/// identity datasource, since isdb creates them in IDENTITY_DB (decision 11); as
/// shipped it names `jdbc/WSO2CarbonDB`, which is each node's local registry.
fn consent_fragment(n: &NodePlan, ctx: &Context) -> String {
    let style = Style::default();
    document(
        &fragment_header(names::CONSENT_MGT_CONFIG_XML, ctx),
        style,
        |w| {
            element(
                w,
                "ConsentManager",
                &[("xmlns", names::CONSENT_MGT_NS)],
                style,
                |w| {
                    element(w, "DataSource", &[], style, |w| {
                        text_element(w, "Name", &[], &n.identity_jndi, style)
                    })
                },
            )
        },
    )
}

fn embedded_ldap_fragment(n: &NodePlan, ctx: &Context) -> String {
    let style = Style::default();
    document(
        &fragment_header(names::EMBEDDED_LDAP_XML, ctx),
        style,
        |w| {
            element(w, "EmbeddedLDAPConfig", &[], style, |w| {
                element(w, "EmbeddedLDAP", &[], style, |w| {
                    text_element(
                        w,
                        "Property",
                        &[("name", "enable")],
                        &n.embedded_ldap.to_string(),
                        style,
                    )
                })
            })
        },
    )
}

fn properties_fragment(path: &str, lines: &[String], ctx: &Context) -> String {
    let mut s = format!(
        "# {}\n",
        fragment_header(path, ctx).replace("elements", "lines")
    );
    s.push_str("# Then run bin/ciphertool.sh -Dconfigure to encrypt the passwords.\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Every file of node `n`: the three datasource files, then the fragments.
pub(crate) fn node_files(n: &NodePlan, ctx: &Context) -> Vec<EmittedFile> {
    let mut files = Vec::new();
    for file in DatasourceFile::ALL {
        files.push(EmittedFile {
            path: file.path(),
            complete: true,
            contents: datasources_document(file, &n.datasources_in(file), ctx),
        });
    }
    let fragment = |path: &str, contents: String| EmittedFile {
        path: path.to_string(),
        complete: false,
        contents,
    };
    files.push(fragment(names::REGISTRY_XML, registry_fragment(n, ctx)));
    files.push(fragment(names::USER_MGT_XML, user_mgt_fragment(n, ctx)));
    files.push(fragment(names::IDENTITY_XML, identity_fragment(n, ctx)));
    if ctx.release.has_consent_config() {
        files.push(fragment(
            names::CONSENT_MGT_CONFIG_XML,
            consent_fragment(n, ctx),
        ));
    }
    files.push(fragment(
        names::EMBEDDED_LDAP_XML,
        embedded_ldap_fragment(n, ctx),
    ));
    let tool: Vec<String> = n
        .datasources
        .iter()
        .filter_map(|d| d.alias.as_ref().map(|a| secrets::cipher_tool_line(a, d)))
        .collect();
    if !tool.is_empty() {
        let text: Vec<String> = n
            .datasources
            .iter()
            .filter_map(|d| {
                d.alias
                    .as_ref()
                    .zip(d.password())
                    .map(|(a, p)| secrets::cipher_text_line(a, p))
            })
            .collect();
        files.push(fragment(
            names::CIPHER_TOOL_PROPERTIES,
            properties_fragment(names::CIPHER_TOOL_PROPERTIES, &tool, ctx),
        ));
        files.push(fragment(
            names::CIPHER_TEXT_PROPERTIES,
            properties_fragment(names::CIPHER_TEXT_PROPERTIES, &text, ctx),
        ));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_the_xml_specials_and_optionally_non_ascii() {
        assert_eq!(
            escape("a&b<c>]]>\"'", false),
            "a&amp;b&lt;c&gt;]]&gt;&quot;&apos;"
        );
        assert_eq!(escape("é", false), "é");
        assert_eq!(escape("é€", true), "&#xE9;&#x20AC;");
    }

    #[test]
    fn snippets_indent_with_the_given_style() {
        let tab = Style {
            ch: b'\t',
            size: 1,
            ascii: false,
        };
        assert_eq!(
            db_config("sharedregistry", "jdbc/R", tab),
            "<dbConfig name=\"sharedregistry\">\n\t<dataSource>jdbc/R</dataSource>\n</dbConfig>"
        );
        assert_eq!(
            property("ConnectionURL", "ldap://h:10389", Style::default()),
            "<Property name=\"ConnectionURL\">ldap://h:10389</Property>"
        );
    }
}
