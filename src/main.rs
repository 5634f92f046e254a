fn main() -> std::process::ExitCode {
    iemlab::cli::main()
}
