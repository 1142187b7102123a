//! The proof harness. [`Emulators`] runs the Telegram Bot API and FAL emulators inside the test
//! process, so they outlive the app; [`Backend`] is SQLite + a local directory, or PostgreSQL,
//! Redis and S3 when `AISHA_TEST_DATABASE_URL`, `AISHA_TEST_REDIS_URL` and `AISHA_TEST_S3_*`
//! are set (a set variable whose server does not answer fails the test); [`AppProcess`] is the
//! real `aisha` binary wired to both, which a test can SIGKILL and start again; [`Chat`] is a
//! scripted user.

pub mod app;
pub mod backend;
pub mod chat;
pub mod counting;
pub mod measure;
pub mod proxy;
pub mod redis_server;
pub mod seed;
pub mod standin;

pub use app::{AppProcess, Emulators};
pub use backend::Backend;
pub use chat::Chat;
pub use proxy::TcpProxy;
pub use redis_server::RedisServer;
