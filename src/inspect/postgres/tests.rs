use super::*;

#[test]
fn generated_constraint_names_are_recognised() {
    let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(is_generated_name(
        "um_user_um_user_name_um_tenant_id_key",
        "um_user",
        &cols(&["um_user_name", "um_tenant_id"]),
        "key"
    ));
    assert!(is_generated_name(
        "um_account_mapping_um_user_name_um_tenant_id_um_user_store__key",
        "um_account_mapping",
        &cols(&[
            "um_user_name",
            "um_tenant_id",
            "um_user_store_domain",
            "um_acc_link_id"
        ]),
        "key"
    ));
    assert!(is_generated_name("t_a_key1", "t", &cols(&["a"]), "key"));
    assert!(is_generated_name(
        "t_a_b_fkey",
        "t",
        &cols(&["a", "b"]),
        "fkey"
    ));
    assert!(!is_generated_name(
        "con_app_key",
        "idn_oauth2_access_token",
        &cols(&["a"]),
        "key"
    ));
}

#[test]
fn defaults_lose_their_casts() {
    use DefaultValue::*;
    let v = ColumnType::Varchar(10);
    assert_eq!(
        parse_default("'ACTIVE'::character varying", v),
        Str("ACTIVE".into())
    );
    assert_eq!(parse_default("'-1'::integer", ColumnType::Integer), Int(-1));
    assert_eq!(
        parse_default("'0'::bpchar", ColumnType::Char(1)),
        Str("0".into())
    );
    assert_eq!(parse_default("0", ColumnType::Integer), Int(0));
    assert_eq!(parse_default("false", ColumnType::Boolean), Bool(false));
    assert_eq!(
        parse_default("CURRENT_TIMESTAMP", ColumnType::Timestamp),
        CurrentTimestamp
    );
    assert_eq!(
        parse_default("now()", ColumnType::Timestamp),
        CurrentTimestamp
    );
    assert_eq!(parse_default("NULL::character varying", v), Null);
    assert_eq!(
        parse_default("'it''s'::text", ColumnType::Clob),
        Str("it's".into())
    );
    assert_eq!(
        parse_default("'a::b'::text", ColumnType::Clob),
        Str("a::b".into())
    );
    assert_eq!(parse_default("(-1)", ColumnType::Integer), Int(-1));
    assert_eq!(
        parse_default("gen_random_uuid()", ColumnType::Clob),
        Str("gen_random_uuid()".into())
    );
}

#[test]
fn nextval_defaults_name_their_sequence() {
    assert_eq!(
        nextval_sequence("nextval('reg_log_pk_seq'::regclass)").as_deref(),
        Some("reg_log_pk_seq")
    );
    assert_eq!(
        nextval_sequence("nextval('public.\"My.Seq\"'::regclass)").as_deref(),
        Some("My.Seq")
    );
    assert_eq!(nextval_sequence("0"), None);
}

#[test]
fn servers_older_than_10_are_refused_by_version() {
    let e = supported(90_624, "9.6.24").unwrap_err();
    assert!(matches!(e, Error::Unsupported(_)), "{e:?}");
    assert_eq!(
        e.to_string(),
        "PostgreSQL 9.6.24 is not supported: isdb reads PostgreSQL 10 or later"
    );
    assert!(supported(100_023, "10.23").is_ok());
    assert!(supported(180_004, "18.4").is_ok());
}

#[test]
fn live_abstime_is_the_timestamp_the_model_renders_but_not_in_scripts() {
    let pg = crate::dialect::by_name("postgres").unwrap();
    assert_eq!(crate::diff::canonical_type(pg, "abstime"), "TIMESTAMP");
    // Scripts are compared through the dialect alone: ABSTIME stays a deviation there.
    assert_eq!(pg.normalize_type("abstime"), "ABSTIME");
}
