//! `Gallery`: one card at a time, keyset over `(created_at, id)` newest first, under the
//! user's filter. No OFFSET anywhere: the n-th card costs what the first does.

use crate::entity::{images, users};
use crate::error::SqlResult;
use crate::ledger::sum_as_bigint;
use crate::templates::{StepValues, inline_limits};
use crate::{Db, convert};
use aisha_domain::gallery::{CardAt, Cursor, GalleryCounts, GalleryQuery, ImageKind, ImageRecord, Position};
use aisha_domain::ports::{Gallery, StoreError};
use aisha_domain::{ImageId, JobId, TelegramUserId, User, UserId, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Asterisk, Expr, ExprTrait, JoinType, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, Iterable, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};

/// Whose images: a user by id, or by Telegram id (a subquery, for a step's one statement).
#[derive(Clone, Copy)]
enum Owner {
    Id(UserId),
    Telegram(TelegramUserId),
}

impl Owner {
    fn expr(self) -> Expr {
        match self {
            Owner::Id(id) => Expr::val(id.0),
            Owner::Telegram(t) => Query::select()
                .column(users::Column::Id)
                .from(users::Entity)
                .and_where(Expr::col(users::Column::TelegramId).eq(t.get()))
                .to_owned()
                .into(),
        }
    }
}

/// The owner's images matching `query`; the same predicate as `GalleryQuery::matches`.
fn matching(owner: Owner, query: &GalleryQuery) -> Select<images::Entity> {
    let mut select =
        images::Entity::find().filter(Expr::col((images::Entity, images::Column::UserId)).eq(owner.expr()));
    if let Some(kind) = query.kind {
        select = select.filter(images::Column::Kind.eq(images::Kind(kind)));
    }
    if let Some(avatar) = query.avatar {
        select = select.filter(images::Column::AvatarId.eq(avatar.0));
    }
    if query.favorites_only {
        // a literal, not a parameter: a generic plan can then use the favorites' partial index
        select = select.filter(Expr::col((images::Entity, images::Column::Favorite)).eq(Expr::cust("TRUE")));
    }
    if let Some(from) = query.from {
        select = select.filter(images::Column::CreatedAt.gte(truncate(from)));
    }
    if let Some(until) = query.until {
        select = select.filter(images::Column::CreatedAt.lt(truncate(until)));
    }
    select
}

/// `(created_at, id)` as a row value, compared with a cursor's.
fn key() -> Expr {
    Expr::tuple([Expr::col(images::Column::CreatedAt), Expr::col(images::Column::Id)])
}

fn at(cursor: &Cursor) -> Expr {
    Expr::tuple([Expr::val(truncate(cursor.created_at)), Expr::val(cursor.id.0)])
}

fn newest_first(select: Select<images::Entity>) -> Select<images::Entity> {
    select.order_by_desc(images::Column::CreatedAt).order_by_desc(images::Column::Id)
}

fn oldest_first(select: Select<images::Entity>) -> Select<images::Entity> {
    select.order_by_asc(images::Column::CreatedAt).order_by_asc(images::Column::Id)
}

/// Whether [`Gallery::position`] counts each side in the index's order, newest first.
///
/// When one index holds every column the filter tests (owner and time, plus at most one of type,
/// avatar or favorites: see the gallery indexes in `aisha-migrations`), asking for its order
/// leaves the index-only scan of the range as the one plan without a sort, whatever the server's
/// cost settings. Without it, PostgreSQL's default `random_page_cost = 4` prices every index page
/// as a random read and prefers a sequential scan of the whole table once one user owns most of
/// it, about 1.6 times slower. Filters that combine two of those conditions have to read the
/// table anyway, and ordering them would only add a sort.
fn counted_in_index_order(query: &GalleryQuery) -> bool {
    [query.kind.is_some(), query.avatar.is_some(), query.favorites_only].into_iter().filter(|on| *on).count() <= 1
}

