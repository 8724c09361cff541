//! [`Query`] on the real DynamoDB client: read-only (Query, and for
//! `local-resources` the table creation in [`crate::table`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::LookupError;
use crate::pattern::{Plan, SortKey};
use crate::query::{Key, Page, Query};

/// The summary table through the SDK client (endpoint, region and credentials
/// from the standard AWS configuration).
#[derive(Debug, Clone)]
pub struct DynamoQuery {
    client: Client,
    table: String,
}

impl DynamoQuery {
    /// Lookups on `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoQuery {
            client,
            table: table.into(),
        }
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_string())
}

impl Query for DynamoQuery {
    async fn query(
        &self,
        plan: &Plan,
        limit: i32,
        start: Option<Key>,
    ) -> Result<Page, LookupError> {
        let mut names = HashMap::from([("#pk".to_string(), plan.partition_attribute.to_string())]);
        let mut values = HashMap::from([(":pk".to_string(), s(&plan.partition_value))]);
        let mut condition = "#pk = :pk".to_string();
        match &plan.sort {
            None => {}
            Some(SortKey::BeginsWith(prefix)) => {
                names.insert("#sk".into(), plan.sort_attribute.into());
                values.insert(":prefix".into(), s(prefix));
                condition.push_str(" AND begins_with(#sk, :prefix)");
            }
            Some(SortKey::Range { from, to }) => {
                names.insert("#sk".into(), plan.sort_attribute.into());
                match (from, to) {
                    (Some(from), Some(to)) => {
                        condition.push_str(" AND #sk BETWEEN :from AND :to");
                        values.insert(":from".into(), s(from));
                        values.insert(":to".into(), s(to));
                    }
                    (Some(from), None) => {
                        condition.push_str(" AND #sk >= :from");
                        values.insert(":from".into(), s(from));
                    }
                    (None, Some(to)) => {
                        condition.push_str(" AND #sk <= :to");
                        values.insert(":to".into(), s(to));
                    }
                    (None, None) => {}
                }
            }
        }
        let mut filter = Vec::new();
        if let Some(time) = &plan.filter {
            names.insert("#t".into(), time.attribute.into());
            if let Some(from) = &time.from {
                filter.push("#t >= :tfrom");
                values.insert(":tfrom".into(), s(from));
            }
            if let Some(to) = &time.to {
                filter.push("#t <= :tto");
                values.insert(":tto".into(), s(to));
            }
        }
        let start = start.map(|key| {
            key.into_iter()
                .map(|(k, v)| (k, AttributeValue::S(v)))
                .collect()
        });
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(plan.index.map(str::to_string))
            .key_condition_expression(condition)
            .set_filter_expression((!filter.is_empty()).then(|| filter.join(" AND ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(plan.forward)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| {
                LookupError::Dynamo(format!(
                    "Query on {}: {}",
                    self.table,
                    aws_sdk_dynamodb::error::DisplayErrorContext(e)
                ))
            })?;
        let last_key = out.last_evaluated_key().map(|key| {
            key.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
                .collect()
        });
        Ok(Page {
            items: out.items.unwrap_or_default(),
            last_key,
        })
    }
}
