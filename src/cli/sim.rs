//! `rtm sim ...`: run the emulator (`serve`) and drive its admin API
//! (`runtimes`, `release`, `phase2`, `faults`, `stats`, `settle`,
//! `set-last-modified`) over HTTP. Only
//! parses arguments, calls, and prints; the emulator lives in `crate::sim`.

use super::Outcome;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use crate::sim::{self, SimConfig};

#[derive(Debug, clap::Subcommand)]
pub enum SimArgs {
    /// Serve the Lambda control-plane API on loopback; prints `SIM_READY <url>` first.
    Serve(ServeArgs),
    /// List the runtime catalogue (latest version per runtime and architecture).
    Runtimes(RuntimesArgs),
    /// Release a new runtime version (phase 1 of a rollout).
    Release(ReleaseArgs),
    /// Run phase 2 of a rollout: move every Auto function and version to the latest runtime version.
    Phase2(Phase2Args),
    /// Change fault injection settings, or make a function's next update fail.
    Faults(FaultsArgs),
    /// Show API calls per operation and the 429s and 500s answered.
    Stats(StatsArgs),
    /// Complete every create and update in flight now (no waiting for the update delay).
    Settle(SettleArgs),
    /// Set when a function (or one of its versions) last changed, to test staleness without waiting.
    #[command(
        after_help = "Examples:\n  rtm sim set-last-modified --endpoint URL orders --days-ago 200\n  rtm sim set-last-modified --endpoint URL orders --last-modified 2026-01-01T00:00:00.000+0000 --qualifier 3"
    )]
    SetLastModified(SetLastModifiedArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Directory of the emulator's sled store (temporary when absent).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Seed file (JSON) applied when the store is empty.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// The default region: unsigned requests, and those signed for
    /// us-east-1 with an unknown key, are served here.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The regions served (comma-separated); default: the runtime-updates
    /// guide's list of regions with runtime management. Requests signed for
    /// any other region are refused (403 InvalidSignatureException).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    regions: Option<Vec<String>>,
    /// `ACCOUNT=ACCESS_KEY`: requests signed with ACCESS_KEY are ACCOUNT's
    /// (repeatable). A bare `ACCOUNT` sets the default account, whose are
    /// all other keys (default 123456789012).
    #[arg(long = "account", value_name = "ACCOUNT[=ACCESS_KEY]")]
    accounts: Vec<String>,
    /// Let STS AssumeRole into a role of any account, not only of the
    /// default account and those of --account.
    #[arg(long)]
    trust_any_account: bool,
    /// How long an update stays InProgress (and a new function Pending).
    #[arg(long, default_value_t = 500)]
    update_delay_ms: u64,
    /// Latency added before every Lambda request.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Enforce Lambda's quotas per account and region: GetFunction 100/s, every other call 15/s together.
    #[arg(long)]
    quotas: bool,
    /// Multiply both quotas (for benchmarks).
    #[arg(long, default_value_t = 1.0)]
    quota_scale: f64,
    /// Probability of a random 429 TooManyRequestsException.
    #[arg(long, default_value_t = 0.0)]
    throttle_rate: f64,
    /// Probability of a random 500 ServiceException.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Seed the injected faults' random draws, to repeat a run exactly.
    #[arg(long)]
    fault_seed: Option<u64>,
}

#[derive(Debug, clap::Args)]
pub struct EndpointArg {
    /// The emulator's URL, as printed by `rtm sim serve`.
    #[arg(long, env = "RTM_SIM_ENDPOINT")]
    endpoint: String,
}

/// Which account and region an admin call is about.
#[derive(Debug, clap::Args)]
pub struct PlaceArgs {
    /// Only this account (default: every account; for a function, the default account).
    #[arg(long)]
    account: Option<String>,
    /// Only this region (default: every region; for a function, the default region).
    #[arg(long)]
    region: Option<String>,
}

