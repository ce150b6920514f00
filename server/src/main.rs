use clap::Parser;
use server::cli::{run, Cli};
use server::config::Config;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Stack size of the runtime's worker threads.
const RENDER_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("quell: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    server::telemetry::init(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Rendering a large page nests deeply; give workers room beyond the 2 MiB default.
        .thread_stack_size(RENDER_STACK_BYTES)
        .build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("quell: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("quell: {message}");
            ExitCode::FAILURE
        }
    }
}
