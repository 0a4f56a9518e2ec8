//! The Worker's settings: the core's [`Config`], read from `wrangler.toml`
//! vars and secrets (`.dev.vars` locally) once per request or instance.

pub use ghl_bridge::config::Config;
use worker::Env;

/// The deployment's configuration from the Worker's env.
pub fn from_env(env: &Env) -> Config {
    Config::read(&|name| {
        env.secret(name)
            .map(|s| s.to_string())
            .or_else(|_| env.var(name).map(|v| v.to_string()))
            .ok()
    })
}
