//! Command-line interface: the only module that parses arguments, prints,
//! reads the environment and picks exit codes. Each command file parses its
//! arguments, calls the library, renders, and returns an exit code.

mod apply;
mod drift;
mod fmt;
mod import;
pub mod interrupt;
mod plan;
mod rollback;
mod session;
mod sim;
mod state;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "rtm",
    version,
    about = "Manage the runtime settings of AWS Lambda fleets as code: plan, review, apply, detect drift",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Clone, clap::Args)]
pub struct GlobalArgs {
    /// Configuration directory: every *.rtm.hcl file in it is read, in name order.
    #[arg(
        short = 'C',
        long = "dir",
        global = true,
        default_value = ".",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
    /// Set a variable: --var env=dev (repeatable).
    #[arg(long = "var", global = true, value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from an HCL file of NAME = VALUE lines (repeatable).
    #[arg(long = "var-file", global = true, value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// When to use colour; NO_COLOR in the environment always wins.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// More detail on stderr (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// State directory [default: DIR/state].
    #[arg(long, global = true, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Keep state in S3: bucket, key, region, profile, endpoint_url,
    /// use_path_style, encrypt (repeatable: --backend-config bucket=B
    /// --backend-config key=K).
    #[arg(long = "backend-config", global = true, value_name = "KEY=VALUE")]
    pub backend_config: Vec<String>,
    /// AWS region (overrides `settings.region` and the AWS config chain).
    #[arg(long, global = true, env = "RTM_REGION")]
    pub region: Option<String>,
    /// AWS shared-config profile.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Lambda endpoint (AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_LAMBDA work too).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Run against an in-process Lambda emulator with its data in STATE/sandbox
    /// (seeded on first use from DIR/sandbox.json): no AWS account needed.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// How long to wait for the state lock (e.g. 30s, 2m).
    #[arg(long, global = true, default_value = "0s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub lock_timeout: std::time::Duration,
    /// Functions read or changed at once [default: settings.parallelism or 10].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub parallelism: Option<u32>,
    /// Treat this instant as now (RFC 3339 timestamp or YYYY-MM-DD), for
    /// testing pin expiry.
    #[arg(long, global = true, hide = true, env = "RTM_NOW")]
    pub now: Option<String>,
    /// Multiply the client-side API rate limits (for an emulator run with
    /// --quota-scale).
    #[arg(
        long,
        global = true,
        hide = true,
        env = "RTM_RATE_SCALE",
        default_value_t = 1.0
    )]
    pub rate_scale: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The output formats a command may offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration files without calling AWS.
    Validate(validate::ValidateArgs),
    /// Rewrite configuration files in canonical layout.
    Fmt(fmt::FmtArgs),
    /// Show what apply would change: live vs configuration vs last applied.
    Plan(plan::PlanArgs),
    /// Render a saved plan file.
    Show(plan::ShowArgs),
    /// Make the live functions match the configuration (or a saved plan).
    Apply(apply::ApplyArgs),
    /// Check live functions against what rtm last applied (exit 2: drift).
    Drift(drift::DriftArgs),
    /// Pin a function to an earlier runtime version (or remove the pin) by
    /// editing its configuration file, for review and apply.
    Rollback(rollback::RollbackArgs),
    /// Adopt live functions: write HCL for them and record them as applied.
    Import(import::ImportArgs),
    /// Read or prune the state (no Lambda call).
    #[command(subcommand)]
    State(state::StateArgs),
    /// Run the Lambda control-plane emulator or drive its admin API.
    #[command(subcommand)]
    Sim(sim::SimArgs),
}

