//! Gallery navigation cost in the bot crate: decode → query → render → reply, over the memory
//! adapters. Run: `cargo run --release -p aisha-bot --example nav-bench`.
//!
//! One user with 200 images (the memory store scans linearly, so a small gallery keeps the
//! adapter out of the figure); each measured event is an "older" or "newer" press on the card,
//! timed individually (one thread, no I/O: wall time is CPU time unless the
//! scheduler preempts it), plus the process's total CPU over the run divided by the events.

use aisha_bot::callback::Cb;
use aisha_bot::io::{ChatId, Event, FetchError, Files, MessageId, Update};
use aisha_bot::{Bot, BotConfig};
use aisha_domain::TelegramUserId;
use aisha_domain::gallery::ImageKind;
use aisha_domain::services::{Env, Ports, Rules, Services};
use aisha_domain::user::Profile;
use aisha_memory::{
    ManualClock, MemoryImageStore, MemorySessions, MemoryStore, RecordingNotifier, ScriptedGenerator, SeqIds,
};
use std::sync::Arc;
use std::time::Duration;

struct NoFiles;

#[async_trait::async_trait]
impl Files for NoFiles {
    async fn fetch(&self, _: &str, _: u64) -> Result<Vec<u8>, FetchError> {
        Err(FetchError::Unavailable("benchmark".into()))
    }
}

/// The process's CPU time (user + system) from /proc, in clock ticks of 10 ms: read around the
/// whole run, it gives the mean CPU per event independent of other load on the machine.
fn process_cpu() -> Duration {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = s.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|i| fields.get(*i)?.parse::<u64>().ok()).sum();
    Duration::from_millis(ticks * 10)
}

fn main() {
    let clock = Arc::new(ManualClock::default());
    let env = Env { clock: clock.clone(), ids: Arc::new(SeqIds::default()) };
    let store = Arc::new(MemoryStore::new());
    let images = Arc::new(MemoryImageStore::default());
    let sessions = Arc::new(MemorySessions::new(clock.clone()));
    let ports = Ports::over(
        store.clone(),
        sessions.clone(),
        images.clone(),
        Arc::new(ScriptedGenerator::new()),
        Arc::new(RecordingNotifier::default()),
    );
    let rules = Rules { gallery_session: Duration::from_secs(3600), ..Rules::default() };
    let bot = Bot::new(Services::assemble(&ports, &env, &rules), &ports, Arc::new(NoFiles), None, BotConfig::default());
    let profile = Profile {
        telegram_id: TelegramUserId::new(1).unwrap(),
        first_name: "Bench".into(),
        last_name: None,
        username: None,
        language_code: Some("ru".into()),
    };
    use futures::executor::block_on as block;
    let user = block(bot.accounts.register(profile.clone())).unwrap().user;
    let now = aisha_domain::Clock::now(&*clock);
    let seed: Vec<_> = (0..200)
        .map(|i| {
            aisha_contract::fixtures::image(
                user.id,
                None,
                if i % 3 == 0 { ImageKind::AvatarPhoto } else { ImageKind::Text },
                now - chrono::Duration::minutes(i),
            )
        })
        .collect();
    block(aisha_contract::gallery::insert(aisha_contract::Stores::of(&*store), &user, &seed, now));

    let press = |cb: Cb, n: i64| Update {
        id: n,
        from: profile.clone(),
        event: Event::Callback {
            chat: ChatId(1),
            message: Some(MessageId(5)),
            query_id: "q".into(),
            data: cb.encode(),
        },
    };
    block(bot.handle(press(Cb::Gallery, 0)));
    const EVENTS: i64 = 20_000;
    let mut samples = Vec::with_capacity(EVENTS as usize);
    let cpu0 = process_cpu();
    for n in 0..EVENTS {
        let cb = if (n / 50) % 2 == 0 { Cb::Older } else { Cb::Newer };
        let update = press(cb, n + 1);
        let t0 = std::time::Instant::now();
        let out = block(bot.handle(update));
        samples.push(t0.elapsed());
        assert!(out.len() >= 2, "an answer and an edited card");
    }
    let cpu = process_cpu() - cpu0;
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!("gallery navigation, 200 images, memory adapters, {} events", samples.len());
    println!("per event (single thread, wall clock): median {:?}, p90 {:?}, p99 {:?}", pct(0.5), pct(0.9), pct(0.99));
    println!("process CPU per event (mean over the run): {:?}", cpu / EVENTS as u32);
}
