//! `mapping.schema.json` (committed, for editors) must match the Rust types.
//! Regenerate with: `GHL_BRIDGE_WRITE_SCHEMA=1 cargo test --test schema`.

#[test]
fn committed_schema_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/mapping.schema.json");
    let generated =
        serde_json::to_string_pretty(&ghl_bridge::mapping::json_schema()).unwrap() + "\n";
    if std::env::var_os("GHL_BRIDGE_WRITE_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "mapping.schema.json is stale: run GHL_BRIDGE_WRITE_SCHEMA=1 cargo test --test schema"
    );
}

#[test]
fn schema_describes_the_document() {
    let schema = ghl_bridge::mapping::json_schema();
    let props = &schema["properties"];
    for key in [
        "version",
        "fields",
        "tags",
        "notes",
        "tasks",
        "appointments",
        "settings",
        "sourceFields",
    ] {
        assert!(props.get(key).is_some(), "schema lacks {key}");
    }
    assert!(
        schema.to_string().contains("titleCase"),
        "transform names are in the schema"
    );
}
