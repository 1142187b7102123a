//! The entities against the migrated database: every table, every column, its type and whether
//! it may be NULL. The migrations are the only source of the schema; `entity.rs` restates it
//! for sea-orm, and this is what keeps the two saying the same thing on both backends.

use crate::entity::*;
use crate::error::SqlResult;
use crate::{Backend, Db};
use aisha_domain::ports::StoreError;
use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder, TableBuilder};
use sea_orm::{ColumnTrait, ColumnType, ConnectionTrait, EntityTrait, IdenStatic, Iterable, Statement};
use std::collections::BTreeMap;

/// A place where the entities and the database disagree. `expected` is what `entity.rs`
/// declares, `found` what the migrations made; either is `"no such column"` (or table) when
/// one side lacks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaDrift {
    /// `table.column`, or `table` for a whole table.
    pub place: String,
    pub expected: String,
    pub found: String,
}

impl std::fmt::Display for SchemaDrift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: expected {}, found {}", self.place, self.expected, self.found)
    }
}

/// One column's type as the backend spells it (`varchar(16)`, `bigint`, …) and its nullability.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shape {
    sql_type: String,
    nullable: bool,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.sql_type, if self.nullable { "NULL" } else { "NOT NULL" })
    }
}

/// table → column → shape
type Tables = BTreeMap<String, BTreeMap<String, Shape>>;

/// The migrator's own bookkeeping table, which has no entity.
const MIGRATIONS_TABLE: &str = "seaql_migrations";

impl Db {
    /// Every difference between the tables `entity.rs` declares and the ones in the database
    /// (for the schema parity test); empty when they agree.
    pub async fn schema_drift(&self) -> Result<Vec<SchemaDrift>, StoreError> {
        Ok(drift(&declared(self.backend), &self.columns_in_database().await?))
    }

    async fn columns_in_database(&self) -> Result<Tables, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT c.relname AS table_name, a.attname AS column_name, \
                     format_type(a.atttypid, a.atttypmod) AS sql_type, NOT a.attnotnull AS nullable \
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
            }
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name, p.type AS sql_type, \
                     (p.\"notnull\" = 0 AND p.pk = 0) AS nullable \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
            }
        };
        let rows = self.conn.query_all_raw(Statement::from_string(self.db_backend(), sql)).await.sql()?;
        let mut tables = Tables::new();
        for row in rows {
            let table: String = row.try_get("", "table_name").sql()?;
            if table == MIGRATIONS_TABLE {
                continue;
            }
            let sql_type: String = row.try_get("", "sql_type").sql()?;
            let shape =
                Shape { sql_type: canonical(self.backend, &sql_type), nullable: row.try_get("", "nullable").sql()? };
            tables.entry(table).or_default().insert(row.try_get("", "column_name").sql()?, shape);
        }
        Ok(tables)
    }
}

/// What the entities declare, with each type spelled as the migrations' query builder spells it.
fn declared(backend: Backend) -> Tables {
    let mut tables = Tables::new();
    entity::<users::Entity>(backend, &mut tables);
    entity::<balances::Entity>(backend, &mut tables);
    entity::<ledger_entries::Entity>(backend, &mut tables);
    entity::<avatars::Entity>(backend, &mut tables);
    entity::<avatar_photos::Entity>(backend, &mut tables);
    entity::<jobs::Entity>(backend, &mut tables);
    entity::<images::Entity>(backend, &mut tables);
    entity::<stars_payments::Entity>(backend, &mut tables);
    entity::<promo_codes::Entity>(backend, &mut tables);
    entity::<promo_redemptions::Entity>(backend, &mut tables);
    entity::<sessions::Entity>(backend, &mut tables);
    tables
}

fn entity<E: EntityTrait>(backend: Backend, tables: &mut Tables) {
    let columns = tables.entry(E::default().table_name().to_owned()).or_default();
    for column in E::Column::iter() {
        let def = column.def();
        let sql_type = type_name(backend, def.get_column_type());
        columns.insert(column.as_str().to_owned(), Shape { sql_type, nullable: def.is_null() });
    }
}

fn type_name(backend: Backend, column_type: &ColumnType) -> String {
    let mut sql = String::new();
    match backend {
        Backend::Postgres => PostgresQueryBuilder.prepare_column_type(column_type, &mut sql),
        Backend::Sqlite => SqliteQueryBuilder.prepare_column_type(column_type, &mut sql),
    }
    canonical(backend, &sql)
}

