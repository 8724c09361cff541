//! The Lambda's [`Store`]: one DynamoDB table, two GSIs, every access
//! pattern of docs/ARCHITECTURE.md §7 one Query or GetItem.
//!
//! | item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk |
//! |---|---|---|---|---|
//! | session | `SESSION#<id>` | `META` | `CONF#<conference>` / start time | `ACTIVE` / `<conference>#<id>` while active |
//! | call leg | `SESSION#<id>` | `LEG#<leg id>` | `CALL#<call id>` / join time | `ALIAS#<alias>` / join time |
//! | pending quality | `CALLQ#<call id>` | `QUALITY` | | |
//! | app event | `APP#<source_application>` | `<time>#<event id>` | | |
//! | alert dedupe | `ALERT#<fingerprint>` | `STATE` | | |
//!
//! 1. a conference's sessions, newest first: Query gsi1 `CONF#c`, descending;
//! 2. a session's legs: Query `SESSION#id`, `begins_with(sk, "LEG#")`;
//! 3. a call by id: Query gsi1 `CALL#id`;
//! 4. an alias's recent calls: Query gsi2 `ALIAS#a`, descending;
//! 5. conferences active now: Query gsi2 `ACTIVE`;
//! 6. an application's recent events: Query `APP#name`, descending.
//!
//! Every write is idempotent: leg fields are filled with `if_not_exists`, join
//! and leave times move only earlier/later under a condition, and session
//! items are recomputed from their legs, so redelivery and disorder converge.
//! Items carry `expires_at` (epoch seconds) for TTL.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, Select};
use logwrangler::summary::{LegFacts, summarise};
use logwrangler::time::{Millis, iso_string};
use serde_json::{Map, Value};

use super::Store;
use crate::dedupe::{Budget, DueDigest, HeldAlert, Spend};
use logwrangler::Severity;

/// Secondary index of sessions by conference and legs by call id.
pub const GSI1: &str = "gsi1";
/// Secondary index of legs by alias and of active sessions.
pub const GSI2: &str = "gsi2";

/// Creates the table as the CDK stack deploys it (keys, both GSIs, on demand),
/// for local stacks on moto_server and tests; in AWS the stack owns the table.
pub async fn create_table(client: &Client, table: &str) -> Result<(), StoreError> {
    // The one table definition (`infra-cdk/config/table.json`), which the CDK stack deploys.
    logwrangler_lookup::table::create_table(client, table)
        .await
        .map(drop)
        .map_err(|e| StoreError(format!("CreateTable: {e}")))
}

/// A failed DynamoDB call, with the operation that failed.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

fn err<E: std::error::Error + 'static, R: std::fmt::Debug>(
    what: &str,
) -> impl FnOnce(SdkError<E, R>) -> StoreError + '_ {
    move |e| {
        StoreError(format!(
            "DynamoDB {what}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        ))
    }
}

fn is_condition_failure<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    e.as_service_error().and_then(ProvideErrorMetadata::code)
        == Some("ConditionalCheckFailedException")
}

/// A conditional write whose condition did not hold is an expected outcome
/// (the item is already at least as far along); anything else is an error.
fn unless_condition_failed<
    T,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
>(
    result: Result<T, SdkError<E, R>>,
    what: &str,
) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_condition_failure(&e) => Ok(false),
        Err(e) => Err(err(what)(e)),
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// JSON scalars to DynamoDB attributes (nulls dropped, nested values as JSON text).
pub fn to_attributes(object: &Map<String, Value>) -> HashMap<String, AttributeValue> {
    object
        .iter()
        .filter_map(|(k, v)| {
            let attr = match v {
                Value::Null => return None,
                Value::Bool(b) => AttributeValue::Bool(*b),
                Value::Number(num) => AttributeValue::N(num.to_string()),
                Value::String(text) => AttributeValue::S(text.clone()),
                other => AttributeValue::S(other.to_string()),
            };
            Some((k.clone(), attr))
        })
        .collect()
}

