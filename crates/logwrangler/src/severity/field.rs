//! One top-level field of a serialisable record, found without serialising
//! the others: `field(record, "status")` equals
//! `serde_json::to_value(record)?.get("status")`, but only the value of
//! `status` is converted; every other field costs a key comparison.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};
use serde_json::Value;

/// The value of the top-level field `name` of `value` (a struct or a map,
/// flattened parts included). `Err` when `value` is not serialised as one.
pub(super) fn field<T: Serialize + ?Sized>(value: &T, name: &str) -> Result<Option<Value>, Error> {
    let mut lookup = Lookup {
        name,
        quoted: serde_json::to_vec(name).map_err(|_| Error)?,
        key: Vec::new(),
        matched: false,
        found: None,
    };
    value.serialize(&mut lookup)?;
    Ok(lookup.found)
}

/// The record is not a struct or a map at its top level.
#[derive(Debug)]
pub(super) struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a struct or a map")
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Error
    }
}

struct Lookup<'n> {
    name: &'n str,
    /// `name` as a JSON string, to compare map keys serialised the same way.
    quoted: Vec<u8>,
    /// The current map key, as JSON.
    key: Vec<u8>,
    /// True when the current map key is `name`.
    matched: bool,
    found: Option<Value>,
}

impl Lookup<'_> {
    fn take<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Error> {
        // A key seen twice keeps its last value, as in a JSON object.
        self.found = Some(serde_json::to_value(value).map_err(|_| Error)?);
        Ok(())
    }
}

macro_rules! not_a_map {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, Error> { Err(Error) })*
    };
}

impl ser::Serializer for &mut Lookup<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Error>;

    not_a_map! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(Error)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Error> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }
}

impl ser::SerializeMap for &mut Lookup<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<K: Serialize + ?Sized>(&mut self, key: &K) -> Result<(), Error> {
        self.key.clear();
        serde_json::to_writer(&mut self.key, key).map_err(|_| Error)?;
        self.matched = self.key == self.quoted;
        Ok(())
    }

    fn serialize_value<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), Error> {
        if self.matched {
            self.take(value)?;
        }
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Lookup<'_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), Error> {
        if key == self.name {
            self.take(value)?;
        }
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventContext, LineParser};

    #[test]
    fn finds_every_field_as_the_whole_json_has_it() {
        let ctx = EventContext {
            log_group: Some("/aws/lambda/orders"),
            received_ms: Some(1_795_514_400_000),
            ..EventContext::default()
        };
        let lines = [
            include_str!("../../../../tests/fixtures/aws/cloudtrail.ndjson"),
            include_str!("../../../../tests/fixtures/aws/lambda_platform.log"),
            include_str!("../../../../tests/fixtures/aws/alb.log"),
            include_str!("../../../../tests/fixtures/aws/app.ndjson"),
        ];
        let mut checked = 0;
        for line in lines.iter().flat_map(|text| text.lines()) {
            let Some(record) = LineParser::default().parse_line(line, &ctx).into_record() else {
                continue;
            };
            let Value::Object(whole) = record.to_value() else {
                panic!("records are JSON objects")
            };
            for (name, value) in &whole {
                assert_eq!(
                    field(&record, name).unwrap().as_ref(),
                    Some(value),
                    "{name}"
                );
                checked += 1;
            }
            assert_eq!(field(&record, "no_such_field").unwrap(), None);
        }
        assert!(checked > 100, "{checked}");
    }
}
