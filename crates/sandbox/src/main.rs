//! `ghl-bridge-sandbox [--port 8788] [--host 127.0.0.1] [--webhook-url URL]
//! [--spothit-callback-base URL] [--provider-url URL] [--app-url URL --app-key KEY]`

use ghl_bridge_sandbox::{spawn, Settings};
use std::net::SocketAddr;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("ghl-bridge-sandbox [--port 8788] [--host 127.0.0.1] [--webhook-url URL] [--spothit-callback-base URL] [--provider-url URL] [--app-url URL --app-key KEY]");
        return;
    }
    let host = arg(&args, "--host").unwrap_or_else(|| "127.0.0.1".into());
    let port = arg(&args, "--port").unwrap_or_else(|| "8788".into());
    let addr: SocketAddr = match format!("{host}:{port}").parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sandbox: bad --host/--port: {e}");
            std::process::exit(2);
        }
    };
    let settings = Settings {
        webhook_url: arg(&args, "--webhook-url"),
        spothit_callback_base: arg(&args, "--spothit-callback-base"),
        provider_url: arg(&args, "--provider-url"),
        app_url: arg(&args, "--app-url"),
        app_key: arg(&args, "--app-key"),
        ..Settings::default()
    };
    match spawn(addr, settings).await {
        Ok((local, _)) => {
            println!("[sandbox] GHL API:      http://{local}/ghl   (token: sandbox-location-token, location: dev-location)");
            println!("[sandbox] Spot-Hit API: http://{local}/spothit/api   Specter API: http://{local}/specter/api/v1");
            println!("[sandbox] inspect:      http://{local}/__sandbox/ghl/contacts, /__sandbox/requests, /__sandbox/webhooks");
        }
        Err(e) => {
            eprintln!("sandbox: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
