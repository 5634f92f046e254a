//! `iemlab studio` as a client meets it: the address on the first line, the token, Host and
//! Origin checks, only the embedded page served, bad requests answered and the server going
//! on, profiles heard and saved as they are edited, notes, and a clean stop. Requests are
//! written by hand on a socket, so malformed ones can be sent too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::harness::{iemlab_process, read_wav, temp_dir, write_wav_f32};

/// A running studio and what it printed.
struct Studio {
    child: Child,
    port: u16,
    token: String,
    _dir: Option<tempfile::TempDir>,
}

/// An HTTP answer: status, headers (lower-case names) and body.
struct Answer {
    status: u16,
    headers: String,
    body: String,
}

impl Studio {
    /// Starts `iemlab studio --no-open` with `args` and reads its address.
    fn start(args: &[&str]) -> Studio {
        let dir = temp_dir();
        let mut studio = Studio::start_in(dir.path(), args);
        studio._dir = Some(dir);
        studio
    }

    fn start_in(dir: &Path, args: &[&str]) -> Studio {
        let mut child = iemlab_process()
            .arg("studio")
            .arg("--no-open")
            .arg("--autosave")
            .arg(dir.join("autosave"))
            .arg("--notes")
            .arg(dir.join("notes.jsonl"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim();
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .unwrap_or_else(|| panic!("first line is not the address: {url:?}"));
        let (port, query) = rest.split_once("/?token=").unwrap();
        assert_eq!(query.len(), 32, "a 128-bit token in hex: {url}");
        Studio {
            child,
            port: port.parse().unwrap(),
            token: query.to_string(),
            _dir: None,
        }
    }

    /// Sends `raw` as it is and reads the answer to its end.
    fn raw(&self, raw: &[u8]) -> Answer {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        // The server may answer and close before a large body is all sent.
        let _ = s.write_all(raw);
        let mut bytes = Vec::new();
        let _ = s.read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        Answer {
            status,
            headers: head.to_ascii_lowercase(),
            body: body.to_string(),
        }
    }

    /// A request with this studio's Host, the token header unless `token` is None, and
    /// `extra` header lines.
    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        extra: &str,
        body: &str,
    ) -> Answer {
        let token = token.map_or(String::new(), |t| format!("X-Iemlab-Token: {t}\r\n"));
        let raw = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{token}{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        );
        self.raw(raw.as_bytes())
    }

    fn get(&self, path: &str) -> Answer {
        let token = self.token.clone();
        self.request("GET", path, Some(&token), "", "")
    }

    fn post(&self, path: &str, body: &str) -> Answer {
        let token = self.token.clone();
        self.request("POST", path, Some(&token), "", body)
    }

    /// Asks the studio to stop and waits for it; returns its exit code and stdout.
    fn quit(mut self) -> (i32, String) {
        let a = self.post("/api/quit", "");
        assert_eq!(a.status, 200, "{}", a.body);
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let status = self.child.wait().unwrap();
        (status.code().unwrap_or(-1), out)
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json(a: &Answer) -> serde_json::Value {
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("{e}: {:?}", a.body))
}

#[test]
fn every_request_needs_the_token_and_this_servers_host_and_origin() {
    let studio = Studio::start(&["--device", "null"]);
    let port = studio.port;
    let token = studio.token.clone();
    // The page itself, with the token in the address: served, and a cookie for the rest.
    let page = studio.request("GET", &format!("/?token={token}"), None, "", "");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<html"), "{}", page.body);
    assert!(
        page.headers.contains(&format!(
            "set-cookie: iemlab-{port}={token}; path=/; httponly; samesite=strict"
        )),
        "{}",
        page.headers
    );
    let cookie = format!("Cookie: iemlab-{port}={token}\r\n");
    assert_eq!(
        studio
            .request("GET", "/api/state", None, &cookie, "")
            .status,
        200
    );
    // No token, a wrong one, a wrong cookie: 403, with a JSON reason.
    for (path, extra) in [
        ("/", ""),
        ("/api/state", ""),
        ("/api/events", ""),
        ("/?token=00000000000000000000000000000000", ""),
        ("/api/state", "Cookie: iemlab-1=x\r\n"),
    ] {
        let a = studio.request("GET", path, None, extra, "");
        assert_eq!(a.status, 403, "{path} {extra}");
        assert!(json(&a)["error"].as_str().unwrap().contains("token"));
    }
    let wrong = studio.request("GET", "/api/state", Some("0123"), "", "");
    assert_eq!(wrong.status, 403);
    // A POST without the token changes nothing.
    let a = studio.request(
        "POST",
        "/api/input",
        None,
        "",
        r#"{"do":"profile","value":1}"#,
    );
    assert_eq!(a.status, 403);
    // Foreign Origin (a page on another site): 403, even with the token.
    for origin in [
        "http://evil.example",
        "null",
        "http://127.0.0.1:1",
        "https://127.0.0.1",
    ] {
        let a = studio.request(
            "POST",
            "/api/input",
            Some(&token),
            &format!("Origin: {origin}\r\n"),
            r#"{"do":"pause"}"#,
        );
        assert_eq!(a.status, 403, "Origin {origin}");
    }
    let same_origin = studio.request(
        "GET",
        "/api/state",
        Some(&token),
        &format!("Origin: http://localhost:{port}\r\n"),
        "",
    );
    assert_eq!(same_origin.status, 200);
    // A name rebound to 127.0.0.1 (DNS rebinding) arrives with its own Host: 403.
    for host in [
        "evil.example",
        "evil.example:80",
        &format!("127.0.0.2:{port}"),
        "",
    ] {
        let raw =
            format!("GET /?token={token} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        assert_eq!(studio.raw(raw.as_bytes()).status, 403, "Host {host:?}");
    }
    let raw = format!("GET /?token={token} HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(studio.raw(raw.as_bytes()).status, 403, "no Host");
    assert_eq!(studio.quit().0, 0);
}

#[test]
fn only_the_embedded_page_is_served() {
    let studio = Studio::start(&["--device", "null"]);
    let t = studio.token.clone();
    for path in [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fCargo.toml",
        "/src/cli/studio/mod.rs",
        "//etc/passwd",
        "/index.html/..",
        "/.%2e/Cargo.toml",
        "/nothing.js",
    ] {
        let a = studio.request("GET", &format!("{path}?token={t}"), None, "", "");
        assert_eq!(a.status, 404, "{path}: {}", a.body);
        assert!(!a.body.contains("[package]") && !a.body.contains("root:"));
    }
    let index = studio.get("/index.html");
    assert_eq!(index.status, 200);
    assert!(index.headers.contains("content-type: text/html"));
    assert!(
        index
            .headers
            .contains("content-security-policy: default-src 'self'"),
        "nothing is loaded from elsewhere: {}",
        index.headers
    );
    // Loopback only: the listening socket is bound to 127.0.0.1.
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    if !tcp.is_empty() {
        let ours = format!(":{:04X} ", studio.port);
        let bound: Vec<&str> = tcp
            .lines()
            .filter(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.get(1).is_some_and(|a| a.ends_with(ours.trim_end()))
                    && cols.get(3) == Some(&"0A")
            })
            .collect();
        assert!(
            !bound.is_empty(),
            "listener on port {} not found",
            studio.port
        );
        for line in bound {
            assert!(
                line.split_whitespace()
                    .nth(1)
                    .unwrap()
                    .starts_with("0100007F:"),
                "{line}"
            );
        }
    }
    studio.quit();
}

#[test]
fn bad_requests_get_a_clear_4xx_and_the_server_goes_on() {
    let studio = Studio::start(&["--device", "null"]);
    let cases: [(&str, &str, &str, u16, &str); 9] = [
        ("POST", "/api/input", "{\"do\": ", 400, "JSON"),
        (
            "POST",
            "/api/input",
            r#"{"do":"dance"}"#,
            400,
            "unknown input",
        ),
        (
            "POST",
            "/api/input",
            r#"{"do":"profile","value":7}"#,
            400,
            "0 to 3",
        ),
        (
            "POST",
            "/api/input",
            r#"{"do":"pause","colour":"red"}"#,
            400,
            "colour",
        ),
        (
            "POST",
            "/api/goto",
            r#"{"track":99,"seconds":1}"#,
            400,
            "entry 99",
        ),
        ("POST", "/api/profile/9", "null", 404, "slot 9"),
        ("POST", "/api/note", r#"{"text":"   "}"#, 400, "empty"),
        (
            "POST",
            "/api/blind",
            r#"{"mode":"maybe"}"#,
            400,
            "abx, ratings or off",
        ),
        (
            "POST",
            "/api/input",
            r#"{"do":"crossfade","value":900}"#,
            400,
            "0 to 500 ms",
        ),
    ];
    for (method, path, body, status, says) in cases {
        let a = studio.post_as(method, path, body);
        assert_eq!(a.status, status, "{path} {body}: {}", a.body);
        let error = json(&a)["error"].as_str().unwrap().to_string();
        assert!(error.contains(says), "{path} {body}: {error}");
    }
    // A body over 1 MiB: 413, and the server goes on.
    let big = format!("{{\"text\":\"{}\"}}", "a".repeat(2 << 20));
    assert_eq!(studio.post("/api/note", &big).status, 413);
    // Not HTTP at all, and a header block too large: a 4xx, and the server goes on.
    let garbage = studio.raw(b"\x16\x03\x01 hello there\r\n\r\n");
    assert!((400..500).contains(&garbage.status), "{}", garbage.status);
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Big: {}\r\n\r\n",
        studio.port,
        "b".repeat(1 << 20)
    );
    let a = studio.raw(huge_header.as_bytes());
    assert!((400..500).contains(&a.status), "{}", a.status);
    assert_eq!(studio.get("/api/state").status, 200);
    let (code, _) = studio.quit();
    assert_eq!(code, 0);
}

impl Studio {
    fn post_as(&self, method: &str, path: &str, body: &str) -> Answer {
        let token = self.token.clone();
        self.request(method, path, Some(&token), "", body)
    }
}

/// A profile with one peaking band, as the page sends it.
fn profile_json(name: &str, freq: f64, gain: f64) -> String {
    format!(
        r#"{{"name":"{name}","preamp_db":0,"per_channel":false,
            "left":{{"gain_db":0,"bands":[{{"type":"peaking","freq_hz":{freq},"gain_db":{gain},"q":1.0}}]}},
            "right":{{"gain_db":0,"bands":[]}}}}"#
    )
}

#[test]
fn an_edited_profile_is_heard_saved_and_restored() {
    let dir = temp_dir();
    // A steady 1 kHz tone: a cut at 1 kHz shows in the output's level.
    let rate = 48_000;
    let tone: Vec<f32> = (0..rate as usize * 30)
        .flat_map(|i| {
            let s = 0.25 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / rate as f32).sin();
            [s, s]
        })
        .collect();
    let input = dir.path().join("tone.wav");
    write_wav_f32(&input, rate, &tone);
    let out = dir.path().join("out.wav");
    let studio = Studio::start_in(
        dir.path(),
        &[
            "--device",
            &format!("wav:{}", out.display()),
            input.to_str().unwrap(),
        ],
    );
    std::thread::sleep(Duration::from_millis(400));
    let a = studio.post("/api/profile/0", &profile_json("cut", 1000.0, -12.0));
    assert_eq!(a.status, 200, "{}", a.body);
    let saved = PathBuf::from(json(&a)["autosave"].as_str().unwrap());
    std::thread::sleep(Duration::from_millis(600));
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(
        text.contains("name = \"cut\"") && text.contains("-12"),
        "{text}"
    );
    // A band out of range is refused with its number and value, and nothing changes.
    let bad = studio.post("/api/profile/0", &profile_json("bad", 0.0, -3.0));
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        json(&bad)["error"].as_str().unwrap().contains('1'),
        "{}",
        bad.body
    );
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), text);
    let (code, _) = studio.quit();
    assert_eq!(code, 0);
    // The output: about −12 dB after the edit, against the tone before it.
    let (_, samples) = read_wav(&out);
    let rms = |s: &[f32]| (s.iter().map(|x| x * x).sum::<f32>() / s.len() as f32).sqrt();
    let before = rms(&samples[2 * 4800..2 * 9600]);
    let after = rms(&samples[samples.len() - 2 * 9600..samples.len() - 2 * 4800]);
    let drop_db = 20.0 * (after / before).log10();
    assert!((-13.5..-10.5).contains(&drop_db), "{drop_db} dB");
    // The next studio on that folder starts with the edit in slot A.
    let again = Studio::start_in(dir.path(), &["--device", "null", input.to_str().unwrap()]);
    let state = json(&again.get("/api/state"));
    assert_eq!(state["slots"][0]["profile"]["name"], "cut", "{state}");
    again.quit();
}

