//! The report's side: one scenario file in the report's JSON schema (scenario,
//! title, description, peers, quick, date, loadavg, tables, plots, targets,
//! headline, notes), the jobs that make its figures, and small statistics.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Map, Value};

/// When and under what load a scenario began.
pub struct Started {
    date: String,
    load: f64,
}

impl Started {
    pub fn now() -> Started {
        Started {
            date: iso8601_utc(std::time::SystemTime::now()),
            load: loadavg(),
        }
    }
}

/// Writes the scenario file: `body` holds title, description, peers, tables,
/// plots, targets, headline and notes.
pub fn write(path: &str, scenario: &str, quick: bool, started: &Started, body: Value) {
    let mut file = Map::new();
    file.insert("scenario".into(), json!(scenario));
    if let Value::Object(fields) = body {
        file.extend(fields);
    }
    file.insert("quick".into(), json!(quick));
    file.insert("date".into(), json!(started.date));
    file.insert("loadavg".into(), json!([started.load, loadavg()]));
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir).expect("create the report's data directory");
    }
    let text = serde_json::to_string_pretty(&Value::Object(file)).unwrap();
    std::fs::write(path, text + "\n").expect("write the scenario file");
    eprintln!("mdns_report: wrote {path}");
}

/// The 1-minute load average.
pub fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn iso8601_utc(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Runs jobs (see main.rs), each in a private network namespace of its own:
/// one after the other, or all at once. A job that fails yields
/// `{"error": ...}` in its place.
pub fn run_jobs(specs: &[Value], concurrent: bool) -> Vec<Value> {
    if concurrent {
        let handles: Vec<_> = specs
            .iter()
            .cloned()
            .map(|spec| std::thread::spawn(move || run_job(&spec)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    } else {
        specs.iter().map(run_job).collect()
    }
}

fn run_job(spec: &Value) -> Value {
    let exe = std::env::current_exe().unwrap();
    eprintln!("mdns_report: job {spec}");
    let child = Command::new("tests/netns/isolated")
        .arg(exe)
        .arg("job")
        .arg(spec.to_string())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return json!({"error": format!("start a job: {e}")}),
    };
    let mut result = None;
    for line in BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        if let Some(r) = line.strip_prefix("result ") {
            result = serde_json::from_str(r).ok();
        }
    }
    let status = child.wait();
    result.unwrap_or_else(
        || json!({"error": format!("job {spec} ended without a result ({status:?})")}),
    )
}

/// The p-th percentile (0..=100) of `values`, nearest rank.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// A figure for a table cell, rounded to `digits`, or null.
pub fn num(v: Option<f64>, digits: i32) -> Value {
    match v {
        Some(v) if v.is_finite() => {
            let scale = 10f64.powi(digits);
            json!((v * scale).round() / scale)
        }
        _ => Value::Null,
    }
}

/// Human text for a duration in milliseconds.
pub fn ms_text(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

/// One target of the report.
pub fn target(what: &str, target: &str, measured: String, met: Option<bool>, why: String) -> Value {
    json!({"what": what, "target": target, "measured": measured, "met": met, "why": why})
}
