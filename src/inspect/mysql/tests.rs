use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn implicit_fk_indexes_are_told_from_created_ones() {
    let fk_cols = s(&["CONSUMER_KEY_ID"]);
    let named_cols = s(&["REG_PATH_ID"]);
    let fks: Vec<(&str, &[String])> = vec![
        ("IDN_OAUTH2_ACCESS_TOKEN_ibfk_1", &fk_cols),
        ("REG_RESOURCE_FK_BY_PATH_ID", &named_cols),
    ];
    assert!(is_implicit_fk_index("CONSUMER_KEY_ID", &fk_cols, &fks));
    assert!(is_implicit_fk_index("CONSUMER_KEY_ID_2", &fk_cols, &fks));
    assert!(is_implicit_fk_index(
        "REG_RESOURCE_FK_BY_PATH_ID",
        &named_cols,
        &fks
    ));
    assert!(!is_implicit_fk_index("IDX_AT_CK_AU", &fk_cols, &fks));
    assert!(!is_implicit_fk_index(
        "CONSUMER_KEY_ID",
        &s(&["CONSUMER_KEY_ID", "AUTHZ_USER"]),
        &fks
    ));
    assert!(!is_implicit_fk_index("CONSUMER_KEY_IDX", &fk_cols, &fks));
}

#[test]
fn generated_names_read_as_unnamed() {
    assert!(is_generated_fk_name("UM_ROLE_ibfk_1", "UM_ROLE"));
    assert!(is_generated_fk_name("um_role_IBFK_12", "UM_ROLE"));
    assert!(!is_generated_fk_name("UM_ROLE_ibfk_", "UM_ROLE"));
    assert!(!is_generated_fk_name("FK_UM_ROLE", "UM_ROLE"));
    assert!(is_first_column_name(
        "UM_USER_ID_2",
        &s(&["UM_USER_ID", "X"])
    ));
    assert!(!is_first_column_name("UM_USER_ID_X", &s(&["UM_USER_ID"])));
    assert!(!is_first_column_name(
        "CON_APP_KEY",
        &s(&["CONSUMER_KEY_ID"])
    ));
}

#[test]
fn defaults_read_in_both_server_styles() {
    use DefaultValue::*;
    assert!(reports_default_expressions("10.11.19-MariaDB-0+deb12u1"));
    assert!(!reports_default_expressions("10.1.48-MariaDB"));
    assert!(!reports_default_expressions("8.0.36"));
    let b = ColumnType::Boolean;
    let v = ColumnType::Varchar(10);
    assert_eq!(
        parse_expression_default("'ACTIVE'", v),
        Str("ACTIVE".into())
    );
    assert_eq!(parse_expression_default("0", b), Bool(false));
    assert_eq!(parse_expression_default("-1", ColumnType::Integer), Int(-1));
    assert_eq!(
        parse_expression_default("current_timestamp()", ColumnType::Timestamp),
        CurrentTimestamp
    );
    assert_eq!(parse_expression_default("NULL", v), Null);
    assert_eq!(parse_value_default("0", v, false), Str("0".into()));
    assert_eq!(parse_value_default("1", b, false), Bool(true));
    assert_eq!(
        parse_value_default("CURRENT_TIMESTAMP", ColumnType::Timestamp, true),
        CurrentTimestamp
    );
}
