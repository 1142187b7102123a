//! `Avatars`: creation, rename (relabelling the images made with the avatar), the one main
//! avatar per user, deletion, and training photos with their count and duplicate rules.

use crate::entity::{avatar_photos, avatars, images};
use crate::error::{SqlResult, TxFail};
use crate::{Db, convert};
use aisha_domain::avatar::{Avatar, AvatarPhoto, AvatarStatus, Lora, PhotoRejection, PhotoRules, next_main};
use aisha_domain::ports::{AddPhoto, Avatars, DeleteAvatar, RemovePhoto, SetMain, StoreError};
use aisha_domain::{AvatarId, AvatarName, PhotoId, UserId, truncate};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

async fn find(db: &impl ConnectionTrait, owner: UserId, id: AvatarId) -> Result<Option<Avatar>, StoreError> {
    avatars::Entity::find_by_id(id.0)
        .filter(avatars::Column::UserId.eq(owner.0))
        .one(db)
        .await
        .sql()?
        .map(convert::avatar)
        .transpose()
}

/// The user's avatar, locked until the transaction ends (its state changes with the
/// transaction: a photo added, a training started or ended).
pub(crate) async fn find_locked(
    tx: &DatabaseTransaction,
    owner: UserId,
    id: AvatarId,
) -> Result<Option<Avatar>, StoreError> {
    avatars::Entity::find_by_id(id.0)
        .filter(avatars::Column::UserId.eq(owner.0))
        .lock_exclusive()
        .one(tx)
        .await
        .sql()?
        .map(convert::avatar)
        .transpose()
}

/// All of the owner's avatars, newest first, locked on PostgreSQL: changes to which one is
/// main are serialised per user, so the partial unique index never sees two.
async fn all_locked(tx: &DatabaseTransaction, owner: UserId) -> Result<Vec<Avatar>, StoreError> {
    avatars::Entity::find()
        .filter(avatars::Column::UserId.eq(owner.0))
        .order_by_desc(avatars::Column::CreatedAt)
        .order_by_desc(avatars::Column::Id)
        .lock_exclusive()
        .all(tx)
        .await
        .sql()?
        .into_iter()
        .map(convert::avatar)
        .collect()
}

async fn set_photo_count(tx: &DatabaseTransaction, id: AvatarId, count: u32) -> Result<(), StoreError> {
    avatars::Entity::update_many()
        .set(avatars::ActiveModel { photo_count: Set(convert::narrow(count, "photo count")?), ..Default::default() })
        .filter(avatars::Column::Id.eq(id.0))
        .exec(tx)
        .await
        .sql()?;
    Ok(())
}

async fn mark_main(tx: &DatabaseTransaction, owner: UserId, main: Option<AvatarId>) -> Result<(), StoreError> {
    // clear first: the partial unique index allows one `is_main` row per user at any moment
    let mut clear = avatars::Entity::update_many()
        .set(avatars::ActiveModel { is_main: Set(false), ..Default::default() })
        .filter(avatars::Column::UserId.eq(owner.0))
        .filter(avatars::Column::IsMain.eq(true));
    if let Some(id) = main {
        clear = clear.filter(avatars::Column::Id.ne(id.0));
    }
    clear.exec(tx).await.sql()?;
    if let Some(id) = main {
        avatars::Entity::update_many()
            .set(avatars::ActiveModel { is_main: Set(true), ..Default::default() })
            .filter(avatars::Column::Id.eq(id.0))
            .exec(tx)
            .await
            .sql()?;
    }
    Ok(())
}

