//! Datasource and registry configuration for every node (issue 4).
