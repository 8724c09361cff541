//! The local services the load test, the demo and the end-to-end tests run
//! against: moto_server (the AWS APIs), the fault-injecting proxy,
//! `cargo lambda watch` (the Lambda Runtime and Invoke APIs) and the built
//! Lambda binaries behind it. Each is a real child process on 127.0.0.1 that
//! is stopped when its handle is dropped, so a failing test or an interrupted
//! demo leaves nothing running.
//!
//! The tools come from the project's `.venv` (installed by `make test` from
//! `tests/requirements.txt`) or from `PATH`. Everything returns
//! `anyhow::Result` with a message that says what to do, because the demo
//! uses these too.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The workspace root (where `.venv`, `tests/` and `Cargo.lock` live).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// A tool installed in the project's `.venv/bin` or on `PATH`.
pub fn tool(name: &str) -> Result<PathBuf> {
    let venv = workspace_root().join(".venv/bin").join(name);
    if venv.exists() {
        return Ok(venv);
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.exists())
        })
        .with_context(|| {
            format!(
                "{name} is not installed: run `make test` (it installs tests/requirements.txt into .venv)"
            )
        })
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot bind a port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

/// How long a service may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process listening on 127.0.0.1, stopped on drop.
#[derive(Debug)]
pub struct Service {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    name: String,
}