/// `(SELECT COUNT(*) FROM (<the matching rows within bound>) side)`: one side of a position,
/// a range of the filter's index (the row-value bound is an index condition, not a per-row
/// expression). See `counted_in_index_order` for the ORDER BY.
fn count_side(owner: Owner, query: &GalleryQuery, bound: Expr) -> Expr {
    let rows = matching(owner, query).filter(bound).select_only().expr(Expr::cust("1"));
    let rows = if counted_in_index_order(query) { newest_first(rows) } else { rows };
    Query::select().expr(Expr::cust("COUNT(*)")).from_subquery(rows.into_query(), "side").to_owned().into()
}

fn count_if(cond: SimpleExpr) -> Expr {
    sum_as_bigint(Expr::case(cond, Expr::val(1i64)).finally(Expr::val(0i64)).into())
}

/// The one card `at` points to, under `query` (limit it to one row).
fn card_select(owner: Owner, query: &GalleryQuery, at_: CardAt) -> Select<images::Entity> {
    match at_ {
        CardAt::Newest => newest_first(matching(owner, query)),
        CardAt::Exact(c) => matching(owner, query)
            .filter(images::Column::Id.eq(c.id.0))
            .filter(images::Column::CreatedAt.eq(truncate(c.created_at))),
        CardAt::Older(c) => newest_first(matching(owner, query).filter(key().lt(at(&c)))),
        CardAt::Newer(c) => oldest_first(matching(owner, query).filter(key().gt(at(&c)))),
    }
}

/// The card one step from the owner's image `from` (its key read by a row subquery, so the
/// comparison stays a range of the index): none when `from` is not the owner's.
fn step_select(owner: Owner, query: &GalleryQuery, from: ImageId, older: bool) -> Select<images::Entity> {
    let anchor: Expr = Query::select()
        .columns([images::Column::CreatedAt, images::Column::Id])
        .from(images::Entity)
        .and_where(Expr::col(images::Column::Id).eq(from.0))
        .and_where(Expr::col(images::Column::UserId).eq(owner.expr()))
        .to_owned()
        .into();
    match older {
        true => newest_first(matching(owner, query).filter(key().lt(anchor))),
        false => oldest_first(matching(owner, query).filter(key().gt(anchor))),
    }
}

/// `SELECT <card columns>, <its position's two counts> FROM (<card> LIMIT 1) c`, the counts
/// bounded by the card's own key; `users` are joined in front of the card for a step.
fn with_position(owner: Owner, query: &GalleryQuery, card: Select<images::Entity>) -> SelectStatement {
    let card_key = Expr::tuple([Expr::col(("c", "created_at")), Expr::col(("c", "id"))]);
    Query::select()
        .column((Alias::new("c"), Asterisk))
        .expr_as(count_side(owner, query, key().gte(card_key.clone())), "newer_or_equal")
        .expr_as(count_side(owner, query, key().lt(card_key)), "older")
        .to_owned()
        .from_subquery(card.limit(1).into_query(), "c")
        .to_owned()
}

/// `users u LEFT JOIN (<card with position>) ON TRUE`: the user's row whether or not a card
/// lies that way, the user's columns as `u_*` beside the card's own.
fn step_statement(telegram: TelegramUserId, query: &GalleryQuery, from: ImageId, older: bool) -> SelectStatement {
    let owner = Owner::Telegram(telegram);
    let card = with_position(owner, query, step_select(owner, query, from, older));
    let mut stmt = Query::select();
    for column in users::Column::iter() {
        stmt.expr_as(Expr::col((Alias::new("u"), column)), Alias::new(format!("u_{}", column.as_str())));
    }
    stmt.column((Alias::new("c"), Asterisk))
        .from_as(users::Entity, Alias::new("u"))
        .join_subquery(JoinType::LeftJoin, card, Alias::new("c"), Expr::cust("1 = 1"))
        .and_where(Expr::col((Alias::new("u"), users::Column::TelegramId)).eq(telegram.get()));
    stmt
}

