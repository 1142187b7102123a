//! The profiling runs of the press benchmark: `perf record` of a saturated run, and each bot
//! under callgrind for a fixed number of presses.

use super::{Bot, Options, Setup, presses};
use aisha_tests::standin::Mode;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `perf record` of the bot's process for one saturated run.
pub(super) async fn perf_run(bot: &Bot, o: &Options, dir: &std::path::Path) {
    let out = dir.join(format!("{}.perf.data", bot.name.replace(' ', "-")));
    bot.standin.start_run(Mode::Saturate);
    tokio::time::sleep(Duration::from_secs_f64(o.warmup)).await;
    let status = Command::new("perf")
        .args(["record", "-e", "cpu-clock", "-F", "999", "-g", "-p", &bot.pid().to_string(), "-o"])
        .arg(&out)
        .args(["--", "sleep", &o.secs.to_string()])
        .stdout(Stdio::null())
        .status();
    bot.standin.drain(Duration::from_secs(30)).await;
    println!("{}: perf record {:?} → {}", bot.name, status.map(|s| s.success()), out.display());
}

/// Each bot under callgrind: a warm-up, counters zeroed, `--count-presses` presses, a dump.
pub(super) async fn callgrind(setup: &Setup, o: &Options, dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("the callgrind directory");
    let valgrind = |name: &str| {
        vec![
            "valgrind".to_owned(),
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}/{name}.%p.out", dir.display()),
        ]
    };
    let script = dir.join("aisha-under-callgrind.sh");
    let line = format!("#!/bin/sh\nexec {} {} \"$@\"\n", valgrind("aisha").join(" "), o.bin.display());
    std::fs::write(&script, line).expect("the wrapper script");
    let _ = Command::new("chmod").arg("+x").arg(&script).status();
    let mut bots = vec![setup.start_aisha(&script, &setup.database_url, &setup.redis_url)];
    if let Some(bare) = &o.bare {
        bots.push(setup.start_bare(bare, &setup.database_url, &valgrind("teloxide-bare")));
    }
    for bot in bots {
        tokio::time::sleep(Duration::from_secs(5)).await;
        presses(&bot, 200).await;
        let pid = bot.pid().to_string();
        let _ = Command::new("callgrind_control").args(["-z", &pid]).status();
        let t = Instant::now();
        presses(&bot, o.count_presses).await;
        let _ = Command::new("callgrind_control").args(["-d", &pid]).status();
        println!("{}: {} presses under callgrind in {:.1} s", bot.name, o.count_presses, t.elapsed().as_secs_f64());
        bot.stop();
    }
}