impl Service {
    /// Starts `command` (its output discarded) and waits until it listens on
    /// `port`; fails when it exits first or does not listen within 60 s.
    pub fn start(name: &str, mut command: Command, port: u16) -> Result<Service> {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {name} ({command:?})"))?;
        let mut service = Service {
            child,
            port,
            name: name.into(),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = service.child.try_wait()? {
                bail!("{name} exited with {status} before it listened on 127.0.0.1:{port}");
            }
            if Instant::now() > deadline {
                bail!(
                    "{name} did not listen on 127.0.0.1:{port} within {} s",
                    START_TIMEOUT.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(service)
    }

    /// What it is (`moto_server`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// moto_server on a free port.
    pub fn moto() -> Result<Service> {
        let port = free_port()?;
        let mut command = Command::new(tool("moto_server")?);
        command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        Service::start("moto_server", command, port)
    }

    /// `tests/scripts/fault_proxy.py` in front of `upstream`, with its fault
    /// options (`--throttle-calls N`, `--fail-every K --fail-calls C`).
    pub fn fault_proxy(upstream: &str, faults: &[&str]) -> Result<Service> {
        let port = free_port()?;
        let mut command = Command::new(tool("python3")?);
        command
            .arg(workspace_root().join("tests/scripts/fault_proxy.py"))
            .args(["--port", &port.to_string(), "--upstream", upstream])
            .args(faults);
        Service::start("fault_proxy", command, port)
    }

    /// `cargo lambda watch` serving only the Lambda Runtime and Invoke APIs;
    /// the functions are started by [`Function::start`] against it.
    pub fn lambda_apis() -> Result<Service> {
        let port = free_port()?;
        let mut command = Command::new(tool("cargo-lambda")?);
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
            .current_dir(workspace_root());
        Service::start("cargo lambda watch", command, port)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A built Lambda binary running against the Runtime API of a
/// [`Service::lambda_apis`], stopped on drop. Its stdout and stderr (JSON
/// logs and metrics) go to [`Function::log_path`].
#[derive(Debug)]
pub struct Function {
    child: Child,
    name: String,
    apis_port: u16,
    log: PathBuf,
}

impl Function {
    /// Runs `binary` as the function `name` behind `apis`, with `env` on top
    /// of the variables the Lambda runtime sets. `cargo lambda watch` routes
    /// invocations of `_` to the runtime API at `/.rt` and of any other name
    /// to `/.rt/<name>`, and answers 404 for a name that is not a binary of
    /// the workspace: `name` is `_` or the binary's own name (such as
    /// `transform-lambda`).
    pub fn start(
        apis: &Service,
        binary: &Path,
        name: &str,
        env: &[(&str, &str)],
    ) -> Result<Function> {
        check_function_name(binary, name)?;
        if !binary.is_file() {
            bail!(
                "{} does not exist: build it first (`cargo build -p <package>`)",
                binary.display()
            );
        }
        let log = std::env::temp_dir().join(format!(
            "loadtest-{name}-{}-{}.log",
            apis.port,
            std::process::id()
        ));
        let out = File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        let child = Command::new(binary)
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api(apis.port, name))
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .envs(env.iter().copied())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(Function {
            child,
            name: name.into(),
            apis_port: apis.port,
            log,
        })
    }

    /// The Lambda Invoke API URL of this function.
    pub fn invoke_url(&self) -> String {
        format!(
            "http://127.0.0.1:{}/2015-03-31/functions/{}/invocations",
            self.apis_port, self.name
        )
    }

    /// Where the function's output goes.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The exit status, if the function has stopped (a bad configuration
    /// stops it before it takes traffic).
    pub fn exited(&mut self) -> Result<Option<ExitStatus>> {
        Ok(self.child.try_wait()?)
    }
}

/// `cargo lambda watch` invokes `_` or a workspace binary by its name.
fn check_function_name(binary: &Path, name: &str) -> Result<()> {
    let stem = binary
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if name != "_" && name != stem {
        bail!(
            "cargo lambda watch only invokes `_` or a binary of the workspace by its name: \
             start {} as `_` or as `{stem}`, not as `{name}`",
            binary.display()
        );
    }
    Ok(())
}

/// The Runtime API base `cargo lambda watch` serves for the function `name`.
fn runtime_api(port: u16, name: &str) -> String {
    if name == "_" {
        format!("http://127.0.0.1:{port}/.rt")
    } else {
        format!("http://127.0.0.1:{port}/.rt/{name}")
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The Lambda binaries of a dev-profile build.
#[derive(Debug, Clone)]
pub struct LambdaBinaries {
    /// `debug/transform-lambda`: the Firehose processor.
    pub transform: PathBuf,
    /// `debug/alerting-lambda`: summaries, alerts and the app log API.
    pub alerting: PathBuf,
    /// `debug/lookup-lambda`: the read API.
    pub lookup: PathBuf,
}

/// The packages of the one Lambda build: `make test` and `make demo` run
/// `cargo build --locked -p transform-lambda -p alerting-lambda -p lookup-lambda` (the
/// Makefile's `LAMBDAS`) and tests build the same set, so cargo resolves the
/// same features and finds the build fresh. Building one package alone would
/// resolve a different feature set and compile every AWS SDK crate again.
pub const LAMBDA_PACKAGES: [&str; 3] = ["transform-lambda", "alerting-lambda", "lookup-lambda"];

/// Builds the Lambda binaries (dev profile, `--locked`) into `target_dir`
/// and returns their paths. Cargo skips the work when they are fresh.
pub fn build_lambdas(target_dir: &Path) -> Result<LambdaBinaries> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["build", "--locked"]);
    for package in LAMBDA_PACKAGES {
        command.args(["-p", package]);
    }
    let output = command
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(workspace_root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("cannot run cargo")?;
    if !output.status.success() {
        bail!(
            "`cargo build -p {}` failed:\n{}",
            LAMBDA_PACKAGES.join(" -p "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let binary = |name: &str| -> Result<PathBuf> {
        let path = target_dir
            .join("debug")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
        if !path.is_file() {
            bail!("cargo built {name} but {} is missing", path.display());
        }
        Ok(path)
    };
    Ok(LambdaBinaries {
        transform: binary("transform-lambda")?,
        alerting: binary("alerting-lambda")?,
        lookup: binary("lookup-lambda")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_api_per_function_name() {
        assert_eq!(runtime_api(9000, "_"), "http://127.0.0.1:9000/.rt");
        assert_eq!(
            runtime_api(9000, "transform-lambda"),
            "http://127.0.0.1:9000/.rt/transform-lambda"
        );
    }

    #[test]
    fn function_names_cargo_lambda_can_route() {
        let binary = Path::new("/t/debug/transform-lambda");
        assert!(check_function_name(binary, "_").is_ok());
        assert!(check_function_name(binary, "transform-lambda").is_ok());
        let err = check_function_name(binary, "logwrangler-transform")
            .unwrap_err()
            .to_string();
        assert!(err.contains("as `_` or as `transform-lambda`"), "{err}");
    }

    #[test]
    fn missing_tools_say_how_to_install_them() {
        let err = tool("no-such-tool-anywhere").unwrap_err().to_string();
        assert!(err.contains("run `make test`"), "{err}");
        assert!(free_port().unwrap() > 0);
    }
}
