//! `Gallery`: one card at a time, keyset over `(created_at, id)` newest first, under the
//! user's filter. No OFFSET anywhere: the n-th card costs what the first does.

use crate::entity::images;
use crate::error::SqlResult;
use crate::ledger::sum_as_bigint;
use crate::{Db, convert};
use aisha_domain::gallery::{CardAt, Cursor, GalleryCounts, GalleryQuery, ImageKind, ImageRecord, Position};
use aisha_domain::ports::{Gallery, StoreError};
use aisha_domain::{ImageId, JobId, UserId, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Select};

/// The owner's images matching `query`; the same predicate as `GalleryQuery::matches`.
fn matching(owner: UserId, query: &GalleryQuery) -> Select<images::Entity> {
    let mut select = images::Entity::find().filter(images::Column::UserId.eq(owner.0));
    if let Some(kind) = query.kind {
        select = select.filter(images::Column::Kind.eq(kind.as_str()));
    }
    if let Some(avatar) = query.avatar {
        select = select.filter(images::Column::AvatarId.eq(avatar.0));
    }
    if query.favorites_only {
        select = select.filter(images::Column::Favorite.eq(true));
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

fn count_if(cond: SimpleExpr) -> Expr {
    sum_as_bigint(Expr::case(cond, Expr::val(1i64)).finally(Expr::val(0i64)).into())
}

#[derive(FromQueryResult)]
struct PositionRow {
    newer_or_equal: i64,
    total: i64,
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
        let select = match at_ {
            CardAt::Newest => newest_first(matching(owner, query)),
            CardAt::Exact(c) => matching(owner, query)
                .filter(images::Column::Id.eq(c.id.0))
                .filter(images::Column::CreatedAt.eq(truncate(c.created_at))),
            CardAt::Older(c) => newest_first(matching(owner, query).filter(key().lt(at(&c)))),
            CardAt::Newer(c) => matching(owner, query)
                .filter(key().gt(at(&c)))
                .order_by_asc(images::Column::CreatedAt)
                .order_by_asc(images::Column::Id),
        };
        select.limit(1).one(&self.conn).await.sql()?.map(convert::image).transpose()
    }

    async fn position(&self, owner: UserId, query: &GalleryQuery, cursor: Cursor) -> Result<Position, StoreError> {
        // one pass over the filter's index range answers both numbers
        let row = matching(owner, query)
            .select_only()
            .expr_as(count_if(key().gte(at(&cursor))), "newer_or_equal")
            .expr_as(Expr::cust("COUNT(*)"), "total")
            .into_model::<PositionRow>()
            .one(&self.conn)
            .await
            .sql()?;
        Ok(row.map_or(Position { index: 0, total: 0 }, |r| Position {
            index: count(r.newer_or_equal),
            total: count(r.total),
        }))
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
        let kind_is = |k: ImageKind| images::Column::Kind.eq(k.as_str());
        let row = images::Entity::find()
            .filter(images::Column::UserId.eq(owner.0))
            .select_only()
            .expr_as(Expr::cust("COUNT(*)"), "total")
            .expr_as(count_if(kind_is(ImageKind::Imagen)), "imagen")
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
        let row = row.ok_or_else(|| StoreError::Internal("an aggregate returned no row".into()))?;
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