impl Db {
    async fn add_photo_tx(&self, photo: &AvatarPhoto, rules: &PhotoRules) -> Result<AddPhoto, TxFail<StoreError>> {
        let tx = self.begin().await?;
        let Some(avatar) = find_locked(&tx, photo.owner, photo.avatar).await? else {
            return Ok(AddPhoto::AvatarNotFound);
        };
        if !avatar.accepts_photos() {
            return Ok(AddPhoto::Rejected(PhotoRejection::NotAccepting));
        }
        let duplicate = avatar_photos::Entity::find()
            .filter(avatar_photos::Column::AvatarId.eq(photo.avatar.0))
            .filter(avatar_photos::Column::Sha256.eq(photo.sha256.as_str()))
            .one(&tx)
            .await?;
        if duplicate.is_some() {
            return Ok(AddPhoto::Rejected(PhotoRejection::Duplicate));
        }
        if avatar.photo_count >= rules.max_photos {
            return Ok(AddPhoto::Rejected(PhotoRejection::AvatarFull { max: rules.max_photos }));
        }
        avatar_photos::Entity::insert(convert::photo_row(photo)?).exec_without_returning(&tx).await?;
        let count = avatar.photo_count + 1;
        set_photo_count(&tx, avatar.id, count).await?;
        tx.commit().await.sql()?;
        Ok(AddPhoto::Added { count })
    }
}

#[async_trait]
impl Avatars for Db {
    async fn create(&self, avatar: &Avatar) -> Result<(), StoreError> {
        avatars::Entity::insert(convert::avatar_row(avatar)?).exec_without_returning(&self.conn).await.sql()?;
        Ok(())
    }

    async fn get(&self, owner: UserId, id: AvatarId) -> Result<Option<Avatar>, StoreError> {
        find(&self.conn, owner, id).await
    }