/// A step row's user, by position: the select list starts with `users::Column::iter()`, which
/// is the model's field order. By name each column cost a formatted `u_…` name and a hash
/// lookup (callgrind, 2026-12-07: the two models were 0.17 M instructions of a press).
fn user_at(row: &sea_orm::QueryResult) -> Result<users::Model, sea_orm::DbErr> {
    let mut at = 0..;
    let mut next = || at.next().unwrap_or_default();
    // a struct expression evaluates its fields in the order written: the model's own
    Ok(users::Model {
        id: row.try_get_by_index(next())?,
        telegram_id: row.try_get_by_index(next())?,
        first_name: row.try_get_by_index(next())?,
        last_name: row.try_get_by_index(next())?,
        username: row.try_get_by_index(next())?,
        language_code: row.try_get_by_index(next())?,
        language: row.try_get_by_index(next())?,
        timezone: row.try_get_by_index(next())?,
        default_aspect: row.try_get_by_index(next())?,
        default_count: row.try_get_by_index(next())?,
        default_model: row.try_get_by_index(next())?,
        quick_mode: row.try_get_by_index(next())?,
        translate_prompts: row.try_get_by_index(next())?,
        blocked: row.try_get_by_index(next())?,
        created_at: row.try_get_by_index(next())?,
        updated_at: row.try_get_by_index(next())?,
    })
}

/// A step row's card from column `first` on (`None` when the `LEFT JOIN` found none), in the
/// model's field order as `card_select` lists them.
fn image_at(row: &sea_orm::QueryResult, first: usize) -> Result<Option<images::Model>, sea_orm::DbErr> {
    let Some(id) = row.try_get_by_index::<Option<uuid::Uuid>>(first)? else { return Ok(None) };
    let mut at = first + 1..;
    let mut next = || at.next().unwrap_or_default();
    Ok(Some(images::Model {
        id,
        user_id: row.try_get_by_index(next())?,
        job_id: row.try_get_by_index(next())?,
        kind: row.try_get_by_index(next())?,
        model: row.try_get_by_index(next())?,
        prompt: row.try_get_by_index(next())?,
        aspect: row.try_get_by_index(next())?,
        avatar_id: row.try_get_by_index(next())?,
        avatar_name: row.try_get_by_index(next())?,
        bucket: row.try_get_by_index(next())?,
        object_key: row.try_get_by_index(next())?,
        format: row.try_get_by_index(next())?,
        bytes: row.try_get_by_index(next())?,
        width: row.try_get_by_index(next())?,
        height: row.try_get_by_index(next())?,
        favorite: row.try_get_by_index(next())?,
        telegram_file_id: row.try_get_by_index(next())?,
        created_at: row.try_get_by_index(next())?,
    }))
}

fn position_of(row: &sea_orm::QueryResult) -> Result<Position, StoreError> {
    let (newer_or_equal, older) =
        (row.try_get::<i64>("", "newer_or_equal").sql()?, row.try_get::<i64>("", "older").sql()?);
    Ok(Position { index: count(newer_or_equal), total: count(newer_or_equal) + count(older) })
}

#[derive(FromQueryResult)]
struct PositionRow {
    newer_or_equal: i64,
    older: i64,
}

#[derive(FromQueryResult)]
struct CountsRow {
    total: i64,
    imagen: i64,
    avatar_photos: i64,
    favorites: i64,
    this_month: i64,
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

#[async_trait]
impl Gallery for Db {
    async fn card(&self, owner: UserId, query: &GalleryQuery, at_: CardAt) -> Result<Option<ImageRecord>, StoreError> {
        let stmt = inline_limits(card_select(Owner::Id(owner), query, at_).limit(1).build(self.db_backend()));
        let Some(row) = self.browse.query_one_raw(stmt).await.sql()? else { return Ok(None) };
        convert::image(images::Model::from_query_result(&row, "").sql()?).map(Some)
    }

