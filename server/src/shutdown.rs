//! How the process is asked to stop: SIGTERM or Ctrl-C, for `serve`,
//! `demo` and `worker` alike.

/// Set once the process has been asked to stop, when [`listen_for_stop`]
/// installed the handlers at start-up.
static STOP: std::sync::OnceLock<tokio::sync::watch::Sender<bool>> = std::sync::OnceLock::new();

/// Install the SIGTERM and Ctrl-C handlers now, before the port is bound:
/// a signal that arrives between binding and serving is then kept, not
/// lost to the default action (which would kill the process with no
/// graceful exit). Call once, early in `main`, inside the runtime.
pub fn listen_for_stop() {
    let (tx, _) = tokio::sync::watch::channel(false);
    if STOP.set(tx).is_err() {
        return;
    }
    // `signal()` registers the handler when it is called, not when polled.
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::spawn(async move {
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = terminate => {},
        }
        if let Some(tx) = STOP.get() {
            // `send_replace`, not `send`: a signal that comes before anyone
            // waits for it (between binding and serving) must be kept, and
            // `send` drops the value when nobody is subscribed yet.
            tx.send_replace(true);
        }
    });
}

/// SIGTERM or Ctrl-C.
pub async fn stop_requested() {
    if let Some(tx) = STOP.get() {
        let mut rx = tx.subscribe();
        let _ = rx.wait_for(|stopped| *stopped).await;
        return;
    }
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A SIGTERM that arrives before anything waits for it (the window
    /// between binding the port and serving) is kept: whoever asks later
    /// learns of it at once. (It was lost, and the server then ignored
    /// every later SIGTERM too.)
    #[tokio::test]
    async fn a_stop_asked_before_anyone_waits_is_not_lost() {
        listen_for_stop();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &std::process::id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        // Let the handler run with nobody subscribed yet.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tokio::time::timeout(std::time::Duration::from_secs(5), stop_requested())
            .await
            .expect("the stop asked for earlier is seen");
    }
}