    async fn list(&self, owner: UserId) -> Result<Vec<Avatar>, StoreError> {
        avatars::Entity::find()
            .filter(avatars::Column::UserId.eq(owner.0))
            .order_by_desc(avatars::Column::CreatedAt)
            .order_by_desc(avatars::Column::Id)
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::avatar)
            .collect()
    }

    async fn refresh_lora(&self, owner: UserId, id: AvatarId, lora: &Lora) -> Result<bool, StoreError> {
        let updated = avatars::Entity::update_many()
            .set(crate::convert::lora_columns(Some(lora), avatars::ActiveModel::default()))
            .filter(avatars::Column::Id.eq(id.0))
            .filter(avatars::Column::UserId.eq(owner.0))
            .filter(avatars::Column::Status.eq(avatars::Status(AvatarStatus::Ready)))
            .exec(&self.conn)
            .await
            .sql()?;
        Ok(updated.rows_affected == 1)
    }

    async fn rename(
        &self,
        owner: UserId,
        id: AvatarId,
        name: &AvatarName,
        now: DateTime<Utc>,
    ) -> Result<Option<Avatar>, StoreError> {
        let tx = self.begin().await?;
        let renamed = avatars::Entity::update_many()
            .set(avatars::ActiveModel {
                name: Set(name.as_str().to_owned()),
                updated_at: Set(truncate(now)),
                ..Default::default()
            })
            .filter(avatars::Column::Id.eq(id.0))
            .filter(avatars::Column::UserId.eq(owner.0))
            .exec(&tx)
            .await
            .sql()?;
        if renamed.rows_affected == 0 {
            return Ok(None);
        }
        images::Entity::update_many()
            .set(images::ActiveModel { avatar_name: Set(Some(name.as_str().to_owned())), ..Default::default() })
            .filter(images::Column::AvatarId.eq(id.0))
            .filter(images::Column::UserId.eq(owner.0))
            .exec(&tx)
            .await
            .sql()?;
        let avatar = find(&tx, owner, id).await?;
        tx.commit().await.sql()?;
        Ok(avatar)
    }

    async fn set_main(&self, owner: UserId, id: AvatarId) -> Result<SetMain, StoreError> {
        let tx = self.begin().await?;
        let all = all_locked(&tx, owner).await?;
        let Some(mut target) = all.into_iter().find(|a| a.id == id) else {
            return Ok(SetMain::NotFound);
        };
        if !target.is_usable() {
            return Ok(SetMain::NotUsable);
        }
        mark_main(&tx, owner, Some(id)).await?;
        tx.commit().await.sql()?;
        target.is_main = true;
        Ok(SetMain::Done(target))
    }

    async fn delete(&self, owner: UserId, id: AvatarId) -> Result<DeleteAvatar, StoreError> {
        let tx = self.begin().await?;
        let all = all_locked(&tx, owner).await?;
        let Some(avatar) = all.iter().find(|a| a.id == id).cloned() else {
            return Ok(DeleteAvatar::NotFound);
        };
        if avatar.status == AvatarStatus::Training {
            return Ok(DeleteAvatar::Busy);
        }
        let photos = avatar_photos::Entity::find()
            .filter(avatar_photos::Column::AvatarId.eq(id.0))
            .order_by_asc(avatar_photos::Column::CreatedAt)
            .order_by_asc(avatar_photos::Column::Id)
            .all(&tx)
            .await
            .sql()?
            .into_iter()
            .map(convert::photo)
            .collect::<Result<Vec<_>, _>>()?;
        // images stay, labelled with `avatar_name` (see the migration for why this is not
        // an ON DELETE SET NULL); photos go with it (ON DELETE CASCADE), and jobs keep their
        // rows with avatar_id set to NULL (ON DELETE SET NULL)
        images::Entity::update_many()
            .set(images::ActiveModel { avatar_id: Set(None), ..Default::default() })
            .filter(images::Column::AvatarId.eq(id.0))
            .filter(images::Column::UserId.eq(owner.0))
            .exec(&tx)
            .await
            .sql()?;
        avatars::Entity::delete_by_id(id.0).exec(&tx).await.sql()?;
        if avatar.is_main {
            let next = next_main(all.iter().filter(|a| a.id != id));
            mark_main(&tx, owner, next).await?;
        }
        tx.commit().await.sql()?;
        Ok(DeleteAvatar::Deleted { avatar, photos })
    }

    async fn add_photo(&self, photo: &AvatarPhoto, rules: &PhotoRules) -> Result<AddPhoto, StoreError> {
        match self.add_photo_tx(photo, rules).await {
            Ok(added) => Ok(added),
            // the same content added concurrently: the unique (avatar, sha256) index decided
            Err(TxFail::Duplicate(_)) => Ok(AddPhoto::Rejected(PhotoRejection::Duplicate)),
            Err(TxFail::Err(e)) => Err(e),
        }
    }

    async fn photos(&self, owner: UserId, avatar: AvatarId) -> Result<Vec<AvatarPhoto>, StoreError> {
        avatar_photos::Entity::find()
            .filter(avatar_photos::Column::AvatarId.eq(avatar.0))
            .filter(avatar_photos::Column::UserId.eq(owner.0))
            .order_by_asc(avatar_photos::Column::CreatedAt)
            .order_by_asc(avatar_photos::Column::Id)
            .all(&self.conn)
            .await
            .sql()?
            .into_iter()
            .map(convert::photo)
            .collect()
    }

    async fn remove_photo(&self, owner: UserId, avatar: AvatarId, photo: PhotoId) -> Result<RemovePhoto, StoreError> {
        let tx = self.begin().await?;
        let Some(a) = find_locked(&tx, owner, avatar).await? else {
            return Ok(RemovePhoto::NotFound);
        };
        if !a.accepts_photos() {
            return Ok(RemovePhoto::NotAccepting);
        }
        let Some(row) = avatar_photos::Entity::find_by_id(photo.0)
            .filter(avatar_photos::Column::AvatarId.eq(avatar.0))
            .one(&tx)
            .await
            .sql()?
        else {
            return Ok(RemovePhoto::NotFound);
        };
        avatar_photos::Entity::delete_by_id(photo.0).exec(&tx).await.sql()?;
        let count = a.photo_count.saturating_sub(1);
        set_photo_count(&tx, a.id, count).await?;
        tx.commit().await.sql()?;
        Ok(RemovePhoto::Removed { photo: convert::photo(row)?, count })
    }
}
