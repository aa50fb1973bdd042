//! A real moto server (`moto_server` from the venv at `$ENVPARITY_VENV`, default
//! `/root/.cache/envparity/venv`) on a free 127.0.0.1 port, killed on drop, and seeding through
//! boto3 from the same venv (`seed.py`, beside this crate's manifest).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python venv with `moto[server]` and boto3.
pub fn venv() -> PathBuf {
    std::env::var_os("ENVPARITY_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root/.cache/envparity/venv"))
}

/// The venv's Python interpreter.
pub fn python() -> PathBuf {
    venv().join("bin/python")
}

/// `seed.py`: seeds scenarios through boto3 and prints the ids as JSON.
pub fn seed_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seed.py")
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// A running moto server; killed (and reaped) on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    pub fn start() -> Moto {
        let bin = venv().join("bin/moto_server");
        let port = free_port();
        let mut child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} (set ENVPARITY_VENV to a venv with moto[server]): {e}",
                    bin.display()
                )
            });
        // Readiness: poll until the server answers HTTP, for at most 30 s.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("moto status") {
                panic!("moto_server exited early: {status}");
            }
            if answers_http(port) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not answer on port {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto { child, port }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// CPU time (user + system) the server has used so far, from `/proc/PID/stat` (Linux; clock
    /// ticks of USER_HZ = 100). `None` elsewhere.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i - 3)?.parse::<f64>().ok();
        Some((ticks(14)? + ticks(15)?) / 100.0)
    }

    /// Runs `seed.py ENDPOINT ARGS…` and returns its JSON output.
    pub fn seed(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(python())
            .arg(seed_script())
            .arg(self.endpoint())
            .args(args)
            .output()
            .expect("run seed.py");
        assert!(
            out.status.success(),
            "seed.py {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("seed.py prints JSON")
    }
}

fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/data.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
