fn main() -> std::process::ExitCode {
    rtm::cli::run()
}
