//! sea-orm entities: the tables as `aisha-migrations` creates them. Private to this crate;
//! the port implementations convert to and from domain types at the edge.

pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub telegram_id: i64,
        pub first_name: String,
        pub last_name: Option<String>,
        pub username: Option<String>,
        pub language_code: Option<String>,
        pub language: String,
        pub timezone: String,
        pub default_aspect: String,
        pub default_count: i16,
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

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "ledger_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub amount: i64,
        pub kind: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub reason: Json,
        #[sea_orm(unique)]
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

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "avatars")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub name: String,
        pub gender: String,
        pub status: String,
        pub trigger_phrase: String,
        pub is_main: bool,
        pub photo_count: i32,
        pub lora_url: Option<String>,
        pub lora_config_url: Option<String>,
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

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "avatar_photos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub avatar_id: Uuid,
        pub user_id: Uuid,
        pub bucket: String,
        pub object_key: String,
        pub format: String,
        pub bytes: i64,
        pub width: i32,
        pub height: i32,
        pub sha256: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod jobs {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        #[sea_orm(column_type = "JsonBinary")]
        pub spec: Json,
        pub avatar_id: Option<Uuid>,
        pub unit_price: i64,
        pub units: i16,
        pub total: i64,
        pub status: String,
        pub delivered: i16,
        pub refunded: i64,
        pub request_id: Option<String>,
        pub provider_model: Option<String>,
        pub status_url: Option<String>,
        pub response_url: Option<String>,
        pub cancel_url: Option<String>,
        pub queue_position: Option<i32>,
        pub cancel_requested: bool,
        pub failure_kind: Option<String>,
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

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "images")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub job_id: Option<Uuid>,
        pub kind: String,
        pub model: String,
        #[sea_orm(column_type = "Text")]
        pub prompt: String,
        pub aspect: String,
        pub avatar_id: Option<Uuid>,
        pub avatar_name: Option<String>,
        pub bucket: String,
        pub object_key: String,
        pub format: String,
        pub bytes: i64,
        pub width: i32,
        pub height: i32,
        pub favorite: bool,
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
        #[sea_orm(unique)]
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
        #[sea_orm(unique)]
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
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        #[sea_orm(column_type = "Text")]
        pub value: String,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
