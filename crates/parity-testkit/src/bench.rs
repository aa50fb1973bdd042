//! Timing for the benchmarks (matrix, open, collect): several runs of one phase, their best and
//! median wall times next to the process's CPU time, and the load average they ran under — so a
//! figure taken on a shared machine says how noisy it was. Linux `/proc`; `None`/"unknown"
//! elsewhere.

use std::time::{Duration, Instant};

/// Timings of several runs of one phase: wall-clock times and the process's CPU time in all.
pub struct Runs {
    pub wall: Vec<Duration>,
    pub cpu: Option<Duration>,
}

impl Runs {
    pub fn best(&self) -> Duration {
        self.wall.iter().copied().min().unwrap_or_default()
    }

    pub fn median(&self) -> Duration {
        let mut w = self.wall.clone();
        w.sort();
        w.get(w.len() / 2).copied().unwrap_or_default()
    }

    /// CPU time per run in seconds (user + system, every thread).
    pub fn cpu_per_run(&self) -> Option<f64> {
        self.cpu.map(|c| c.as_secs_f64() / self.wall.len() as f64)
    }
}

/// The process's CPU time so far (user + system), from `/proc/self/stat`.
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux architecture the product ships for
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Runs `f` `runs` times (at least once); returns the timings and the last result. The previous
/// result is dropped before the next run, untimed, as a process would.
pub fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Runs, T) {
    let mut wall = Vec::with_capacity(runs);
    let mut last = None;
    let mut cpu = Some(Duration::ZERO);
    for _ in 0..runs.max(1) {
        drop(last.take());
        let cpu_start = cpu_time();
        let start = Instant::now();
        let out = f();
        wall.push(start.elapsed());
        cpu = cpu
            .zip(cpu_start.zip(cpu_time()))
            .map(|(sum, (s, e))| sum + e.saturating_sub(s));
        last = Some(out);
    }
    (Runs { wall, cpu }, last.expect("at least one run"))
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
