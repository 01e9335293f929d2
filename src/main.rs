use clap::Parser;

use postern::cli::{self, Cli};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(cli::CliError(message)) = cli::run(cli).await {
        eprintln!("postern: {message}");
        std::process::exit(2);
    }
}