    async fn position(&self, owner: UserId, query: &GalleryQuery, cursor: Cursor) -> Result<Position, StoreError> {
        // Two counts split at the cursor, each a range of the filter's index (the row-value bound
        // is an index condition, not a per-row expression): every matching entry is read once and
        // the total is their sum. See `counted_in_index_order` for the ORDER BY.
        let stmt = Query::select()
            .expr_as(count_side(Owner::Id(owner), query, key().gte(at(&cursor))), "newer_or_equal")
            .expr_as(count_side(Owner::Id(owner), query, key().lt(at(&cursor))), "older")
            .to_owned();
        let row = PositionRow::find_by_statement(self.db_backend().build(&stmt)).one(&self.browse).await.sql()?;
        Ok(row.map_or(Position { index: 0, total: 0 }, |r| Position {
            index: count(r.newer_or_equal),
            total: count(r.newer_or_equal) + count(r.older),
        }))
    }

    async fn card_with_position(
        &self,
        owner: UserId,
        query: &GalleryQuery,
        at_: CardAt,
    ) -> Result<Option<(ImageRecord, Position)>, StoreError> {
        // the card as a one-row subquery `c`, and the two counts of `position` bounded by the
        // card's own key: one statement, one round trip
        let owner = Owner::Id(owner);
        let stmt = with_position(owner, query, card_select(owner, query, at_));
        let Some(row) = self.browse.query_one_raw(inline_limits(self.db_backend().build(&stmt))).await.sql()? else {
            return Ok(None);
        };
        let image = convert::image(images::Model::from_query_result(&row, "").sql()?)?;
        Ok(Some((image, position_of(&row)?)))
    }

    async fn step(
        &self,
        telegram: TelegramUserId,
        query: &GalleryQuery,
        from: ImageId,
        older: bool,
    ) -> Result<Option<(User, Option<(ImageRecord, Position)>)>, StoreError> {
        let backend = self.db_backend();
        let values = StepValues { telegram, from, query: *query, older };
        let stmt = self.steps.statement(backend, values, |v| {
            inline_limits(backend.build(&step_statement(v.telegram, &v.query, v.from, v.older)))
        });
        let Some(row) = self.browse.query_one_raw(stmt).await.sql()? else {
            return Ok(None);
        };
        let user = convert::user(user_at(&row).sql()?)?;
        let Some(image) = image_at(&row, users::Column::iter().count()).sql()? else { return Ok(Some((user, None))) };
        Ok(Some((user, Some((convert::image(image)?, position_of(&row)?)))))
    }

    async fn toggle_favorite(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        let flipped = images::Entity::update_many()
            .col_expr(images::Column::Favorite, Expr::col(images::Column::Favorite).not())
            .filter(images::Column::Id.eq(id.0))
            .filter(images::Column::UserId.eq(owner.0))
            .exec_with_returning(&self.conn)
            .await
            .sql()?;
        flipped.into_iter().next().map(convert::image).transpose()
    }

    async fn get(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        images::Entity::find_by_id(id.0)
            .filter(images::Column::UserId.eq(owner.0))
            .one(&self.conn)
            .await
            .sql()?
            .map(convert::image)
            .transpose()
    }

    async fn of_job(&self, owner: UserId, job: JobId) -> Result<Vec<ImageRecord>, StoreError> {
        let mut images = images::Entity::find()
            .filter(images::Column::JobId.eq(job.0))
            .filter(images::Column::UserId.eq(owner.0))
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::image)
            .collect::<Result<Vec<_>, _>>()?;
        // storage keys end in the image's index within the job; compare them as bytes, not by
        // the database's collation
        images.sort_by(|a, b| a.object.key.as_str().cmp(b.object.key.as_str()));
        Ok(images)
    }

    async fn set_favorite(
        &self,
        owner: UserId,
        id: ImageId,
        favorite: bool,
    ) -> Result<Option<ImageRecord>, StoreError> {
        let result = images::Entity::update_many()
            .set(images::ActiveModel { favorite: Set(favorite), ..Default::default() })
            .filter(images::Column::Id.eq(id.0))
            .filter(images::Column::UserId.eq(owner.0))
            .exec(&self.conn)
            .await
            .sql()?;
        if result.rows_affected == 0 {
            return Ok(None);
        }
        Gallery::get(self, owner, id).await
    }