#[test]
fn notes_and_ratings_go_to_the_notes_file_and_the_draft() {
    let dir = temp_dir();
    let studio = Studio::start_in(dir.path(), &["--device", "null"]);
    let a = studio.post("/api/note", r#"{"text":"treble a touch bright"}"#);
    assert_eq!(a.status, 200, "{}", a.body);
    let a = studio.post(
        "/api/rate",
        r#"{"section":"timbre","score":4,"words":"natural"}"#,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let bad = studio.post("/api/rate", r#"{"section":"timbre","score":9}"#);
    assert_eq!(bad.status, 400, "{}", bad.body);
    let notes = std::fs::read_to_string(dir.path().join("notes.jsonl")).unwrap();
    assert_eq!(notes.lines().count(), 2, "{notes}");
    assert!(notes.contains("treble a touch bright"));
    let draft = json(&studio.post("/api/report", ""));
    let markdown = draft["markdown"].as_str().unwrap();
    assert!(markdown.contains("treble a touch bright"), "{markdown}");
    assert!(Path::new(draft["path"].as_str().unwrap()).exists());
    assert_eq!(studio.quit().0, 0);
}

#[test]
fn an_interrupt_stops_the_studio_cleanly() {
    let mut studio = Studio::start(&["--device", "null"]);
    assert_eq!(studio.get("/api/state").status, 200);
    unsafe { libc::kill(studio.child.id() as i32, libc::SIGINT) };
    let status = studio.child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{status:?}");
}
