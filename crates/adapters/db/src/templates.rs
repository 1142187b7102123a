//! Statements built once per shape and filled per call.
//!
//! Building a gallery step with sea_query costs more than running it (callgrind, 2026-12-07:
//! clones and drops of the expression tree, quoting of identifiers, formatting). The SQL of a
//! step depends only on the filter's shape (which parts are set, and the kind), the direction
//! and the backend; the values change per press. So the statement is built once per shape with
//! sentinel values, the positions of those sentinels among the bound values are recorded, and
//! each call copies the text and the values with its own in those positions. The text is the
//! one sea_query builds, so both backends and every filter keep exactly the tested SQL.

use aisha_domain::ImageId;
use aisha_domain::gallery::{GalleryQuery, ImageKind};
use aisha_domain::{AvatarId, TelegramUserId};
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{DbBackend, Statement, Value, Values};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What a step's SQL depends on besides its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StepShape {
    postgres: bool,
    kind: Option<ImageKind>,
    avatar: bool,
    favorites: bool,
    from: bool,
    until: bool,
    older: bool,
}

/// The values a step binds, by what they are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepValues {
    pub telegram: TelegramUserId,
    pub from: ImageId,
    pub query: GalleryQuery,
    pub older: bool,
}

/// One shape's statement: its text and the values with the slots to fill.
struct Template {
    sql: String,
    values: Vec<Value>,
    slots: Vec<(usize, Slot)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Telegram,
    From,
    Avatar,
    Since,
    Until,
}

const TELEGRAM: i64 = 7_311_000_000_000_000_007;
const FROM: u128 = 0x5e57_0000_0000_7000_8000_0000_0000_f00d;
const AVATAR: u128 = 0x5e57_0000_0000_7000_8000_0000_0000_a7a7;

fn since() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1971, 2, 3, 4, 5, 6).single().expect("a fixed instant")
}

fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1972, 3, 4, 5, 6, 7).single().expect("a fixed instant")
}

/// The built statements, one per shape (at most 3 × 2⁵ × 2 backends).
#[derive(Default)]
pub(crate) struct StepTemplates(Mutex<HashMap<StepShape, Arc<Template>>>);

impl StepTemplates {
    /// The statement for `v` on `backend`; `build` makes a shape's statement from values of
    /// that shape the first time it is asked for.
    pub(crate) fn statement(
        &self,
        backend: DbBackend,
        v: StepValues,
        build: impl FnOnce(StepValues) -> Statement,
    ) -> Statement {
        let q = v.query;
        let shape = StepShape {
            postgres: backend == DbBackend::Postgres,
            kind: q.kind,
            avatar: q.avatar.is_some(),
            favorites: q.favorites_only,
            from: q.from.is_some(),
            until: q.until.is_some(),
            older: v.older,
        };
        let template = {
            let mut built = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            built.entry(shape).or_insert_with(|| Arc::new(Template::of(build, v))).clone()
        };
        template.fill(backend, v)
    }
}

impl Template {
    fn of(build: impl FnOnce(StepValues) -> Statement, v: StepValues) -> Self {
        let sentinels = StepValues {
            telegram: TelegramUserId::new(TELEGRAM).expect("a positive id"),
            from: ImageId(uuid::Uuid::from_u128(FROM)),
            query: GalleryQuery {
                avatar: v.query.avatar.map(|_| AvatarId(uuid::Uuid::from_u128(AVATAR))),
                from: v.query.from.map(|_| since()),
                until: v.query.until.map(|_| until()),
                ..v.query
            },
            older: v.older,
        };
        let stmt = build(sentinels);
        let values = stmt.values.map(|Values(v)| v).unwrap_or_default();
        let slots = values
            .iter()
            .enumerate()
            .filter_map(|(i, value)| {
                let slot = match value {
                    Value::BigInt(Some(TELEGRAM)) => Slot::Telegram,
                    Value::Uuid(Some(u)) if u.as_u128() == FROM => Slot::From,
                    Value::Uuid(Some(u)) if u.as_u128() == AVATAR => Slot::Avatar,
                    Value::ChronoDateTimeUtc(Some(t)) if *t == since() => Slot::Since,
                    Value::ChronoDateTimeUtc(Some(t)) if *t == until() => Slot::Until,
                    _ => return None,
                };
                Some((i, slot))
            })
            .collect();
        Self { sql: stmt.sql, values, slots }
    }

