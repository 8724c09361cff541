//! The summary table's definition, `infra-cdk/config/table.json`: the CDK
//! stack deploys `SummaryTable` from it and `logwrangler local-resources`
//! creates the local table from the same file (embedded here), so the two
//! cannot drift.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use serde::Deserialize;

use crate::LookupError;

/// The definition file, as the CDK stack reads it.
pub const TABLE_JSON: &str = include_str!("../../../infra-cdk/config/table.json");

/// The table's keys, indexes and TTL attribute (every key a string; on demand).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TableDefinition {
    /// The table's partition key (`pk`).
    pub partition_key: String,
    /// The table's sort key (`sk`).
    pub sort_key: String,
    /// The TTL attribute (`expires_at`, epoch seconds).
    pub time_to_live_attribute: String,
    /// The indexes (`gsi1`, `gsi2`).
    pub global_secondary_indexes: Vec<IndexDefinition>,
}

/// One global secondary index (projection: all attributes).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IndexDefinition {
    /// Index name.
    pub index_name: String,
    /// Its partition key.
    pub partition_key: String,
    /// Its sort key.
    pub sort_key: String,
}

impl TableDefinition {
    /// The embedded definition.
    pub fn embedded() -> TableDefinition {
        serde_json::from_str(TABLE_JSON).expect("infra-cdk/config/table.json is a table definition")
    }
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("name and key type are set")
}

/// Creates `name` as defined, with TTL on; `Ok(false)` when it already exists
/// (so `local-resources` can run again).
pub async fn create_table(client: &Client, name: &str) -> Result<bool, LookupError> {
    let def = TableDefinition::embedded();
    let mut attributes = vec![def.partition_key.clone(), def.sort_key.clone()];
    for gsi in &def.global_secondary_indexes {
        attributes.extend([gsi.partition_key.clone(), gsi.sort_key.clone()]);
    }
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(&def.partition_key, KeyType::Hash))
        .key_schema(key(&def.sort_key, KeyType::Range));
    for attribute in attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("name and type are set"),
        );
    }
    for gsi in &def.global_secondary_indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&gsi.index_name)
                .key_schema(key(&gsi.partition_key, KeyType::Hash))
                .key_schema(key(&gsi.sort_key, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .expect("name, keys and projection are set"),
        );
    }
    match request.send().await {
        Ok(_) => {}
        Err(e)
            if e.as_service_error().and_then(ProvideErrorMetadata::code)
                == Some("ResourceInUseException") =>
        {
            return Ok(false);
        }
        Err(e) => {
            return Err(LookupError::Dynamo(format!(
                "CreateTable {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )));
        }
    }
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(&def.time_to_live_attribute)
                .build()
                .expect("name and flag are set"),
        )
        .send()
        .await
        .map_err(|e| {
            LookupError::Dynamo(format!(
                "UpdateTimeToLive {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            ))
        })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_names_the_store_layout() {
        let def = TableDefinition::embedded();
        assert_eq!(
            (def.partition_key.as_str(), def.sort_key.as_str()),
            ("pk", "sk")
        );
        let names: Vec<_> = def
            .global_secondary_indexes
            .iter()
            .map(|g| {
                (
                    g.index_name.as_str(),
                    g.partition_key.as_str(),
                    g.sort_key.as_str(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [("gsi1", "gsi1pk", "gsi1sk"), ("gsi2", "gsi2pk", "gsi2sk")]
        );
    }
}