impl PlaceArgs {
    /// `path` with `?account=&region=` as given.
    fn path(&self, path: &str) -> String {
        let query: Vec<String> = [("account", &self.account), ("region", &self.region)]
            .into_iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
            .collect();
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", query.join("&"))
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct RuntimesArgs {
    #[command(flatten)]
    endpoint: EndpointArg,
    #[arg(long)]
    runtime: Option<String>,
    #[arg(long)]
    region: Option<String>,
    #[arg(long = "arch")]
    architecture: Option<String>,
    /// List every version, not only the latest.
    #[arg(long)]
    all: bool,
    /// Print the admin API's JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    endpoint: EndpointArg,
    #[arg(long)]
    runtime: String,
    #[arg(long)]
    region: Option<String>,
    /// Only this architecture (default: both).
    #[arg(long = "arch")]
    architecture: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct Phase2Args {
    #[command(flatten)]
    endpoint: EndpointArg,
    #[command(flatten)]
    place: PlaceArgs,
    /// Only this runtime (default: every runtime).
    #[arg(long)]
    runtime: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct FaultsArgs {
    #[command(flatten)]
    endpoint: EndpointArg,
    #[command(flatten)]
    place: PlaceArgs,
    #[arg(long)]
    throttle_rate: Option<f64>,
    #[arg(long)]
    error_rate: Option<f64>,
    #[arg(long)]
    latency_ms: Option<u64>,
    #[arg(long)]
    update_delay_ms: Option<u64>,
    #[arg(long)]
    quotas: Option<bool>,
    #[arg(long)]
    quota_scale: Option<f64>,
    /// Make the next UpdateFunctionConfiguration of this function fail.
    #[arg(long, value_name = "FUNCTION")]
    fail_next_update: Option<String>,
    /// The LastUpdateStatusReasonCode of that failure.
    #[arg(long, default_value = "InternalError", requires = "fail_next_update")]
    reason_code: String,
}

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    #[command(flatten)]
    endpoint: EndpointArg,
    #[command(flatten)]
    place: PlaceArgs,
    /// Reset the counters after printing them.
    #[arg(long)]
    reset: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct SettleArgs {
    #[command(flatten)]
    endpoint: EndpointArg,
}

#[derive(Debug, clap::Args)]
pub struct SetLastModifiedArgs {
    #[command(flatten)]
    endpoint: EndpointArg,
    #[command(flatten)]
    place: PlaceArgs,
    /// The function's name or ARN.
    function: String,
    /// LastModified in Lambda's format, e.g. 2026-01-01T00:00:00.000+0000.
    #[arg(
        long,
        value_name = "TIMESTAMP",
        required_unless_present = "days_ago",
        conflicts_with = "days_ago"
    )]
    last_modified: Option<String>,
    /// LastModified this many days before now.
    #[arg(long, value_name = "DAYS")]
    days_ago: Option<u32>,
    /// A version number (default: $LATEST).
    #[arg(long)]
    qualifier: Option<String>,
}

pub fn run(args: SimArgs) -> Result<Outcome, crate::Error> {
    match args {
        SimArgs::Serve(a) => serve(a),
        SimArgs::Runtimes(a) => runtimes(a),
        SimArgs::Release(a) => {
            let mut body = serde_json::json!({ "Runtime": a.runtime });
            if let Some(r) = a.region {
                body["Region"] = r.into();
            }
            if let Some(r) = a.architecture {
                body["Architecture"] = r.into();
            }
            let out = call(
                &a.endpoint.endpoint,
                "POST",
                "/_sim/runtimes/release",
                Some(&body),
            )?;
            for r in out["Released"].as_array().into_iter().flatten() {
                super::outln!(
                    "released {} ({} {}) {}",
                    r["Name"].as_str().unwrap_or(""),
                    r["Region"].as_str().unwrap_or(""),
                    r["Architecture"].as_str().unwrap_or(""),
                    r["Arn"].as_str().unwrap_or("")
                );
            }
            Ok(Outcome::Success)
        }
        SimArgs::Phase2(a) => {
            let body = match a.runtime {
                Some(r) => serde_json::json!({ "Runtime": r }),
                None => serde_json::json!({}),
            };
            let out = call(
                &a.endpoint.endpoint,
                "POST",
                &a.place.path("/_sim/rollout/phase2"),
                Some(&body),
            )?;
            let moved = out["Moved"].as_array().cloned().unwrap_or_default();
            for m in &moved {
                super::outln!(
                    "moved {}:{} {} -> {}",
                    m["FunctionName"].as_str().unwrap_or(""),
                    m["Version"].as_str().unwrap_or(""),
                    m["From"].as_str().unwrap_or(""),
                    m["To"].as_str().unwrap_or("")
                );
            }
            super::outln!("phase 2: {} moved", moved.len());
            Ok(Outcome::Success)
        }
        SimArgs::Faults(a) => faults(a),
        SimArgs::Settle(a) => {
            let out = call(
                &a.endpoint.endpoint,
                "POST",
                "/_sim/settle",
                Some(&serde_json::json!({})),
            )?;
            let settled = out["Settled"].as_array().cloned().unwrap_or_default();
            for name in &settled {
                super::outln!("settled {}", name.as_str().unwrap_or(""));
            }
            super::outln!("{} settled", settled.len());
            Ok(Outcome::Success)
        }
        SimArgs::SetLastModified(a) => set_last_modified(a),
        SimArgs::Stats(a) => {
            let out = call(
                &a.endpoint.endpoint,
                "GET",
                &a.place.path("/_sim/stats"),
                None,
            )?;
            if a.json {
                super::outln!("{out}");
            } else {
                for (op, n) in out["Calls"].as_object().into_iter().flatten() {
                    super::outln!("{op:<32} {n}");
                }
                super::outln!("{:<32} {}", "total", out["TotalCalls"]);
                super::outln!("{:<32} {}", "throttled (429)", out["Throttled"]);
                super::outln!("{:<32} {}", "service errors (500)", out["ServiceErrors"]);
            }
            if a.reset {
                call(
                    &a.endpoint.endpoint,
                    "DELETE",
                    &a.place.path("/_sim/stats"),
                    None,
                )?;
            }
            Ok(Outcome::Success)
        }
    }
}

fn serve(a: ServeArgs) -> Result<Outcome, crate::Error> {
    for (name, rate) in [
        ("--throttle-rate", a.throttle_rate),
        ("--error-rate", a.error_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(crate::Error::Argument(format!(
                "{name} must be between 0 and 1"
            )));
        }
    }
    if !(a.quota_scale > 0.0 && a.quota_scale.is_finite()) {
        return Err(crate::Error::Argument(
            "--quota-scale must be positive".into(),
        ));
    }
    let mut account = SimConfig::default().account;
    let mut accounts = Vec::new();
    for given in &a.accounts {
        match given.split_once('=') {
            Some((id, key)) => accounts.push(sim::AccountKey {
                account: id.to_owned(),
                access_key: key.to_owned(),
            }),
            None => account = given.clone(),
        }
    }
    let cfg = SimConfig {
        listen: a.listen,
        data_dir: a.data,
        seed: a.seed,
        region: a.region,
        account,
        accounts,
        regions: a.regions,
        trust_any_account: a.trust_any_account,
        settings: crate::sim::Settings {
            update_delay: Duration::from_millis(a.update_delay_ms),
            latency: Duration::from_millis(a.latency_ms),
            quotas: a.quotas,
            quota_scale: a.quota_scale,
            throttle_rate: a.throttle_rate,
            error_rate: a.error_rate,
        },
        fault_seed: a.fault_seed,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::Error::io("starting the tokio runtime", e))?;
    runtime.block_on(async {
        let handle = sim::start(cfg).await?;
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "SIM_READY {}", handle.url());
            let _ = out.flush();
        }
        wait_for_signal().await;
        handle.shutdown().await;
        Ok::<_, crate::Error>(Outcome::Success)
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn runtimes(a: RuntimesArgs) -> Result<Outcome, crate::Error> {
    let mut query = Vec::new();
    for (k, v) in [
        ("Runtime", &a.runtime),
        ("Region", &a.region),
        ("Architecture", &a.architecture),
    ] {
        if let Some(v) = v {
            query.push(format!("{k}={v}"));
        }
    }
    let path = if query.is_empty() {
        "/_sim/runtimes".to_owned()
    } else {
        format!("/_sim/runtimes?{}", query.join("&"))
    };
    let out = call(&a.endpoint.endpoint, "GET", &path, None)?;
    if a.json {
        super::outln!("{out}");
        return Ok(Outcome::Success);
    }
    for r in out["Runtimes"].as_array().into_iter().flatten() {
        let versions = r["Versions"].as_array().cloned().unwrap_or_default();
        let shown = if a.all { versions.len() } else { 1 };
        for v in versions.iter().take(shown) {
            super::outln!(
                "{:<16} {:<7} {:<22} {}",
                r["Runtime"].as_str().unwrap_or(""),
                r["Architecture"].as_str().unwrap_or(""),
                v["Name"].as_str().unwrap_or(""),
                v["Arn"].as_str().unwrap_or("")
            );
        }
    }
    Ok(Outcome::Success)
}

fn faults(a: FaultsArgs) -> Result<Outcome, crate::Error> {
    let mut body = serde_json::Map::new();
    if let Some(v) = a.throttle_rate {
        body.insert("ThrottleRate".into(), v.into());
    }
    if let Some(v) = a.error_rate {
        body.insert("ErrorRate".into(), v.into());
    }
    if let Some(v) = a.latency_ms {
        body.insert("LatencyMs".into(), v.into());
    }
    if let Some(v) = a.update_delay_ms {
        body.insert("UpdateDelayMs".into(), v.into());
    }
    if let Some(v) = a.quotas {
        body.insert("Quotas".into(), v.into());
    }
    if let Some(v) = a.quota_scale {
        body.insert("QuotaScale".into(), v.into());
    }
    let out = call(
        &a.endpoint.endpoint,
        "PUT",
        "/_sim/faults",
        Some(&serde_json::Value::Object(body)),
    )?;
    super::outln!("{out}");
    if let Some(function) = a.fail_next_update {
        let body = serde_json::json!({ "FunctionName": function, "ReasonCode": a.reason_code });
        call(
            &a.endpoint.endpoint,
            "POST",
            &a.place.path("/_sim/faults/fail-next-update"),
            Some(&body),
        )?;
        super::outln!(
            "the next update of {function} will fail with {}",
            a.reason_code
        );
    }
    Ok(Outcome::Success)
}

fn set_last_modified(a: SetLastModifiedArgs) -> Result<Outcome, crate::Error> {
    let last_modified = match (a.last_modified, a.days_ago) {
        (Some(t), _) => t,
        (None, days) => {
            let then = jiff::Timestamp::now()
                - jiff::SignedDuration::from_hours(24 * i64::from(days.unwrap_or(0)));
            then.strftime("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
        }
    };
    let mut body = serde_json::json!({ "FunctionName": a.function, "LastModified": last_modified });
    if let Some(q) = a.qualifier {
        body["Qualifier"] = q.into();
    }
    let out = call(
        &a.endpoint.endpoint,
        "POST",
        &a.place.path("/_sim/last-modified"),
        Some(&body),
    )?;
    super::outln!(
        "{} last modified {}",
        out["FunctionArn"].as_str().unwrap_or(""),
        out["LastModified"].as_str().unwrap_or("")
    );
    Ok(Outcome::Success)
}

/// One admin call over plain HTTP/1.1 (loopback, no TLS, `Connection: close`).
fn call(
    endpoint: &str,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<serde_json::Value, crate::Error> {
    let usage = |m: String| crate::Error::Argument(m);
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| usage(format!("--endpoint must be an http:// URL, not {endpoint}")))?
        .trim_end_matches('/');
    let io = |e: std::io::Error| crate::Error::io(format!("calling the emulator at {endpoint}"), e);
    let mut stream = TcpStream::connect(authority).map_err(io)?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(io)?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).map_err(io)?;
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if !(200..300).contains(&status) {
        return Err(usage(format!("the emulator answered {status}: {body}")));
    }
    if body.trim().is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(body)
        .map_err(|e| usage(format!("the emulator's answer is not JSON ({e}): {body}")))
}
