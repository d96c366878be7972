//! How many GetFunction requests per second the emulator answers on loopback,
//! with the server on one core (a current-thread tokio runtime) and quotas
//! off. Prints the figure; it is a benchmark, not a timed test.
//!
//! `cargo bench --bench sim_get_function [-- SECONDS CONNECTIONS]`

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let connections: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(16);

    // The server: one thread, one current-thread runtime.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let handle = rtm::sim::start(rtm::sim::SimConfig {
                settings: rtm::sim::Settings {
                    update_delay: Duration::ZERO,
                    ..Default::default()
                },
                ..Default::default()
            })
            .await
            .expect("start the emulator");
            ready_tx.send(handle.addr()).expect("ready");
            std::future::pending::<()>().await;
        });
    });
    let addr = ready_rx.recv().expect("server address");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    let (count, errors, elapsed) = rt.block_on(async move {
        let body = r#"{"FunctionName":"bench","Runtime":"python3.12","Handler":"app.handler","Role":"arn:aws:iam::123456789012:role/r","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}"#;
        let mut s = TcpStream::connect(addr).await.expect("connect");
        let req = format!(
            "POST /2015-03-31/functions HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.expect("create");
        let (status, _) = read_response(&mut s, &mut Vec::new()).await.expect("response");
        assert_eq!(status, 201, "create the benchmark function");

        let deadline = Instant::now() + Duration::from_secs(seconds);
        let start = Instant::now();
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                tokio::spawn(async move {
                    let mut s = TcpStream::connect(addr).await.expect("connect");
                    let _ = s.set_nodelay(true);
                    let req = format!(
                        "GET /2015-03-31/functions/bench HTTP/1.1\r\nHost: {addr}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/lambda/aws4_request\r\n\r\n"
                    );
                    let mut buf = Vec::with_capacity(8192);
                    let (mut ok, mut bad) = (0u64, 0u64);
                    while Instant::now() < deadline {
                        if s.write_all(req.as_bytes()).await.is_err() {
                            break;
                        }
                        match read_response(&mut s, &mut buf).await {
                            Some((200, _)) => ok += 1,
                            Some(_) => bad += 1,
                            None => break,
                        }
                    }
                    (ok, bad)
                })
            })
            .collect();
        let (mut ok, mut bad) = (0, 0);
        for t in tasks {
            let (o, b) = t.await.expect("client task");
            ok += o;
            bad += b;
        }
        (ok, bad, start.elapsed())
    });
    let rate = count as f64 / elapsed.as_secs_f64();
    println!(
        "sim GetFunction: {rate:.0} requests/s ({count} in {:.2}s, {connections} keep-alive connections, server on one core, {errors} non-200)",
        elapsed.as_secs_f64()
    );
}

/// Reads one HTTP/1.1 response with a Content-Length body; returns (status, body length).
async fn read_response(s: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(u16, usize)> {
    buf.clear();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).ok()?;
            let status = head.split_whitespace().nth(1)?.parse().ok()?;
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = s.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Some((status, length));
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
