//! sea-orm entities: the tables as `aisha-migrations` creates them, column for column and type
//! for type (`tests/schema.rs` compares them with the migrated database on both backends).
//! Private to this crate; the port implementations convert to and from domain types at the
//! edge. A text column that holds a domain enum has its own value type (`jobs::Status`, …,
//! made by `stored::column!`), so a row is read into the domain's value or not at all.

pub mod users {
    use sea_orm::entity::prelude::*;

    crate::stored::column!(Language(aisha_domain::user::Language) = "users.language");
    crate::stored::column!(Aspect(aisha_domain::AspectRatio) = "users.default_aspect");

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub telegram_id: i64,
        #[sea_orm(column_type = "String(StringLen::N(256))")]
        pub first_name: String,
        #[sea_orm(column_type = "String(StringLen::N(256))")]
        pub last_name: Option<String>,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub username: Option<String>,
        #[sea_orm(column_type = "String(StringLen::N(16))")]
        pub language_code: Option<String>,
        #[sea_orm(column_type = "String(StringLen::N(8))")]
        pub language: Language,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub timezone: String,
        #[sea_orm(column_type = "String(StringLen::N(8))")]
        pub default_aspect: Aspect,
        pub default_count: i16,
        #[sea_orm(column_type = "String(StringLen::N(32))")]
        pub default_model: String,
        pub quick_mode: bool,
        pub translate_prompts: bool,
        pub blocked: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod balances {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "balances")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub coins: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod ledger_entries {
    use sea_orm::entity::prelude::*;

    crate::stored::column!(Kind(aisha_domain::ledger::LedgerKind) = "ledger_entries.kind");

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub amount: i64,
        #[sea_orm(column_type = "String(StringLen::N(32))")]
        pub kind: Kind,
        #[sea_orm(column_type = "JsonBinary")]
        pub reason: Json,
        #[sea_orm(unique, column_type = "String(StringLen::N(255))")]
        pub idempotency_key: String,
        pub balance_after: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod avatars {
    use sea_orm::entity::prelude::*;

    crate::stored::column!(Gender(aisha_domain::avatar::Gender) = "avatars.gender");
    crate::stored::column!(Status(aisha_domain::avatar::AvatarStatus) = "avatars.status");

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "avatars")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(160))")]
        pub name: String,
        #[sea_orm(column_type = "String(StringLen::N(8))")]
        pub gender: Gender,
        #[sea_orm(column_type = "String(StringLen::N(16))")]
        pub status: Status,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub trigger_phrase: String,
        pub is_main: bool,
        pub photo_count: i32,
        #[sea_orm(column_type = "Text")]
        pub lora_url: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub lora_config_url: Option<String>,
        #[sea_orm(column_type = "String(StringLen::N(1024))")]
        pub lora_key: Option<String>,
        pub lora_refreshed_at: Option<DateTimeUtc>,
        pub training_job_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod avatar_photos {
    use sea_orm::entity::prelude::*;

    crate::stored::column!(Format(aisha_domain::media::ImageFormat) = "avatar_photos.format");

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "avatar_photos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub avatar_id: Uuid,
        pub user_id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub bucket: String,
        #[sea_orm(column_type = "String(StringLen::N(1024))")]
        pub object_key: String,
        #[sea_orm(column_type = "String(StringLen::N(8))")]
        pub format: Format,
        pub bytes: i64,
        pub width: i32,
        pub height: i32,
        #[sea_orm(column_type = "String(StringLen::N(64))")]
        pub sha256: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod jobs {
    use sea_orm::entity::prelude::*;

    crate::stored::column!(Kind(aisha_domain::JobKind) = "jobs.kind");
    crate::stored::column!(Status(aisha_domain::JobStatus) = "jobs.status");
    crate::stored::column!(FailureKind(aisha_domain::generation::FailureKind) = "jobs.failure_kind");

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        #[sea_orm(column_type = "String(StringLen::N(16))")]
        pub kind: Kind,
        #[sea_orm(column_type = "JsonBinary")]
        pub spec: Json,
        pub avatar_id: Option<Uuid>,
        pub unit_price: i64,
        pub units: i16,
        pub total: i64,
        #[sea_orm(column_type = "String(StringLen::N(16))")]
        pub status: Status,
        pub delivered: i16,
        pub refunded: i64,
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub request_id: Option<String>,
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub provider_model: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub status_url: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub response_url: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub cancel_url: Option<String>,
        pub queue_position: Option<i32>,
        pub cancel_requested: bool,
        #[sea_orm(column_type = "String(StringLen::N(32))")]
        pub failure_kind: Option<FailureKind>,
        #[sea_orm(column_type = "Text")]
        pub failure_detail: Option<String>,
        pub status_message: Option<i32>,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        /// Until when the worker that claimed the job holds it; NULL when nobody does.
        pub leased_until: Option<DateTimeUtc>,
        pub deadline: DateTimeUtc,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub version: i64,
        /// When the outcome reached the owner; NULL while the job runs and until it is told.
        pub outcome_sent_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod images {
    use sea_orm::entity::prelude::*;

    crate::stored::column!(Kind(aisha_domain::gallery::ImageKind) = "images.kind");
    crate::stored::column!(Aspect(aisha_domain::AspectRatio) = "images.aspect");
    crate::stored::column!(Format(aisha_domain::media::ImageFormat) = "images.format");

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "images")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub job_id: Option<Uuid>,
        #[sea_orm(column_type = "String(StringLen::N(16))")]
        pub kind: Kind,
        #[sea_orm(column_type = "String(StringLen::N(128))")]
        pub model: String,
        #[sea_orm(column_type = "Text")]
        pub prompt: String,
        #[sea_orm(column_type = "String(StringLen::N(8))")]
        pub aspect: Aspect,
        pub avatar_id: Option<Uuid>,
        #[sea_orm(column_type = "String(StringLen::N(160))")]
        pub avatar_name: Option<String>,
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub bucket: String,
        #[sea_orm(column_type = "String(StringLen::N(1024))")]
        pub object_key: String,
        #[sea_orm(column_type = "String(StringLen::N(8))")]
        pub format: Format,
        pub bytes: i64,
        pub width: i32,
        pub height: i32,
        pub favorite: bool,
        #[sea_orm(column_type = "String(StringLen::N(255))")]
        pub telegram_file_id: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod stars_payments {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "stars_payments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique, column_type = "String(StringLen::N(255))")]
        pub charge_id: String,
        pub user_id: Uuid,
        pub telegram_id: i64,
        #[sea_orm(column_type = "Text")]
        pub payload: String,
        pub stars: i64,
        pub coins: i64,
        pub needs_attention: bool,
        pub refunded_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub refund_requested_at: Option<DateTimeUtc>,
        pub refund_confirmed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod promo_codes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "promo_codes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique, column_type = "String(StringLen::N(64))")]
        pub code: String,
        pub coins: i64,
        pub max_uses: Option<i32>,
        pub per_user: i32,
        pub valid_from: Option<DateTimeUtc>,
        pub valid_until: Option<DateTimeUtc>,
        pub active: bool,
        pub uses: i32,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod promo_redemptions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "promo_redemptions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub promo_id: Uuid,
        pub user_id: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod sessions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false, column_type = "String(StringLen::N(128))")]
        pub key: String,
        #[sea_orm(column_type = "Text")]
        pub value: String,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
