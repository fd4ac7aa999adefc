//! A throwaway PostgreSQL for the materialization tests: `FLOWCTL_TEST_PG`
//! (a connection URI) when set, else a cluster of Debian's `postgresql`
//! package started on a free port in a temporary directory and stopped (and
//! deleted) when the [`Cluster`] drops. `initdb` and `pg_ctl` refuse to run as
//! root, so as root they run as the `postgres` user (`runuser`), which owns
//! the directory. `None` (with the reason printed) when the binaries are
//! missing: tests then skip their PostgreSQL half.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running PostgreSQL (ours or the one `FLOWCTL_TEST_PG` names).
pub struct Cluster {
    /// `postgresql://postgres@127.0.0.1:<port>/postgres`.
    pub uri: String,
    bin: Option<PathBuf>,
    dir: Option<PathBuf>,
    port: u16,
}

/// The directory of `initdb` and `pg_ctl`.
fn bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .collect();
    candidates.sort();
    candidates.reverse();
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path));
    }
    candidates
        .into_iter()
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// Runs a server binary, as `postgres` when we are root.
fn server_command(bin: &Path, program: &str) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(bin.join(program));
        command
    } else {
        Command::new(bin.join(program))
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl Cluster {
    /// The PostgreSQL to test against, or `None` with the reason printed.
    pub fn start() -> Option<Cluster> {
        if let Ok(uri) = std::env::var("FLOWCTL_TEST_PG") {
            return Some(Cluster {
                uri,
                bin: None,
                dir: None,
                port: 0,
            });
        }
        let Some(bin) = bin_dir() else {
            eprintln!(
                "skipping the PostgreSQL half: no initdb/pg_ctl (install Debian's postgresql, or set FLOWCTL_TEST_PG)"
            );
            return None;
        };
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "flowctl-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        if is_root() {
            let status = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .expect("chown runs");
            assert!(status.success(), "chown postgres {}", dir.display());
        }
        let data = dir.join("data");
        let output = server_command(&bin, "initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .expect("initdb runs");
        assert!(
            output.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let port = free_port();
        let mut cluster = Cluster {
            uri: format!("postgresql://postgres@127.0.0.1:{port}/postgres"),
            bin: Some(bin),
            dir: Some(dir),
            port,
        };
        cluster.resume();
        Some(cluster)
    }

    /// Stops the server (a database going away); [`Cluster::resume`] starts it again.
    pub fn pause(&mut self) {
        let (Some(bin), Some(dir)) = (&self.bin, &self.dir) else {
            panic!("cannot stop the FLOWCTL_TEST_PG database");
        };
        let status = server_command(bin, "pg_ctl")
            .args(["stop", "-m", "fast", "-w", "-D"])
            .arg(dir.join("data"))
            .stdout(Stdio::null())
            .status()
            .expect("pg_ctl runs");
        assert!(status.success(), "pg_ctl stop failed");
    }

    /// Starts the server (again).
    pub fn resume(&mut self) {
        let (Some(bin), Some(dir)) = (&self.bin, &self.dir) else {
            return;
        };
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=50",
            self.port,
            dir.display()
        );
        let status = server_command(bin, "pg_ctl")
            .args(["start", "-w", "-l"])
            .arg(dir.join("log"))
            .arg("-o")
            .arg(options)
            .arg("-D")
            .arg(dir.join("data"))
            .stdout(Stdio::null())
            .status()
            .expect("pg_ctl runs");
        assert!(
            status.success(),
            "pg_ctl start failed: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
    }

    /// A fresh database of the cluster, by name: its URI.
    pub fn database(&self, name: &str) -> String {
        let Some(bin) = &self.bin else {
            // FLOWCTL_TEST_PG: one database, shared.
            return self.uri.clone();
        };
        let output = Command::new(bin.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                name,
            ])
            .output()
            .expect("createdb runs");
        assert!(
            output.status.success(),
            "createdb {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        format!("postgresql://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let (Some(bin), Some(dir)) = (&self.bin, &self.dir) {
            let _ = server_command(bin, "pg_ctl")
                .args(["stop", "-m", "immediate", "-w", "-D"])
                .arg(dir.join("data"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
