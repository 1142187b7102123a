//! `Users`: registration by Telegram id, profile refresh, settings, the blocked flag.

use crate::entity::{balances, users};
use crate::error::SqlResult;
use crate::{Db, convert};
use aisha_domain::UserId;
use aisha_domain::ports::{StoreError, Upserted, Users};
use aisha_domain::user::{Settings, User};
use aisha_domain::{TelegramUserId, truncate};
use async_trait::async_trait;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

#[async_trait]
impl Users for Db {
    async fn upsert(&self, candidate: User) -> Result<Upserted, StoreError> {
        let now = truncate(candidate.created_at.max(self.now()));
        let tx = self.begin().await?;
        // ON CONFLICT DO NOTHING: two first contacts racing both succeed, one of them creates
        let inserted = users::Entity::insert(convert::user_row(&candidate, now))
            .on_conflict(OnConflict::column(users::Column::TelegramId).do_nothing().to_owned())
            .exec_without_returning(&tx)
            .await
            .sql()?;
        let created = inserted == 1;
        if created {
            balances::Entity::insert(balances::ActiveModel { user_id: Set(candidate.id.0), coins: Set(0) })
                .exec_without_returning(&tx)
                .await
                .sql()?;
        } else {
            let p = &candidate.profile;
            users::Entity::update_many()
                .set(users::ActiveModel {
                    first_name: Set(p.first_name.clone()),
                    last_name: Set(p.last_name.clone()),
                    username: Set(p.username.clone()),
                    language_code: Set(p.language_code.clone()),
                    updated_at: Set(now),
                    ..Default::default()
                })
                .filter(users::Column::TelegramId.eq(p.telegram_id.get()))
                .exec(&tx)
                .await
                .sql()?;
        }
        let stored = users::Entity::find()
            .filter(users::Column::TelegramId.eq(candidate.profile.telegram_id.get()))
            .one(&tx)
            .await
            .sql()?
            .ok_or_else(|| StoreError::internal("user vanished during upsert"))?;
        tx.commit().await.sql()?;
        Ok(Upserted { user: convert::user(stored)?, created })
    }

    async fn get(&self, id: UserId) -> Result<Option<User>, StoreError> {
        users::Entity::find_by_id(id.0).one(&self.conn).await.sql()?.map(convert::user).transpose()
    }

    async fn by_telegram(&self, telegram_id: TelegramUserId) -> Result<Option<User>, StoreError> {
        users::Entity::find()
            .filter(users::Column::TelegramId.eq(telegram_id.get()))
            .one(&self.conn)
            .await
            .sql()?
            .map(convert::user)
            .transpose()
    }

    async fn update_settings(&self, id: UserId, settings: Settings) -> Result<bool, StoreError> {
        let result = users::Entity::update_many()
            .set(users::ActiveModel {
                language: Set(users::Language(settings.language)),
                timezone: Set(settings.timezone.name().to_owned()),
                default_aspect: Set(users::Aspect(settings.defaults.aspect)),
                default_count: Set(i16::from(settings.defaults.count.get())),
                default_model: Set(settings.defaults.model.as_str().to_owned()),
                quick_mode: Set(settings.quick_mode),
                translate_prompts: Set(settings.translate_prompts),
                updated_at: Set(self.now()),
                ..Default::default()
            })
            .filter(users::Column::Id.eq(id.0))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(result.rows_affected == 1)
    }

    async fn set_blocked(&self, id: UserId, blocked: bool) -> Result<bool, StoreError> {
        let result = users::Entity::update_many()
            .set(users::ActiveModel { blocked: Set(blocked), updated_at: Set(self.now()), ..Default::default() })
            .filter(users::Column::Id.eq(id.0))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(result.rows_affected == 1)
    }

    async fn list(&self, limit: u32) -> Result<Vec<User>, StoreError> {
        users::Entity::find()
            .order_by_desc(users::Column::CreatedAt)
            .order_by_desc(users::Column::Id)
            .limit(u64::from(limit))
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::user)
            .collect()
    }

    async fn count(&self) -> Result<u64, StoreError> {
        users::Entity::find().count(&self.conn).await.sql()
    }
}