/// PostgreSQL reports `character varying(16)` and `boolean` for what the builder writes as
/// `varchar(16)` and `bool`. SQLite keeps the declared text as it was written and enforces no
/// length, so a `varchar`'s length is not compared there (migrations widen a column on
/// PostgreSQL only); PostgreSQL compares it.
fn canonical(backend: Backend, sql_type: &str) -> String {
    let t = sql_type.trim().to_ascii_lowercase();
    match backend {
        Backend::Sqlite => match t.strip_prefix("varchar(") {
            Some(_) => "varchar".to_owned(),
            None => t,
        },
        Backend::Postgres => match t.as_str() {
            "bool" => "boolean".to_owned(),
            "int" | "int4" => "integer".to_owned(),
            "int2" => "smallint".to_owned(),
            "int8" => "bigint".to_owned(),
            "timestamptz" => "timestamp with time zone".to_owned(),
            _ => match t.strip_prefix("varchar") {
                Some(len) => format!("character varying{len}"),
                None => t,
            },
        },
    }
}

fn drift(expected: &Tables, found: &Tables) -> Vec<SchemaDrift> {
    let missing = |what: &str| format!("no such {what}");
    let mut out = Vec::new();
    for (table, columns) in expected {
        let Some(found_columns) = found.get(table) else {
            out.push(SchemaDrift { place: table.clone(), expected: "a table".into(), found: missing("table") });
            continue;
        };
        for (column, shape) in columns {
            let place = format!("{table}.{column}");
            match found_columns.get(column) {
                None => out.push(SchemaDrift { place, expected: shape.to_string(), found: missing("column") }),
                Some(there) if there != shape => {
                    out.push(SchemaDrift { place, expected: shape.to_string(), found: there.to_string() })
                }
                Some(_) => {}
            }
        }
        for (column, there) in found_columns {
            if !columns.contains_key(column) {
                out.push(SchemaDrift {
                    place: format!("{table}.{column}"),
                    expected: missing("column"),
                    found: there.to_string(),
                });
            }
        }
    }
    for table in found.keys().filter(|t| !expected.contains_key(*t)) {
        out.push(SchemaDrift { place: table.clone(), expected: missing("table"), found: "a table".into() });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(rows: &[(&str, &str, &str, bool)]) -> Tables {
        let mut t = Tables::new();
        for (table, column, sql_type, nullable) in rows {
            t.entry((*table).to_owned())
                .or_default()
                .insert((*column).to_owned(), Shape { sql_type: (*sql_type).to_owned(), nullable: *nullable });
        }
        t
    }

    #[test]
    fn every_kind_of_difference_names_its_place_and_both_sides() {
        let expected = tables(&[
            ("jobs", "status", "varchar(16)", false),
            ("jobs", "kind", "varchar(16)", false),
            ("jobs", "note", "text", true),
            ("jobs", "same", "bigint", false),
            ("gone", "id", "uuid", false),
        ]);
        let found = tables(&[
            ("jobs", "status", "varchar(8)", false),
            ("jobs", "kind", "varchar(16)", true),
            ("jobs", "extra", "integer", false),
            ("jobs", "same", "bigint", false),
            ("new", "id", "uuid", false),
        ]);
        let said: Vec<String> = drift(&expected, &found).iter().map(ToString::to_string).collect();
        assert_eq!(
            said,
            [
                "gone: expected a table, found no such table",
                "jobs.kind: expected varchar(16) NOT NULL, found varchar(16) NULL",
                "jobs.note: expected text NULL, found no such column",
                "jobs.status: expected varchar(16) NOT NULL, found varchar(8) NOT NULL",
                "jobs.extra: expected no such column, found integer NOT NULL",
                "new: expected no such table, found a table",
            ]
        );
        assert!(drift(&expected, &expected).is_empty());
    }

    #[test]
    fn postgres_names_are_compared_in_the_servers_spelling() {
        assert_eq!(canonical(Backend::Postgres, "varchar(16)"), "character varying(16)");
        assert_eq!(canonical(Backend::Postgres, "bool"), "boolean");
        assert_eq!(canonical(Backend::Postgres, "timestamp with time zone"), "timestamp with time zone");
        assert_eq!(canonical(Backend::Sqlite, "varchar(16)"), "varchar", "SQLite enforces no length");
    }
}