/// DynamoDB attributes back to JSON scalars.
pub fn to_json(item: &HashMap<String, AttributeValue>) -> Map<String, Value> {
    item.iter()
        .filter_map(|(k, v)| {
            let value = match v {
                AttributeValue::S(text) => Value::String(text.clone()),
                AttributeValue::N(num) => serde_json::from_str(num).ok()?,
                AttributeValue::Bool(b) => Value::Bool(*b),
                AttributeValue::Ss(set) => Value::from(set.clone()),
                _ => return None,
            };
            Some((k.clone(), value))
        })
        .collect()
}

/// The table, with the retention used for TTL: the alerting Lambda's store.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    retention_s: i64,
}

impl DynamoStore {
    /// A store over `table`, expiring items `retention_days` after their event.
    pub fn new(client: Client, table: impl Into<String>, retention_days: i64) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            retention_s: retention_days * 86_400,
        }
    }

    /// Whether a later budget window of `severity` than the one starting at
    /// `start` has opened.
    async fn replaced(&self, severity: Severity, start: Millis) -> Result<bool, StoreError> {
        let current = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("BUDGET#{}", severity.as_str())))
            .key("sk", s("STATE"))
            .consistent_read(true)
            .send()
            .await
            .map_err(err("GetItem (budget)"))?;
        Ok(current
            .item()
            .and_then(|i| i.get("window_start"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse::<i64>().ok())
            .is_some_and(|current| current > start))
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn expires_at(&self, time: Millis) -> AttributeValue {
        n(time / 1000 + self.retention_s)
    }

    /// Raises the worst quality of `pk/sk` to `quality` (never lowers it).
    async fn raise_quality(
        &self,
        pk: String,
        sk: String,
        quality: i64,
        time: Millis,
    ) -> Result<(), StoreError> {
        let name = logwrangler::summary::QUALITY_NAMES
            .get(quality as usize)
            .copied()
            .unwrap_or("unknown");
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .update_expression("SET worst_quality = :q, worst_quality_name = :qn, expires_at = if_not_exists(expires_at, :exp)")
            .condition_expression("attribute_not_exists(worst_quality) OR worst_quality < :q")
            .expression_attribute_values(":q", n(quality))
            .expression_attribute_values(":qn", s(name))
            .expression_attribute_values(":exp", self.expires_at(time))
            .send()
            .await;
        unless_condition_failed(update, "UpdateItem (quality)").map(drop)
    }

    async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
        what: &str,
    ) -> Result<Vec<Map<String, Value>>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(err(what))?;
            items.extend(page.items().iter().map(to_json));
            start = page.last_evaluated_key().cloned();
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Access pattern 2: a session's legs.
    pub async fn session_legs(
        &self,
        session_id: &str,
    ) -> Result<Vec<Map<String, Value>>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :leg)")
            .expression_attribute_values(":pk", s(format!("SESSION#{session_id}")))
            .expression_attribute_values(":leg", s("LEG#"))
            // The session summary is recomputed from these right after a leg
            // write: an eventually consistent read could miss that leg.
            .consistent_read(true);
        self.query_all(query, "Query (session legs)").await
    }

    /// Access pattern 1: a conference's sessions, newest first.
    pub async fn conference_sessions(
        &self,
        conference: &str,
    ) -> Result<Vec<Map<String, Value>>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(format!("CONF#{conference}")))
            .scan_index_forward(false);
        self.query_all(query, "Query (conference sessions)").await
    }

    /// Access pattern 3: a call by its call id.
    pub async fn call(&self, call_id: &str) -> Result<Vec<Map<String, Value>>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(format!("CALL#{call_id}")))
            .select(Select::AllAttributes);
        self.query_all(query, "Query (call)").await
    }

    /// Access pattern 4: a participant alias's recent calls, newest first.
    pub async fn alias_calls(
        &self,
        alias: &str,
        limit: i32,
    ) -> Result<Vec<Map<String, Value>>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s(format!("ALIAS#{alias}")))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(err("Query (alias calls)"))?;
        Ok(page.items().iter().map(to_json).collect())
    }

    /// Access pattern 5: conferences active now.
    pub async fn active_sessions(&self) -> Result<Vec<Map<String, Value>>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI2)
            .key_condition_expression("gsi2pk = :pk")
            .expression_attribute_values(":pk", s("ACTIVE"));
        self.query_all(query, "Query (active sessions)").await
    }

    /// Access pattern 6: an application's recent events, newest first.
    pub async fn app_events(
        &self,
        source_application: &str,
        limit: i32,
    ) -> Result<Vec<Map<String, Value>>, StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(format!("APP#{source_application}")))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(err("Query (app events)"))?;
        Ok(page.items().iter().map(to_json).collect())
    }

    /// Counts the items of the table (tests and the demo report).
    pub async fn count_items(&self) -> Result<i32, StoreError> {
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .select(Select::Count)
            .send()
            .await
            .map_err(err("Scan (count)"))?;
        Ok(out.count())
    }
}

