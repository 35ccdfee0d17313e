use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn create_table_text_gives_constraint_names_and_autoincrement() {
    let sql = r#"CREATE TABLE "SP_AUTH_STEP" (
        ID INTEGER PRIMARY KEY AUTOINCREMENT, -- generated, (with a comma)
        [APP_ID] INTEGER NOT NULL,
        `NAME` VARCHAR(255) DEFAULT 'a, (b)',
        /* a block comment, with CONSTRAINT X UNIQUE (Y) */
        CONSTRAINT "Con_Step" UNIQUE (APP_ID, "NAME" COLLATE NOCASE),
        UNIQUE (NAME),
        CONSTRAINT APPLICATION_ID_CONSTRAINT_STEP FOREIGN KEY (APP_ID) REFERENCES SP_APP (ID) ON DELETE CASCADE,
        FOREIGN KEY (APP_ID) REFERENCES "other" (ID),
        CHECK (ID > 0)
    )"#;
    let mut p = parse_create_table(sql);
    assert_eq!(p.autoincrement, s(&["ID"]));
    assert_eq!(
        p.unique_names,
        vec![(s(&["APP_ID", "NAME"]), "CON_STEP".to_string())]
    );
    assert_eq!(
        p.foreign_keys,
        vec![(
            s(&["APP_ID"]),
            "SP_APP".to_string(),
            "APPLICATION_ID_CONSTRAINT_STEP".to_string()
        )]
    );
    assert_eq!(p.take_fk_name(&s(&["APP_ID"]), "OTHER"), None);
    assert_eq!(
        p.take_fk_name(&s(&["APP_ID"]), "SP_APP").as_deref(),
        Some("APPLICATION_ID_CONSTRAINT_STEP")
    );
    assert_eq!(p.take_fk_name(&s(&["APP_ID"]), "SP_APP"), None);
    assert_eq!(p.take_unique_name(&s(&["NAME"])), None);
    assert_eq!(
        p.take_unique_name(&s(&["APP_ID", "NAME"])).as_deref(),
        Some("CON_STEP")
    );
}

#[test]
fn tokens_keep_quoted_names_and_drop_comments() {
    let t = tokenize("a \"b\"\"c\" 'x''y' -- z\n[d e] /* f */ (");
    assert_eq!(
        t,
        vec![
            Token::Word("a".into(), false),
            Token::Word("b\"c".into(), true),
            Token::Str,
            Token::Word("d e".into(), true),
            Token::Punct('('),
        ]
    );
    assert!(
        parse_create_table("CREATE TABLE broken (")
            .autoincrement
            .is_empty()
    );
    assert_eq!(parse_create_table(""), ParsedTable::default());
}
