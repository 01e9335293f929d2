use clap::Parser;

use postern::cli::{self, Cli};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(cli::CliError(message)) = cli::run(cli).await {
        // One line, whatever the cause (libpq's messages span several).
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        eprintln!("postern: {message}");
        std::process::exit(2);
    }
}