    async fn delete(&self, owner: UserId, id: ImageId) -> Result<Option<ImageRecord>, StoreError> {
        let deleted = images::Entity::delete_many()
            .filter(images::Column::Id.eq(id.0))
            .filter(images::Column::UserId.eq(owner.0))
            .exec_with_returning(&self.conn)
            .await
            .sql()?;
        deleted.into_iter().next().map(convert::image).transpose()
    }

    async fn set_file_id(&self, owner: UserId, id: ImageId, file_id: &str) -> Result<(), StoreError> {
        images::Entity::update_many()
            .set(images::ActiveModel { telegram_file_id: Set(Some(file_id.to_owned())), ..Default::default() })
            .filter(images::Column::Id.eq(id.0))
            .filter(images::Column::UserId.eq(owner.0))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(())
    }

    async fn counts(&self, owner: UserId, month_start: DateTime<Utc>) -> Result<GalleryCounts, StoreError> {
        let kind_is = |k: ImageKind| images::Column::Kind.eq(images::Kind(k));
        let row = images::Entity::find()
            .filter(images::Column::UserId.eq(owner.0))
            .select_only()
            .expr_as(Expr::cust("COUNT(*)"), "total")
            .expr_as(count_if(kind_is(ImageKind::Text)), "imagen")
            .expr_as(count_if(kind_is(ImageKind::AvatarPhoto)), "avatar_photos")
            .expr_as(count_if(images::Column::Favorite.eq(true)), "favorites")
            .expr_as(count_if(images::Column::CreatedAt.gte(truncate(month_start))), "this_month")
            .into_model::<CountsRow>()
            .one(&self.conn)
            .await
            .sql()?;
        let by_avatar: Vec<(String, i64)> = images::Entity::find()
            .filter(images::Column::UserId.eq(owner.0))
            .filter(images::Column::AvatarName.is_not_null())
            .select_only()
            .column(images::Column::AvatarName)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(images::Column::AvatarName)
            .into_tuple()
            .all(&self.conn)
            .await
            .sql()?;
        let row = row.ok_or_else(|| StoreError::internal("an aggregate returned no row"))?;
        // sorted here, not in SQL: ties go by the label's bytes whatever the database collation
        let mut by_avatar: Vec<(String, u64)> = by_avatar.into_iter().map(|(name, n)| (name, count(n))).collect();
        by_avatar.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(GalleryCounts {
            total: count(row.total),
            imagen: count(row.imagen),
            avatar_photos: count(row.avatar_photos),
            favorites: count(row.favorites),
            this_month: count(row.this_month),
            by_avatar,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::StepTemplates;
    use sea_orm::DbBackend;

    /// A step filled from its shape's template is, text and values, the statement built for it.
    #[test]
    fn a_step_from_its_template_is_the_statement_built_for_it() {
        let templates = StepTemplates::default();
        let at = |s: i64| DateTime::<Utc>::from_timestamp(1_790_000_000 + s, 123_456_789).unwrap();
        let mut checked = 0;
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            for kind in [None, Some(ImageKind::Text), Some(ImageKind::AvatarPhoto)] {
                for bits in 0..32u8 {
                    for round in 0..2u128 {
                        let query = GalleryQuery {
                            kind,
                            avatar: (bits & 1 != 0).then(|| aisha_domain::AvatarId(uuid::Uuid::from_u128(77 + round))),
                            favorites_only: bits & 2 != 0,
                            from: (bits & 4 != 0).then(|| at(i64::try_from(round).unwrap())),
                            until: (bits & 8 != 0).then(|| at(86_400)),
                        };
                        let v = StepValues {
                            telegram: TelegramUserId::new(1_000 + i64::try_from(round).unwrap()).unwrap(),
                            from: ImageId(uuid::Uuid::from_u128(5 + round)),
                            query,
                            older: bits & 16 != 0,
                        };
                        let build = |v: StepValues| {
                            inline_limits(backend.build(&step_statement(v.telegram, &v.query, v.from, v.older)))
                        };
                        let (filled, built) = (templates.statement(backend, v, build), build(v));
                        assert_eq!((filled.sql, filled.values), (built.sql, built.values), "{backend:?} {v:?}");
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 2 * 3 * 32 * 2);
    }
}
