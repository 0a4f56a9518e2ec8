//! Prints the app's workflow actions and triggers as the Marketplace takes
//! them, for the deployment at the URL given (the Worker's origin):
//! `cargo run --example workflow_definitions -- https://ghl-bridge.example.workers.dev`.
//! The secret header's value stays a placeholder: type it in the portal.

fn main() {
    let base = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "https://YOUR-WORKER.workers.dev".into());
    let definitions = ghl_bridge::workflows::definitions(&base);
    println!(
        "{}",
        serde_json::to_string_pretty(&definitions).unwrap_or_default()
    );
}