impl Store for DynamoStore {
    type Error = StoreError;

    /// Merges one event's facts into its leg item.
    async fn upsert_leg(&self, facts: &LegFacts, event_ms: Millis) -> Result<(), StoreError> {
        let key = || {
            self.client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(format!("SESSION#{}", facts.session_id)))
                .key("sk", s(format!("LEG#{}", facts.leg_id)))
        };
        // 1. Fill what is still unknown (idempotent, order-independent).
        let Value::Object(mut fields) = serde_json::to_value(facts).expect("leg facts serialise")
        else {
            unreachable!()
        };
        for time_field in ["joined_ms", "left_ms"] {
            fields.remove(time_field);
        }
        let mut values = to_attributes(&fields);
        let mut names = HashMap::new();
        let mut sets = Vec::new();
        for (i, name) in values
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .into_iter()
            .enumerate()
        {
            let value = values.remove(&name).expect("key listed");
            names.insert(format!("#f{i}"), name);
            values.insert(format!(":f{i}"), value);
            sets.push(format!("#f{i} = if_not_exists(#f{i}, :f{i})"));
        }
        let time_iso = iso_string(event_ms);
        sets.push("expires_at = if_not_exists(expires_at, :exp)".into());
        values.insert(":exp".into(), self.expires_at(event_ms));
        if let Some(call_id) = &facts.call_id {
            sets.push(
                "gsi1pk = if_not_exists(gsi1pk, :g1), gsi1sk = if_not_exists(gsi1sk, :t)".into(),
            );
            values.insert(":g1".into(), s(format!("CALL#{call_id}")));
        }
        if let Some(alias) = &facts.alias {
            sets.push(
                "gsi2pk = if_not_exists(gsi2pk, :g2), gsi2sk = if_not_exists(gsi2sk, :t)".into(),
            );
            values.insert(":g2".into(), s(format!("ALIAS#{alias}")));
        }
        if facts.call_id.is_some() || facts.alias.is_some() {
            values.insert(":t".into(), s(&time_iso));
        }
        key()
            .update_expression(format!("SET {}", sets.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await
            .map_err(err("UpdateItem (leg fields)"))?;
        // 2. Times: the earliest join and the latest leave win (conditional, so a retry is a no-op).
        if let Some(joined) = facts.joined_ms {
            // The index sort keys follow the join time (set from any event time until the join is known).
            let update = key()
                .update_expression("SET joined_ms = :j, joined = :ji, gsi1sk = :ji, gsi2sk = :ji")
                .condition_expression("attribute_not_exists(joined_ms) OR joined_ms > :j")
                .expression_attribute_values(":j", n(joined))
                .expression_attribute_values(":ji", s(iso_string(joined)))
                .send()
                .await;
            unless_condition_failed(update, "UpdateItem (join time)")?;
        }
        if let Some(left) = facts.left_ms {
            let update = key()
                .update_expression("SET left_ms = :l, #left = :li")
                .condition_expression("attribute_not_exists(left_ms) OR left_ms < :l")
                .expression_attribute_names("#left", "left")
                .expression_attribute_values(":l", n(left))
                .expression_attribute_values(":li", s(iso_string(left)))
                .send()
                .await;
            unless_condition_failed(update, "UpdateItem (leave time)")?;
        }
        Ok(())
    }

    /// Records a call's quality on its legs, or as pending until the leg is known.
    async fn record_quality(
        &self,
        call_id: &str,
        quality: i64,
        time: Millis,
    ) -> Result<(), StoreError> {
        let legs = self.call(call_id).await?;
        self.raise_quality(format!("CALLQ#{call_id}"), "QUALITY".into(), quality, time)
            .await?;
        for leg in legs {
            let (Some(Value::String(pk)), Some(Value::String(sk))) = (leg.get("pk"), leg.get("sk"))
            else {
                continue;
            };
            self.raise_quality(pk.clone(), sk.clone(), quality, time)
                .await?;
        }
        Ok(())
    }

    /// Folds a pending quality (seen before the leg) into a new leg.
    async fn apply_pending_quality(
        &self,
        facts: &LegFacts,
        time: Millis,
    ) -> Result<(), StoreError> {
        let Some(call_id) = &facts.call_id else {
            return Ok(());
        };
        let pending = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(format!("CALLQ#{call_id}")))
            .key("sk", s("QUALITY"))
            // A quality recorded an instant ago by a concurrent delivery must be seen.
            .consistent_read(true)
            .send()
            .await
            .map_err(err("GetItem (pending quality)"))?;
        if let Some(AttributeValue::N(q)) = pending.item().and_then(|i| i.get("worst_quality")) {
            let quality = q.parse().unwrap_or(0);
            self.raise_quality(
                format!("SESSION#{}", facts.session_id),
                format!("LEG#{}", facts.leg_id),
                quality,
                time,
            )
            .await?;
        }
        Ok(())
    }

