//! The examples each subcommand's `--help` ends with (the README's, kept in step with it).

/// `isdb render --help`.
pub const RENDER: &str = "\
Examples:
  # scripts for a DBA, one per database of a split layout, each recording its
  # migrations in isdb's history as `isdb migrate` would
  isdb render --dialect oracle --layout split --out ./scripts
  # WSO2's tables only (adopt the databases afterwards with `isdb baseline`)
  isdb render --dialect postgres --out ./scripts --no-history";

/// `isdb migrate --help`.
pub const MIGRATE: &str = "\
Examples:
  # the embedded default: SQLite files under ./isdb-data (for trying isdb only)
  isdb migrate
  # one PostgreSQL database called wso2is
  ISDB_PASSWORD=... isdb migrate --url postgres://wso2@db.example.org:5432/wso2is
  # eight MariaDB databases (latin1, WSO2's supported charset) for a 2-node cluster
  isdb migrate --layout split --url mysql://wso2@db.example.org:3306/ --db-prefix prod_
  # what would run, as a script for the engine's client; changes nothing
  isdb migrate --layout split --url mysql://wso2@db.example.org/ --dry-run > plan.sql";

/// `isdb status --help`.
pub const STATUS: &str = "\
Examples:
  isdb status --url postgres://wso2@db.example.org/wso2is
  isdb status --layout split --url mysql://wso2@db.example.org/ --db-prefix prod_ --format json";

/// `isdb plan --help`.
pub const PLAN: &str = "\
Examples:
  # the upgrade of a 5.3.0 database to 5.11.0, before running it
  isdb plan --url postgres://wso2@db.example.org/wso2is --is-version 5.11.0
  isdb plan --layout split --url mysql://wso2@db.example.org/ --db-prefix prod_ --is-version 5.11.0 --format json";

/// `isdb verify --help`.
pub const VERIFY: &str = "\
Examples:
  isdb verify --url postgres://wso2@db.example.org/wso2is
  # extra tables and indexes fail too
  isdb verify --layout split --url mysql://wso2@db.example.org/ --db-prefix prod_ --strict
  # against a named IS release (one `isdb versions` lists)
  isdb verify --url postgres://wso2@db.example.org/wso2is --is-version 5.3.0";

/// `isdb baseline --help`.
pub const BASELINE: &str = "\
Examples:
  # adopt a database built by hand from WSO2's dbscripts, then check it
  isdb baseline --url postgres://wso2@db.example.org/wso2is && isdb verify --url postgres://wso2@db.example.org/wso2is";

/// `isdb config --help`.
pub const CONFIG: &str = "\
Examples:
  # the configuration of both nodes, passwords as secure-vault aliases
  isdb config --dialect mysql --layout split --url mysql://wso2@db.example.org/ --node-host 1=is1.example.org --node-host 2=is2.example.org --out ./conf
  # what patching node 1's 5.3.0 installation would change, without writing
  isdb config --is-version 5.3.0 --dialect postgres --url postgres://wso2@db.example.org/wso2is --is-home /opt/wso2is-5.3.0 --node 1 --diff";

/// `isdb versions --help`.
pub const VERSIONS: &str = "\
Examples:
  isdb versions
  isdb versions --format json";
