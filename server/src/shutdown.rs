//! How the process is asked to stop: SIGTERM or Ctrl-C, for `serve`,
//! `demo` and `worker` alike.

/// SIGTERM or Ctrl-C.
pub async fn stop_requested() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// The web server's graceful shutdown: once asked to stop, it finishes the
/// requests in flight.
pub async fn web_server_stop() {
    stop_requested().await;
    tracing::info!("shutting down: finishing requests in flight");
}
