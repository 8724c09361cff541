//! Local services for integration tests: moto_server, the fault-injecting
//! proxy and `cargo lambda watch`, each a real process on 127.0.0.1 that is
//! stopped when the test drops it, and plain HTTP calls to them. The tools come
//! from `.venv` (installed by `make test` from `tests/requirements.txt`) or from
//! `PATH`. The integration tests of the Lambdas and the CLI share these through
//! this crate, as a dev-dependency.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root (this crate is `tools/testkit`): `.venv`, `tests/scripts`, the fixtures.
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// A tool installed in `.venv/bin` or on `PATH`.
pub fn tool(name: &str) -> PathBuf {
    let venv = Path::new(ROOT).join(".venv/bin").join(name);
    if venv.exists() {
        return venv;
    }
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.exists())
    }) {
        return found;
    }
    panic!(
        "{name} is not installed: run `make test` (it installs tests/requirements.txt into .venv)"
    );
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process stopped on drop.
pub struct Service {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    name: String,
}

impl Service {
    /// Starts `command` and waits until it listens on `port`.
    pub fn start(name: &str, mut command: Command, port: u16) -> Service {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let service = Service {
            child,
            port,
            name: name.into(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{name} did not listen on 127.0.0.1:{port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        service
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// moto_server on a free port.
    pub fn moto() -> Service {
        let port = free_port();
        let mut command = Command::new(tool("moto_server"));
        command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        Service::start("moto_server", command, port)
    }

    /// The fault-injecting proxy in front of `upstream`.
    pub fn fault_proxy(upstream: &str, faults: &[&str]) -> Service {
        let port = free_port();
        let mut command = Command::new(tool("python3"));
        command
            .arg(Path::new(ROOT).join("tests/scripts/fault_proxy.py"))
            .args(["--port", &port.to_string(), "--upstream", upstream])
            .args(faults);
        Service::start("fault_proxy", command, port)
    }

    /// `cargo lambda watch` serving only the Lambda APIs (the test starts the
    /// function binary itself, against the runtime API it prints).
    pub fn lambda_apis() -> Service {
        let port = free_port();
        let mut command = Command::new(tool("cargo-lambda"));
        command
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "-A",
                "127.0.0.1",
                "-P",
                &port.to_string(),
            ])
            .current_dir(ROOT);
        Service::start("cargo lambda watch", command, port)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("stopped {}", self.name);
    }
}

/// A plain HTTP call; returns status and body.
pub fn http(method: &str, url: &str, body: &[u8]) -> (u16, Vec<u8>) {
    http_with(method, url, body, &[])
}

/// An HTTP call with extra headers; returns status and body.
pub fn http_with(method: &str, url: &str, body: &[u8], headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let response = match method {
        "GET" => headers
            .iter()
            .fold(agent.get(url), |r, (k, v)| r.header(*k, *v))
            .call(),
        "PUT" => headers
            .iter()
            .fold(agent.put(url), |r, (k, v)| r.header(*k, *v))
            .send(body),
        _ => {
            let has_type = headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
            let request = headers
                .iter()
                .fold(agent.post(url), |r, (k, v)| r.header(*k, *v));
            if has_type {
                request.send(body)
            } else {
                request
                    .header("Content-Type", "application/json")
                    .send(body)
            }
        }
    }
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .unwrap();
    (status, body)
}

/// An `Authorization` header moto accepts as the test account (moto does not
/// check signatures; anonymous reads of objects are refused like on AWS).
pub const MOTO_AUTH: (&str, &str) = (
    "Authorization",
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0",
);
