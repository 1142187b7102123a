//! A Bot API request's parameters, whichever way they came: a JSON body, multipart form
//! fields (every value a string, objects JSON-encoded, files as parts) or the query string.

use super::BotError;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// An uploaded part of a multipart request.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
pub(crate) struct Params {
    pub values: Map<String, Value>,
    pub parts: HashMap<String, Part>,
}

fn missing(name: &str) -> BotError {
    BotError::bad(&format!("parameter \"{name}\" is required"))
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    pub fn req_str(&self, name: &str) -> Result<String, BotError> {
        self.str(name).ok_or_else(|| missing(name))
    }

    pub fn i64(&self, name: &str) -> Result<Option<i64>, BotError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| BotError::bad(&format!("invalid {name}"))),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| BotError::bad(&format!("invalid {name}"))),
            Some(_) => Err(BotError::bad(&format!("invalid {name}"))),
        }
    }

    pub fn req_i64(&self, name: &str) -> Result<i64, BotError> {
        self.i64(name)?.ok_or_else(|| missing(name))
    }

    pub fn chat_id(&self) -> Result<i64, BotError> {
        self.i64("chat_id").map_err(|_| BotError::bad("chat not found"))?.ok_or_else(|| missing("chat_id"))
    }

    pub fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true" || s == "1",
            Some(Value::Number(n)) => n.as_i64() == Some(1),
            _ => false,
        }
    }

    /// An object or array parameter; multipart forms carry it JSON-encoded in a string.
    pub fn json(&self, name: &str) -> Result<Option<Value>, BotError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => {
                serde_json::from_str(s).map(Some).map_err(|_| BotError::bad(&format!("can't parse {name} JSON object")))
            }
            Some(v) => Ok(Some(v.clone())),
        }
    }
}