    /// Recomputes a session's item from all its legs.
    async fn refresh_session(&self, conference: &str, session_id: &str) -> Result<(), StoreError> {
        let legs: Vec<LegFacts> = self
            .session_legs(session_id)
            .await?
            .into_iter()
            .filter_map(|item| serde_json::from_value(Value::Object(item)).ok())
            .collect();
        let summary = summarise(conference, session_id, &legs);
        let Value::Object(mut fields) =
            serde_json::to_value(&summary).expect("summaries serialise")
        else {
            unreachable!()
        };
        fields.insert(
            "protocols".into(),
            Value::String(serde_json::to_string(&summary.protocols).expect("map serialises")),
        );
        if let Some(start) = summary.start_ms {
            fields.insert("start".into(), Value::String(iso_string(start)));
        }
        if let Some(end) = summary.end_ms {
            fields.insert("end".into(), Value::String(iso_string(end)));
        }
        let mut item = to_attributes(&fields);
        item.insert("pk".into(), s(format!("SESSION#{session_id}")));
        item.insert("sk".into(), s("META"));
        if let Some(start) = summary.start_ms {
            item.insert("gsi1pk".into(), s(format!("CONF#{conference}")));
            item.insert("gsi1sk".into(), s(iso_string(start)));
        }
        if summary.active {
            item.insert("gsi2pk".into(), s("ACTIVE"));
            item.insert("gsi2sk".into(), s(format!("{conference}#{session_id}")));
        }
        let last = summary.end_ms.or(summary.start_ms).unwrap_or(0);
        item.insert("expires_at".into(), self.expires_at(last));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(err("PutItem (session)"))?;
        Ok(())
    }

    /// Stores one app event (idempotent: keyed on its time and id).
    async fn put_app_event(
        &self,
        source_application: &str,
        time: Millis,
        event_id: &str,
        fields: &Map<String, Value>,
    ) -> Result<(), StoreError> {
        let mut item = to_attributes(fields);
        item.insert("pk".into(), s(format!("APP#{source_application}")));
        item.insert("sk".into(), s(format!("{}#{event_id}", iso_string(time))));
        item.insert("expires_at".into(), self.expires_at(time));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(err("PutItem (app event)"))?;
        Ok(())
    }

