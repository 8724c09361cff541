//! The seam to DynamoDB: [`Query`] runs one page of a [`Plan`]; [`fetch`]
//! pages until it has `limit` items, so a caller gets a full page and a
//! cursor that resumes exactly after it.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Value};

use crate::LookupError;
use crate::pattern::{Lookup, Plan, Window, plan};
use crate::{cursor, item};

/// A DynamoDB item as the SDK returns it.
pub type Item = HashMap<String, AttributeValue>;

/// An item's key (every key attribute of the table and its indexes is a string).
pub type Key = BTreeMap<String, String>;

/// One page of a Query.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The items of the page, as the SDK returns them.
    pub items: Vec<Item>,
    /// Where the next page starts (`LastEvaluatedKey`); `None` on the last page.
    pub last_key: Option<Key>,
}

/// Runs one page of a Query: the real client ([`crate::DynamoQuery`]) or a
/// test's stand-in.
pub trait Query {
    /// One Query call: at most `limit` items evaluated, from `start`.
    fn query(
        &self,
        plan: &Plan,
        limit: i32,
        start: Option<Key>,
    ) -> impl Future<Output = Result<Page, LookupError>> + Send;
}

/// The largest page the read API hands out.
pub const MAX_LIMIT: i32 = 1000;

/// An answer: the items in the one JSON shape and the cursor of the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The items, in the one JSON shape ([`item::to_json`]).
    pub items: Vec<Map<String, Value>>,
    /// Opaque; pass it back to get the next page. `None` when there is no more.
    pub next: Option<String>,
}

/// Up to `limit` items of `lookup` in `window`, from `cursor` (as returned by
/// an earlier answer to the same lookup). Pages of the Query are read until
/// `limit` items are in or the Query is done (a filtered page can be empty).
pub async fn fetch(
    client: &impl Query,
    lookup: &Lookup,
    window: &Window,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Answer, LookupError> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(LookupError::BadParameter(format!(
            "limit {limit} is out of range: give 1 to {MAX_LIMIT}"
        )));
    }
    let plan = plan(lookup, window)?;
    let mut start = cursor.map(|c| cursor::decode(c, &plan)).transpose()?;
    let mut items = Vec::new();
    loop {
        let remaining = limit - items.len() as i32;
        let page = client.query(&plan, remaining, start).await?;
        items.extend(page.items.iter().map(item::to_json));
        start = page.last_key;
        if start.is_none() || items.len() as i32 >= limit {
            break;
        }
    }
    Ok(Answer {
        items,
        next: start.map(|key| cursor::encode(&plan, &key)),
    })
}

/// Every item of `lookup` in `window`, up to `limit` (`None`: all of them).
pub async fn fetch_all(
    client: &impl Query,
    lookup: &Lookup,
    window: &Window,
    limit: Option<usize>,
) -> Result<Vec<Map<String, Value>>, LookupError> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let want = limit.map_or(MAX_LIMIT as usize, |l| {
            (l - items.len()).min(MAX_LIMIT as usize)
        });
        if want == 0 {
            return Ok(items);
        }
        let answer = fetch(client, lookup, window, want as i32, next.as_deref()).await?;
        items.extend(answer.items);
        next = answer.next;
        if next.is_none() {
            return Ok(items);
        }
    }
}