/// Parses the command line, runs the command, and returns its exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap's own exit() would skip destructors (and sled's flush).
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(1),
            };
        }
    };
    apply_color_choice(cli.global.color);
    init_logging(cli.global.verbose);
    let machine = cli.command.machine_output();
    // The emulator's server handles its own signals (a clean shutdown).
    if !matches!(cli.command, Command::Sim(_)) {
        interrupt::watch();
    }
    let result = match cli.command {
        Command::Validate(args) => validate::run(&cli.global, args),
        Command::Fmt(args) => fmt::run(&cli.global, args),
        Command::Plan(args) => plan::run(&cli.global, args),
        Command::Show(args) => plan::show(&cli.global, args),
        Command::Apply(args) => apply::run(&cli.global, args),
        Command::Drift(args) => drift::run(&cli.global, args),
        Command::Rollback(args) => rollback::run(&cli.global, args),
        Command::Import(args) => import::run(&cli.global, args),
        Command::State(args) => state::run(&cli.global, args),
        Command::Sim(args) => sim::run(args),
    };
    if std::env::var_os("RTM_REPORT_PEAK_MEMORY").is_some() {
        report_peak_memory();
    }
    match result {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            if let Some((command, format)) = machine {
                print_failure(command, format, &e);
            }
            report_error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

impl Command {
    /// The command's name and machine-readable format, when it has one:
    /// a failure is then also a document on stdout, never empty output.
    fn machine_output(&self) -> Option<(&'static str, Format)> {
        let (name, format) = match self {
            Command::Plan(a) => ("plan", a.format),
            Command::Show(a) => ("show", a.format),
            Command::Drift(a) => ("drift", a.format),
            Command::Apply(a) if a.format == apply::ApplyFormat::Json => ("apply", Format::Json),
            _ => return None,
        };
        (format != Format::Human).then_some((name, format))
    }
}

/// The problems behind an error, as the failure document lists them.
fn problems(e: &crate::Error) -> Vec<crate::render::failure::Problem> {
    use crate::render::failure::Problem;
    if let crate::Error::Config(crate::config::Error::Invalid(d)) = e {
        return d
            .diagnostics
            .iter()
            .map(|d| Problem {
                severity: d.severity.as_str(),
                message: d.message.clone(),
                file: Some(d.file.display().to_string()),
                line: Some(d.line),
                column: Some(d.column),
                help: d.help.clone(),
            })
            .collect();
    }
    if let crate::Error::PlanErrors(list) = e {
        let mut all = vec![Problem::error(e.to_string())];
        all.extend(list.iter().cloned().map(Problem::error));
        return all;
    }
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = s.source();
    }
    vec![Problem::error(message)]
}

fn print_failure(command: &str, format: Format, e: &crate::Error) {
    use std::io::Write;
    if matches!(e, crate::Error::Reported) {
        return;
    }
    let problems = problems(e);
    let text = match format {
        Format::Markdown => crate::render::failure::markdown(command, &problems),
        _ if command == "apply" => {
            // apply's JSON is one event per line: the failure is one more.
            let mut doc: serde_json::Value =
                serde_json::from_str(&crate::render::failure::json(command, &problems))
                    .unwrap_or_default();
            doc["event"] = "error".into();
            format!("{doc}\n")
        }
        _ => crate::render::failure::json(command, &problems),
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

/// For benchmarks: the process's peak resident memory (VmHWM), on stderr.
fn report_peak_memory() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
        eprintln!(
            "rtm peak memory: {}",
            line.trim_start_matches("VmHWM:").trim()
        );
    }
}

fn apply_color_choice(choice: ColorChoice) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let choice = match choice {
        _ if no_color => anstream::ColorChoice::Never,
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

/// Whether styled output should be produced for stderr.
pub fn stderr_styled() -> bool {
    !matches!(
        anstream::AutoStream::choice(&std::io::stderr()),
        anstream::ColorChoice::Never
    )
}

/// Whether styled output should be produced for stdout.
pub fn stdout_styled() -> bool {
    !matches!(
        anstream::AutoStream::choice(&std::io::stdout()),
        anstream::ColorChoice::Never
    )
}

fn init_logging(verbose: u8) {
    // By default only rtm's own warnings: rtm reports the SDK's failures
    // itself (e.g. the credential chain warns once per provider it tries).
    let default = match verbose {
        0 => "rtm=warn,error",
        1 => "rtm=info,warn",
        _ => "rtm=debug,aws_smithy_runtime=debug,info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RTM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(stderr_styled())
        .with_target(false)
        .try_init();
}

fn report_error(e: &crate::Error) {
    use std::io::Write;
    if matches!(e, crate::Error::Reported) {
        return;
    }
    if let crate::Error::Config(crate::config::Error::Invalid(d)) = e {
        let mut err = anstream::stderr();
        let _ = write!(
            err,
            "{}",
            crate::config::render_human(&d.diagnostics, &d.sources, stderr_styled())
        );
        let _ = writeln!(
            err,
            "error: the configuration has {} error{}; nothing was read from or changed in Lambda",
            d.error_count(),
            if d.error_count() == 1 { "" } else { "s" }
        );
        return;
    }
    let style = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Red.into()));
    let mut err = anstream::stderr();
    let mut shown = e.to_string();
    let _ = writeln!(err, "{style}error{style:#}: {shown}");
    // A cause already quoted in the message above is not repeated.
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !shown.contains(&text) {
            let _ = writeln!(err, "  caused by: {text}");
            shown.push_str(&text);
        }
        source = s.source();
    }
}
