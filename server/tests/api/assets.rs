//! The built assets: hashed names from the build's `pkg/assets.txt`, their
//! pre-compressed twins chosen by Accept-Encoding, cached for ever; pages
//! compressed on the fly and never stored.

use crate::helpers::{scratch_dir, spawn_with, test_config};
use carebook_server::startup::Mode;

const CSS: &str = "carebook.0123456789abcdef.css";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hashed_assets_are_served_precompressed_and_cached_for_ever() {
    let dir = scratch_dir();
    let pkg = dir.join("site/pkg");
    std::fs::write(pkg.join(CSS), "body { margin: 0 }\n".repeat(50)).unwrap();
    std::fs::write(pkg.join(format!("{CSS}.br")), b"brotli bytes").unwrap();
    std::fs::write(pkg.join(format!("{CSS}.gz")), b"gzip bytes").unwrap();
    std::fs::write(pkg.join("assets.txt"), format!("css {CSS}\njs carebook.00000000aaaaaaaa.js\n")).unwrap();
    let app = spawn_with(test_config(&dir), Mode::Demo, dir).await;
    let url = format!("{}/pkg/{CSS}", app.address);

    for (accept, encoding, body) in
        [("br, gzip", Some("br"), "brotli bytes"), ("gzip", Some("gzip"), "gzip bytes"), ("identity", None, "body")]
    {
        let r = app.client.get(&url).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(r.status(), 200, "{accept}");
        assert_eq!(r.headers().get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accept}");
        assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable", "{accept}");
        assert_eq!(r.headers()["content-type"], "text/css", "{accept}");
        assert!(r.text().await.unwrap().starts_with(body), "{accept}");
    }
    // A name without a hash, or a missing file, is not cached for ever.
    let missing = app.get("/pkg/carebook.ffffffffffffffff.css").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("cache-control").is_none_or(|v| v != "public, max-age=31536000, immutable"));

    // The page names the hashed files, and is compressed but never stored.
    let page = app.client.get(format!("{}/", app.address)).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(page.headers()["content-encoding"], "br");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let (_, html) = app.get_text("/").await;
    assert!(html.contains(&format!("/pkg/{CSS}")), "{html}");
    assert!(html.contains("/pkg/carebook.00000000aaaaaaaa.js"), "the islands' loader");
    // No island on the home page: its loader looks for one before it fetches anything.
    assert!(!html.contains("<leptos-island"));
    assert!(!html.contains("modulepreload"));
}
