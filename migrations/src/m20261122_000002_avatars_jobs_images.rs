//! Avatars and their training photos, generation jobs, and the gallery's images.

use crate::m20261122_000001_users_ledger::Users;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema as s;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Avatars {
    Table,
    Id,
    UserId,
    Name,
    Gender,
    Status,
    TriggerPhrase,
    IsMain,
    PhotoCount,
    LoraUrl,
    LoraConfigUrl,
    TrainingJobId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AvatarPhotos {
    Table,
    Id,
    AvatarId,
    UserId,
    Bucket,
    ObjectKey,
    Format,
    Bytes,
    Width,
    Height,
    Sha256,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Jobs {
    Table,
    Id,
    UserId,
    Kind,
    Spec,
    AvatarId,
    UnitPrice,
    Units,
    Total,
    Status,
    Delivered,
    Refunded,
    RequestId,
    ProviderModel,
    StatusUrl,
    ResponseUrl,
    CancelUrl,
    QueuePosition,
    CancelRequested,
    FailureKind,
    FailureDetail,
    StatusMessage,
    Attempts,
    NextAttemptAt,
    Deadline,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Images {
    Table,
    Id,
    UserId,
    JobId,
    Kind,
    Model,
    Prompt,
    Aspect,
    AvatarId,
    AvatarName,
    Bucket,
    ObjectKey,
    Format,
    Bytes,
    Width,
    Height,
    Favorite,
    TelegramFileId,
    CreatedAt,
}

fn fk(from: (DynIden, DynIden), to: (DynIden, DynIden), on_delete: ForeignKeyAction) -> ForeignKeyCreateStatement {
    let name = crate::fk_name(&from.0.to_string(), &from.1.to_string());
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

fn col<T: IntoIden>(t: T, c: impl IntoIden) -> (DynIden, DynIden) {
    (t.into_iden(), c.into_iden())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Avatars::Table)
                    .col(s::pk_uuid(Avatars::Id))
                    .col(s::uuid(Avatars::UserId))
                    .col(s::string_len(Avatars::Name, 160))
                    .col(s::string_len(Avatars::Gender, 8))
                    .col(s::string_len(Avatars::Status, 16))
                    .col(s::string_len(Avatars::TriggerPhrase, 64))
                    .col(s::boolean(Avatars::IsMain))
                    .col(s::integer(Avatars::PhotoCount).check(Expr::col(Avatars::PhotoCount).gte(0)))
                    .col(s::text_null(Avatars::LoraUrl))
                    .col(s::text_null(Avatars::LoraConfigUrl))
                    // not a foreign key: jobs point at avatars, so this one would make a cycle
                    .col(s::uuid_null(Avatars::TrainingJobId))
                    .col(s::timestamp_with_time_zone(Avatars::CreatedAt))
                    .col(s::timestamp_with_time_zone(Avatars::UpdatedAt))
                    .foreign_key(&mut fk(
                        col(Avatars::Table, Avatars::UserId),
                        col(Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("avatars_owner_newest")
                    .table(Avatars::Table)
                    .col(Avatars::UserId)
                    .col((Avatars::CreatedAt, IndexOrder::Desc))
                    .col((Avatars::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("avatars_one_main_per_user")
                    .table(Avatars::Table)
                    .col(Avatars::UserId)
                    .unique()
                    .and_where(Expr::col(Avatars::IsMain).eq(true))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvatarPhotos::Table)
                    .col(s::pk_uuid(AvatarPhotos::Id))
                    .col(s::uuid(AvatarPhotos::AvatarId))
                    .col(s::uuid(AvatarPhotos::UserId))
                    .col(s::string_len(AvatarPhotos::Bucket, 255))
                    .col(s::string_len(AvatarPhotos::ObjectKey, 1024))
                    .col(s::string_len(AvatarPhotos::Format, 8))
                    .col(s::big_integer(AvatarPhotos::Bytes))
                    .col(s::integer(AvatarPhotos::Width))
                    .col(s::integer(AvatarPhotos::Height))
                    .col(s::string_len(AvatarPhotos::Sha256, 64))
                    .col(s::timestamp_with_time_zone(AvatarPhotos::CreatedAt))
                    .foreign_key(&mut fk(
                        col(AvatarPhotos::Table, AvatarPhotos::AvatarId),
                        col(Avatars::Table, Avatars::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        col(AvatarPhotos::Table, AvatarPhotos::UserId),
                        col(Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("avatar_photos_unique_content")
                    .table(AvatarPhotos::Table)
                    .col(AvatarPhotos::AvatarId)
                    .col(AvatarPhotos::Sha256)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Jobs::Table)
                    .col(s::pk_uuid(Jobs::Id))
                    .col(s::uuid(Jobs::UserId))
                    .col(s::string_len(Jobs::Kind, 16))
                    .col(s::json_binary(Jobs::Spec))
                    .col(s::uuid_null(Jobs::AvatarId))
                    .col(s::big_integer(Jobs::UnitPrice).check(Expr::col(Jobs::UnitPrice).gte(0)))
                    .col(s::small_integer(Jobs::Units))
                    .col(s::big_integer(Jobs::Total).check(Expr::col(Jobs::Total).gte(0)))
                    .col(s::string_len(Jobs::Status, 16))
                    .col(s::small_integer(Jobs::Delivered))
                    .col(s::big_integer(Jobs::Refunded).check(Expr::col(Jobs::Refunded).gte(0)))
                    .col(s::string_len_null(Jobs::RequestId, 255))
                    .col(s::string_len_null(Jobs::ProviderModel, 255))
                    .col(s::text_null(Jobs::StatusUrl))
                    .col(s::text_null(Jobs::ResponseUrl))
                    .col(s::text_null(Jobs::CancelUrl))
                    .col(s::integer_null(Jobs::QueuePosition))
                    .col(s::boolean(Jobs::CancelRequested))
                    .col(s::string_len_null(Jobs::FailureKind, 32))
                    .col(s::text_null(Jobs::FailureDetail))
                    .col(s::integer_null(Jobs::StatusMessage))
                    .col(s::integer(Jobs::Attempts))
                    .col(s::timestamp_with_time_zone(Jobs::NextAttemptAt))
                    .col(s::timestamp_with_time_zone(Jobs::Deadline))
                    .col(s::timestamp_with_time_zone(Jobs::CreatedAt))
                    .col(s::timestamp_with_time_zone(Jobs::UpdatedAt))
                    .col(s::big_integer(Jobs::Version))
                    .foreign_key(&mut fk(
                        col(Jobs::Table, Jobs::UserId),
                        col(Users::Table, Users::Id),
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        col(Jobs::Table, Jobs::AvatarId),
                        col(Avatars::Table, Avatars::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("jobs_due", vec![Jobs::Status, Jobs::NextAttemptAt]),
            ("jobs_deadline", vec![Jobs::Status, Jobs::Deadline]),
            ("jobs_owner_status", vec![Jobs::UserId, Jobs::Status]),
            ("jobs_request_id", vec![Jobs::RequestId]),
            ("jobs_avatar", vec![Jobs::AvatarId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Jobs::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Images::Table)
                    .col(s::pk_uuid(Images::Id))
                    .col(s::uuid(Images::UserId))
                    // Not a foreign key either, for the same reason as `avatar_id` below: the
                    // port takes an image record naming any job (jobs are never deleted)
                    .col(s::uuid_null(Images::JobId))
                    .col(s::string_len(Images::Kind, 16))
                    .col(s::string_len(Images::Model, 128))
                    .col(s::text(Images::Prompt))
                    .col(s::string_len(Images::Aspect, 8))
                    // Not a foreign key: the Gallery port accepts an image labelled with any
                    // avatar id (the memory reference and the contract suite do), so deleting
                    // an avatar clears this column itself, in the same transaction
                    .col(s::uuid_null(Images::AvatarId))
                    .col(s::string_len_null(Images::AvatarName, 160))
                    .col(s::string_len(Images::Bucket, 255))
                    .col(s::string_len(Images::ObjectKey, 1024))
                    .col(s::string_len(Images::Format, 8))
                    .col(s::big_integer(Images::Bytes))
                    .col(s::integer(Images::Width))
                    .col(s::integer(Images::Height))
                    .col(s::boolean(Images::Favorite))
                    .col(s::string_len_null(Images::TelegramFileId, 255))
                    .col(s::timestamp_with_time_zone(Images::CreatedAt))
                    .foreign_key(&mut fk(
                        col(Images::Table, Images::UserId),
                        col(Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        let gallery_index = |name: &str, leading: &[Images]| {
            let mut index = Index::create();
            index.name(name).table(Images::Table);
            for c in leading {
                index.col(*c);
            }
            index.col((Images::CreatedAt, IndexOrder::Desc)).col((Images::Id, IndexOrder::Desc));
            index
        };
        manager.create_index(gallery_index("images_owner_newest", &[Images::UserId])).await?;
        manager.create_index(gallery_index("images_owner_kind_newest", &[Images::UserId, Images::Kind])).await?;
        manager.create_index(gallery_index("images_avatar_newest", &[Images::AvatarId, Images::UserId])).await?;
        manager
            .create_index(
                gallery_index("images_owner_favorites_newest", &[Images::UserId])
                    .and_where(Expr::col(Images::Favorite).eq(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("images_job").table(Images::Table).col(Images::JobId).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Images::Table.into_iden(),
            Jobs::Table.into_iden(),
            AvatarPhotos::Table.into_iden(),
            Avatars::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