    /// Alert dedupe: claims the right to publish an alert of `fingerprint` for
    /// the window starting at `time`. Returns `Some(held_back)` (the repeats
    /// suppressed in the previous window) when this event may publish, `None`
    /// when it is a repeat: inside the current window (counted once, whatever
    /// the retries) or older than it (a redelivered or late repeat of a window
    /// already closed, not counted again).
    ///
    /// The rules are [`crate::dedupe`]'s; here each [`Step`](crate::dedupe::Step)
    /// is one conditional write on `ALERT#<fingerprint>` whose condition is the
    /// step's guard, so that concurrent invocations decide atomically in the
    /// table. Up to three writes, each safe to repeat, so a retry after a lost
    /// reply gets the same answer:
    /// 1. [`Open`](crate::dedupe::Step::Open) a window when there is none or
    ///    the last one is over: the previous window's repeats move to `held`
    ///    in the same write, so the count is still there when the claim is
    ///    retried;
    /// 2. otherwise count the event as a [`Repeat`](crate::dedupe::Step::Repeat)
    ///    of the current window (a string set of event ids);
    /// 3. otherwise, if this very event opened the window and its alert is not
    ///    marked published, [`ClaimAgain`](crate::dedupe::Step::ClaimAgain)
    ///    with the same count: its publish failed, or went out while
    ///    [`Store::mark_published`] failed. So an alert is never lost, and is
    ///    sent twice only when its publish or its mark fails after SNS
    ///    accepted it.
    async fn claim_alert(
        &self,
        fingerprint: &str,
        event_id: &str,
        time: Millis,
        window_ms: Millis,
    ) -> Result<Option<u64>, StoreError> {
        let state = || {
            self.client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(format!("ALERT#{fingerprint}")))
                .key("sk", s("STATE"))
                .expression_attribute_values(":id", s(event_id))
        };
        let held_back = |item: Option<&HashMap<String, AttributeValue>>| match item
            .and_then(|i| i.get("held"))
        {
            Some(AttributeValue::Ss(ids)) => ids.len() as u64,
            Some(AttributeValue::N(count)) => count.parse().unwrap_or(0),
            _ => 0,
        };
        let open = state()
            .update_expression(
                "SET window_start = :t, window_until = :until, event_id = :id, published = :no, \
                 expires_at = :exp, held = if_not_exists(suppressed, :none) REMOVE suppressed",
            )
            .condition_expression(
                "attribute_not_exists(pk) OR (window_until <= :t AND event_id <> :id)",
            )
            .expression_attribute_values(":t", n(time))
            .expression_attribute_values(":until", n(time + window_ms))
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .expression_attribute_values(":exp", n((time + window_ms) / 1000 + 86_400))
            .expression_attribute_values(":none", AttributeValue::Null(true))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match open {
            Ok(out) => return Ok(Some(held_back(out.attributes()))),
            Err(e) if is_condition_failure(&e) => {}
            Err(e) => return Err(err("UpdateItem (alert window)")(e)),
        }
        let repeat = state()
            .update_expression("ADD suppressed :ids")
            .condition_expression(
                "event_id <> :id AND (attribute_not_exists(window_start) OR window_start <= :t)",
            )
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![event_id.to_owned()]))
            .expression_attribute_values(":t", n(time))
            .send()
            .await;
        if unless_condition_failed(repeat, "UpdateItem (suppressed alert)")? {
            return Ok(None);
        }
        let again = state()
            .update_expression("SET event_id = :id")
            .condition_expression("event_id = :id AND published = :no")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match again {
            Ok(out) => Ok(Some(held_back(out.attributes()))),
            Err(e) if is_condition_failure(&e) => Ok(None),
            Err(e) => Err(err("UpdateItem (alert claimed again)")(e)),
        }
    }

    /// Marks a claimed alert as published.
    /// The topic's budget window is the `BUDGET#<severity>` item: opening a
    /// window and taking a place in it are conditional writes, so concurrent
    /// invocations never send more than the limit.
    async fn spend_budget(
        &self,
        severity: Severity,
        event_id: &str,
        time: Millis,
        budget: Budget,
    ) -> Result<Spend, StoreError> {
        if budget.limit == 0 {
            return Ok(Spend::Hold {
                window_start: time,
                window_until: time.saturating_add(budget.window_ms),
            });
        }
        let key_pk = s(format!("BUDGET#{}", severity.as_str()));
        let ids = AttributeValue::Ss(vec![event_id.to_owned()]);
        let until = time.saturating_add(budget.window_ms);
        let open = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key_pk.clone())
            .key("sk", s("STATE"))
            .update_expression(
                "SET window_start = :t, window_until = :until, sent = :ids, expires_at = :exp",
            )
            .condition_expression("attribute_not_exists(pk) OR window_until <= :t")
            .expression_attribute_values(":t", n(time))
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":ids", ids.clone())
            .expression_attribute_values(":exp", n(until / 1000 + 86_400))
            .send()
            .await;
        if unless_condition_failed(open, "UpdateItem (budget window)")? {
            return Ok(Spend::Publish { window_start: time });
        }
        let take = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", key_pk.clone())
            .key("sk", s("STATE"))
            .update_expression("ADD sent :ids")
            .condition_expression(
                "window_until > :t AND (contains(sent, :id) OR size(sent) < :limit)",
            )
            .expression_attribute_values(":t", n(time))
            .expression_attribute_values(":ids", ids)
            .expression_attribute_values(":id", s(event_id))
            .expression_attribute_values(":limit", n(budget.limit as i64))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let number = |item: Option<&HashMap<String, AttributeValue>>, name: &str| {
            item.and_then(|i| i.get(name))
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        match take {
            Ok(out) => {
                return Ok(Spend::Publish {
                    window_start: number(out.attributes(), "window_start").unwrap_or(time),
                });
            }
            Err(e) if is_condition_failure(&e) => {}
            Err(e) => return Err(err("UpdateItem (budget)")(e)),
        }
        let current = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", key_pk)
            .key("sk", s("STATE"))
            .consistent_read(true)
            .send()
            .await
            .map_err(err("GetItem (budget)"))?;
        Ok(Spend::Hold {
            window_start: number(current.item(), "window_start").unwrap_or(time),
            window_until: number(current.item(), "window_until").unwrap_or(until),
        })
    }

    /// One item per held alert under `DIGEST#<severity>#<window start>`
    /// (a retry writes the same item), and the window in the
    /// `DIGEST#PENDING` set.
    async fn hold_alert(
        &self,
        severity: Severity,
        window_start: Millis,
        window_until: Millis,
        held: &HeldAlert,
    ) -> Result<(), StoreError> {
        let sev = severity.as_str();
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("DIGEST#{sev}#{window_start}")))
            .item(
                "sk",
                s(format!("HELD#{}#{}", held.fingerprint, held.event_id)),
            )
            .item("fingerprint", s(&held.fingerprint))
            .item("event_id", s(&held.event_id))
            .item("source", s(&held.source))
            .item("time", n(held.time))
            .item("subject", s(&held.subject))
            .item("expires_at", n(window_until / 1000 + self.retention_s))
            .send()
            .await
            .map_err(err("PutItem (held alert)"))?;
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s("DIGEST#PENDING"))
            .key("sk", s("STATE"))
            .update_expression("ADD windows :w")
            .expression_attribute_values(
                ":w",
                AttributeValue::Ss(vec![format!("{sev}#{window_start}#{window_until}")]),
            )
            .send()
            .await
            .map_err(err("UpdateItem (pending digests)"))?;
        Ok(())
    }

    async fn claim_digests(
        &self,
        ended_by: Millis,
        live_since: Millis,
    ) -> Result<Vec<DueDigest>, StoreError> {
        let now = ended_by;
        let pending = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s("DIGEST#PENDING"))
            .key("sk", s("STATE"))
            .consistent_read(true)
            .send()
            .await
            .map_err(err("GetItem (pending digests)"))?;
        let windows: Vec<String> = pending
            .item()
            .and_then(|i| i.get("windows"))
            .and_then(|v| v.as_ss().ok())
            .cloned()
            .unwrap_or_default();
        let mut due = Vec::new();
        for entry in windows {
            let mut parts = entry.split('#');
            let (Some(severity), Some(Ok(start)), Some(Ok(until))) = (
                parts.next().and_then(Severity::from_level),
                parts.next().map(str::parse::<i64>),
                parts.next().map(str::parse::<i64>),
            ) else {
                continue;
            };
            if until > ended_by || (until < live_since && !self.replaced(severity, start).await?) {
                continue;
            }
            let pk = format!("DIGEST#{}#{start}", severity.as_str());
            let claim = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(&pk))
                .key("sk", s("STATE"))
                .update_expression("SET claimed_at = :now, expires_at = :exp")
                .condition_expression(
                    "attribute_not_exists(sent_at) AND (attribute_not_exists(claimed_at) OR claimed_at <= :stale)",
                )
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":stale", n(now - 300_000))
                .expression_attribute_values(":exp", n(until / 1000 + self.retention_s))
                .send()
                .await;
            if !unless_condition_failed(claim, "UpdateItem (digest claim)")? {
                continue;
            }
            let mut held = Vec::new();
            let mut start_key = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk AND begins_with(sk, :held)")
                    .expression_attribute_values(":pk", s(&pk))
                    .expression_attribute_values(":held", s("HELD#"))
                    .consistent_read(true)
                    .set_exclusive_start_key(start_key)
                    .send()
                    .await
                    .map_err(err("Query (held alerts)"))?;
                for item in page.items() {
                    let text = |name: &str| {
                        item.get(name)
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                            .unwrap_or_default()
                    };
                    held.push(HeldAlert {
                        fingerprint: text("fingerprint"),
                        event_id: text("event_id"),
                        source: text("source"),
                        time: item
                            .get("time")
                            .and_then(|v| v.as_n().ok())
                            .and_then(|v| v.parse().ok())
                            .unwrap_or_default(),
                        subject: text("subject"),
                    });
                }
                start_key = page.last_evaluated_key().cloned();
                if start_key.is_none() {
                    break;
                }
            }
            due.push(DueDigest {
                severity,
                window_start: start,
                window_until: until,
                held,
            });
        }
        Ok(due)
    }

    async fn mark_digest_sent(&self, digest: &DueDigest) -> Result<(), StoreError> {
        let sev = digest.severity.as_str();
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("DIGEST#{sev}#{}", digest.window_start)))
            .key("sk", s("STATE"))
            .update_expression("SET sent_at = :now")
            .expression_attribute_values(":now", n(digest.window_until))
            .send()
            .await
            .map_err(err("UpdateItem (digest sent)"))?;
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s("DIGEST#PENDING"))
            .key("sk", s("STATE"))
            .update_expression("DELETE windows :w")
            .expression_attribute_values(
                ":w",
                AttributeValue::Ss(vec![format!(
                    "{sev}#{}#{}",
                    digest.window_start, digest.window_until
                )]),
            )
            .send()
            .await
            .map_err(err("UpdateItem (pending digests)"))?;
        Ok(())
    }

    async fn mark_published(&self, fingerprint: &str, event_id: &str) -> Result<(), StoreError> {
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("ALERT#{fingerprint}")))
            .key("sk", s("STATE"))
            .update_expression("SET published = :yes")
            .condition_expression("event_id = :id")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":id", s(event_id))
            .send()
            .await;
        unless_condition_failed(update, "UpdateItem (alert published)").map(drop)
    }
}