    fn fill(&self, backend: DbBackend, v: StepValues) -> Statement {
        let mut values = self.values.clone();
        for &(i, slot) in &self.slots {
            values[i] = match slot {
                Slot::Telegram => Value::BigInt(Some(v.telegram.get())),
                Slot::From => Value::from(v.from.0),
                Slot::Avatar => Value::from(v.query.avatar.map(|a| a.0)),
                Slot::Since => Value::from(v.query.from.map(aisha_domain::truncate)),
                Slot::Until => Value::from(v.query.until.map(aisha_domain::truncate)),
            };
        }
        Statement::from_sql_and_values(backend, self.sql.clone(), values)
    }
}

/// Writes every `LIMIT $k` of a PostgreSQL statement as `LIMIT <n>` and numbers the later
/// parameters down. sea_query binds a limit as a parameter, and a generic plan (the gallery's
/// pool forces them, see `Db::connect_with`) cannot see a parameter's value: for `LIMIT $k` it
/// plans for a tenth of the rows, which at 100 000 images made a step's plan count its
/// position the slow way (gallery bench, 2026-12-07: 200 ms instead of 16 ms). SQLite's
/// statements are returned as they are.
pub(crate) fn inline_limits(stmt: Statement) -> Statement {
    if stmt.db_backend != DbBackend::Postgres {
        return stmt;
    }
    let values = stmt.values.map(|Values(v)| v).unwrap_or_default();
    let limit_of = |k: usize| match values.get(k.checked_sub(1)?) {
        Some(Value::BigUnsigned(Some(n))) => Some(*n),
        Some(Value::Unsigned(Some(n))) => Some(u64::from(*n)),
        _ => None,
    };
    let (mut sql, mut inlined) = (String::with_capacity(stmt.sql.len()), Vec::new());
    let mut rest = stmt.sql.as_str();
    while let Some(at) = rest.find('$') {
        let digits = rest[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
        let Ok(k) = rest[at + 1..at + 1 + digits].parse::<usize>() else {
            sql.push_str(&rest[..=at]);
            rest = &rest[at + 1..];
            continue;
        };
        sql.push_str(&rest[..at]);
        match limit_of(k).filter(|_| sql.ends_with("LIMIT ")) {
            Some(n) => {
                sql.push_str(&n.to_string());
                inlined.push(k);
            }
            None => {
                let before = inlined.iter().filter(|i| **i < k).count();
                sql.push_str(&format!("${}", k - before));
            }
        }
        rest = &rest[at + 1 + digits..];
    }
    sql.push_str(rest);
    let values: Vec<Value> =
        values.into_iter().enumerate().filter(|(i, _)| !inlined.contains(&(i + 1))).map(|(_, v)| v).collect();
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_written_in_and_later_parameters_numbered_down() {
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT * FROM (SELECT x FROM t WHERE a = $1 LIMIT $2) c WHERE b = $3 AND d = $4 LIMIT $5",
            [Value::from(7i64), Value::from(1u64), Value::from("b"), Value::from(9i64), Value::from(3u64)],
        );
        let inlined = inline_limits(stmt);
        assert_eq!(
            inlined.sql,
            "SELECT * FROM (SELECT x FROM t WHERE a = $1 LIMIT 1) c WHERE b = $2 AND d = $3 LIMIT 3"
        );
        assert_eq!(inlined.values, Some(Values(vec![Value::from(7i64), Value::from("b"), Value::from(9i64)])));
        // a parameter that is not a limit stays one, even when its value is a number
        let kept = Statement::from_sql_and_values(DbBackend::Postgres, "SELECT $1 + 1", [Value::from(1u64)]);
        assert_eq!(inline_limits(kept.clone()).sql, kept.sql);
        let sqlite = Statement::from_sql_and_values(DbBackend::Sqlite, "SELECT x LIMIT ?", [Value::from(1u64)]);
        assert_eq!(inline_limits(sqlite.clone()).sql, sqlite.sql);
    }
}
