//! Command-line interface: the only module that parses arguments, prints,
//! reads the environment and picks exit codes. Each command file parses its
//! arguments, calls the library, renders, and returns an exit code.

/// `println!` that never panics: a closed stdout (`rtm ... | head`) just
/// ends the output, as ripgrep's does.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(anstream::stdout(), $($arg)*);
    }};
}
pub(crate) use outln;

mod apply;
mod backend;
mod completion;
mod drift;
mod fmt;
mod import;
pub mod interrupt;
mod plan;
mod policy;
mod report;
mod rollback;
mod session;
mod sim;
mod single_dash;
mod state;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum, ValueHint};

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
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Configuration directory: every *.rtm.hcl file in it is read, in name order.
    #[arg(
        short = 'C',
        long = "dir",
        global = true,
        default_value = ".",
        value_name = "DIR",
        value_hint = ValueHint::DirPath
    )]
    pub dir: PathBuf,
    /// Set a variable: --var env=dev (repeatable).
    #[arg(long = "var", global = true, value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from an HCL file of NAME = VALUE lines (repeatable).
    #[arg(long = "var-file", global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub var_files: Vec<PathBuf>,
    /// When to use colour; NO_COLOR in the environment always wins.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// More detail on stderr (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// State directory [default: DIR/state].
    #[arg(long, global = true, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub state: Option<PathBuf>,
    /// Keep state in S3: bucket, key, region, profile, endpoint_url,
    /// use_path_style, encrypt (repeatable: --backend-config bucket=B
    /// --backend-config key=K).
    #[arg(long = "backend-config", global = true, value_name = "KEY=VALUE")]
    pub backend_config: Vec<String>,
    /// AWS region: of functions whose configuration names none (overriding
    /// `settings.region` and the AWS config chain). Repeatable for
    /// `import`, which reads every region given.
    #[arg(long, global = true, env = "RTM_REGION", value_delimiter = ',')]
    pub region: Vec<String>,
    /// The `--account` of the command (plan, apply, drift, import, report);
    /// not a global flag, as `rtm sim serve --account` means something else.
    #[arg(skip)]
    pub accounts: Vec<String>,
    /// AWS shared-config profile.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Lambda endpoint (AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_LAMBDA work too).
    #[arg(long, global = true, value_name = "URL", value_hint = ValueHint::Url)]
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

/// `--account NAME` (repeatable): the commands that read Lambda cover only
/// the functions of these `account` blocks (`default`: the default
/// credentials).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AccountScope {
    /// Cover only the functions of these account blocks (repeatable;
    /// `default` names the default credentials).
    #[arg(long = "account", value_name = "NAME")]
    pub accounts: Vec<String>,
}

impl GlobalArgs {
    fn scoped(&self, scope: &AccountScope) -> GlobalArgs {
        GlobalArgs {
            accounts: scope.accounts.clone(),
            ..self.clone()
        }
    }
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
    /// Who must act: which functions are not getting runtime patches, and
    /// whose job it is (exit 2 with --fail-on-violation when a policy
    /// threshold is crossed).
    Report(report::ReportArgs),
    /// Policies for high-compliance accounts (the SCP that keeps functions
    /// on Auto).
    #[command(subcommand)]
    Policy(policy::PolicyArgs),
    /// Read or prune the state (no Lambda call).
    #[command(subcommand)]
    State(state::StateArgs),
    /// Run the Lambda control-plane emulator or drive its admin API.
    #[command(subcommand)]
    Sim(sim::SimArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completion(completion::CompletionArgs),
    /// Print the manual page (roff), or write one page per command.
    Man(completion::ManArgs),
}

/// How a command ended, as its exit code tells scripts. Errors carry their
/// own code ([`crate::Error::exit_code`]); these are the outcomes of a
/// command that ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: done, nothing to report.
    Success,
    /// 2: changes (`--detailed-exitcode`), drift, or policy findings.
    Findings,
    /// 1: the command ran and what it printed says what failed (an invalid
    /// configuration, unformatted files, functions that failed to apply).
    Failed,
    /// 130: stopped by Ctrl-C.
    Interrupted,
}

impl Outcome {
    fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Outcome::Success => 0,
            Outcome::Findings => 2,
            Outcome::Failed => 1,
            Outcome::Interrupted => interrupt::EXIT_CODE,
        })
    }
}

/// Parses the command line, runs the command, and returns its exit code.
pub fn run() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            // `-var x=1` reached clap as `-v -a -r`: name what was typed.
            let e = single_dash::hint(&Cli::command(), &argv, &e).unwrap_or(e);
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
        Command::Plan(args) => plan::run(&cli.global.scoped(&args.scope), args),
        Command::Show(args) => plan::show(&cli.global, args),
        Command::Apply(args) => apply::run(&cli.global.scoped(&args.scope), args),
        Command::Drift(args) => drift::run(&cli.global.scoped(&args.scope), args),
        Command::Rollback(args) => rollback::run(&cli.global, args),
        Command::Import(args) => import::run(&cli.global.scoped(&args.scope), args),
        Command::Report(args) => report::run(&cli.global.scoped(&args.scope), args),
        Command::Policy(args) => policy::run(&cli.global, args),
        Command::State(args) => state::run(&cli.global, args),
        Command::Sim(args) => sim::run(args),
        Command::Completion(args) => completion::completion(args),
        Command::Man(args) => completion::man(args),
    };
    if std::env::var_os("RTM_REPORT_PEAK_MEMORY").is_some() {
        report_peak_memory();
    }
    match result {
        Ok(outcome) => outcome.exit_code(),
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
            Command::Report(a) => ("report", a.format),
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
