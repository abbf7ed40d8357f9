use crate::helpers::spawn_demo;

fn csp(r: &reqwest::Response) -> String {
    r.headers().get("content-security-policy").expect("a CSP").to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_carry_a_nonce_csp_and_the_other_security_headers() {
    let app = spawn_demo().await;
    let r = app.get("/").await;
    let policy = csp(&r);
    let script_src = policy.split(';').find(|d| d.trim().starts_with("script-src")).unwrap().to_string();
    let nonce = script_src.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce").to_string();
    assert!(!script_src.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"));
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(r.headers().get(name).map(|v| v.to_str().unwrap()), Some(value), "{name}");
    }
    assert!(r.headers().contains_key("permissions-policy"));
    assert!(!r.headers().contains_key("strict-transport-security"), "no HSTS over plain HTTP");

    // Every inline script carries this response's nonce, and the next
    // response gets a new one.
    let html = r.text().await.unwrap();
    let inline_scripts = html.matches("<script").count();
    assert!(inline_scripts > 0);
    assert!(html.matches(&format!("nonce=\"{nonce}\"")).count() >= inline_scripts, "{html}");
    let again = csp(&app.get("/").await);
    assert!(!again.contains(&nonce));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn assets_and_404s_carry_the_security_headers_too() {
    let app = spawn_demo().await;
    for path in ["/pkg/carebook.css", "/no-such-page", "/health"] {
        let r = app.get(path).await;
        let policy = csp(&r);
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
        assert!(!policy.contains("unsafe-inline"), "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert!(r.headers().contains_key("permissions-policy"), "{path}");
    }
    let css = app.get("/pkg/carebook.css").await;
    assert_eq!(css.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() {
    let dir = crate::helpers::scratch_dir();
    let mut config = crate::helpers::test_config(&dir);
    config.public_url = "https://carebook.example.org".into();
    let app = crate::helpers::spawn_with(config, carebook_server::startup::Mode::Demo, dir).await;

    let r = app.get("/demonstration").await;

    assert!(r.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_state_changing_request_from_another_site_is_refused() {
    let app = spawn_demo().await;
    let r = app
        .client
        .post(format!("{}/_server/demonstration/reset", app.address))
        .header("origin", "https://evil.example.com")
        .form(&[("csrf_token", "anything")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
