//! The disk tier across real processes (`src/bin/disk_worker.rs`, one SQLite file per test):
//! results shared between processes and across restarts, a writer killed mid-run, damaged
//! entries and files, an unwritable path, namespaces and versions, `shared_clear`, the size
//! bound, expiry, and single-flight across processes, also when the claim's holder dies.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use memo::SharedInfo;
use memo_tests::SplitMix64;
use rusqlite::Connection;

/// How long any worker may take before the test fails as hung.
const DEADLINE: Duration = Duration::from_secs(30);

const NONE: SharedInfo = SharedInfo { hits: 0, misses: 0, waits: 0, writes: 0, errors: 0, corrupt: 0 };

/// What the worker's `function` returns for `x`: different for every function, so that an
/// entry read by the wrong function shows.
fn value(function: &str, x: u64) -> u64 {
    match function {
        "square" => x * x,
        "a::same_name" => 1000 + x,
        "b::same_name" => 2000 + x,
        "versioned@v1" => 3000 + x,
        "versioned@v2" => 4000 + x,
        "elsewhere" => 5000 + x,
        "brief" => 6000 + x,
        "flight" => 7000 + x,
        _ => panic!("no function {function}"),
    }
}

/// Checks a report line of the worker (`square values=0,1,4 hits=0 misses=3 ..`): it is
/// `function`'s, with the right value for each `x` in `range`. Returns its statistics.
#[track_caller]
fn check(line: &str, function: &str, range: Range<u64>) -> SharedInfo {
    let mut words = line.split(' ');
    assert_eq!(words.next(), Some(function), "{line}");
    let fields: BTreeMap<&str, &str> = words.map(|word| word.split_once('=').unwrap()).collect();
    let values: Vec<u64> =
        fields["values"].split(',').filter(|v| !v.is_empty()).map(|v| v.parse().unwrap()).collect();
    let expected: Vec<u64> = range.map(|x| value(function, x)).collect();
    assert_eq!(values, expected, "{function} returned wrong values");
    let count = |name: &str| fields[name].parse().unwrap();
    SharedInfo {
        hits: count("hits"),
        misses: count("misses"),
        waits: count("waits"),
        writes: count("writes"),
        errors: count("errors"),
        corrupt: count("corrupt"),
    }
}

/// A fresh directory for one test, removed on drop: the worker's working directory, with its
/// default store `cache.sqlite3` and the log `runs` of every body run.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("memo-disk-tier-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn store(&self) -> PathBuf {
        self.0.join("cache.sqlite3")
    }

    /// A worker running `steps` in this directory.
    fn command(&self, steps: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_disk_worker"));
        command
            .args(steps)
            .current_dir(&self.0)
            .env("MEMO_DISK_PATH", self.store())
            .env("MEMO_TEST_RUNS", self.0.join("runs"))
            .env_remove("MEMO_TEST_SLEEP_MS");
        command
    }

    /// Runs a worker to the end; its output lines.
    fn run(&self, steps: &[&str]) -> Vec<String> {
        Worker::start(self.command(steps)).finish()
    }

    /// Runs a worker to the end with `MEMO_SECRET` set to `secret`, or unset.
    fn run_with_secret(&self, secret: Option<&str>, steps: &[&str]) -> Vec<String> {
        let mut command = self.command(steps);
        match secret {
            Some(secret) => command.env("MEMO_SECRET", secret),
            None => command.env_remove("MEMO_SECRET"),
        };
        Worker::start(command).finish()
    }

    /// How many times `function`'s body ran, in every process.
    fn runs(&self, function: &str) -> usize {
        let log = std::fs::read_to_string(self.0.join("runs")).unwrap_or_default();
        log.lines().filter(|line| line.split(' ').next() == Some(function)).count()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The entries of the store at `path`, per namespace, checked against the totals it keeps.
fn namespaces(path: &Path) -> BTreeMap<String, i64> {
    assert!(path.exists(), "no store at {}", path.display());
    let db = Connection::open(path).unwrap();
    let mut select = db.prepare("SELECT namespace, count(*) FROM entries GROUP BY namespace").unwrap();
    let counts: BTreeMap<String, i64> =
        select.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect();
    let (kept, bytes, summed): (i64, i64, i64) = db
        .query_row(
            "SELECT entries, bytes, (SELECT coalesce(sum(size), 0) FROM entries) FROM stats",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!((kept, bytes), (counts.values().sum(), summed), "the store's totals are off");
    counts
}

/// The namespace of the worker's `function`: its path, and its version.
fn namespace(function: &str) -> String {
    match function.split_once('@') {
        Some((name, version)) => format!("disk_worker::versions::{name}@{version}"),
        None => format!("disk_worker::{function}@v0"),
    }
}

/// A running worker, with its stdout read line by line; killed if dropped while running.
struct Worker {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Worker {
    fn start(mut command: Command) -> Worker {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start disk_worker");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || stdout.lines().map_while(Result::ok).try_for_each(|line| tx.send(line)));
        Worker { child, lines }
    }

    /// The next line the worker prints.
    fn line(&mut self) -> String {
        self.lines.recv_timeout(DEADLINE).expect("the worker printed nothing more")
    }

    /// Sends a line to the worker's stdin (to pass its `gate`).
    fn go(&mut self) {
        use std::io::Write;
        self.child.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    }

    /// Closes stdin (to end its `hold`) and waits for the worker to succeed; the lines it
    /// printed and not yet read.
    fn finish(mut self) -> Vec<String> {
        drop(self.child.stdin.take());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(started.elapsed() < DEADLINE, "the worker hung");
            sleep(Duration::from_millis(2));
        };
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert!(status.success(), "the worker failed ({status}): {stderr}");
        self.lines.iter().collect()
    }

    /// SIGKILL, and reaps the process (a zombie would still look alive to the store).
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// While another program holds the store's write lock, a new process reads what is committed
/// at once: WAL readers never wait for a writer, not when opening the file, not for hits.
#[test]
fn readers_go_on_while_another_program_holds_the_write_lock() {
    let scratch = Scratch::new("write-locked");
    check(&scratch.run(&["square=0..100"])[0], "square", 0..100);
    let mut locker = Connection::open(scratch.store()).unwrap();
    let tx = locker.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).unwrap();
    tx.execute("UPDATE stats SET entries = entries", []).unwrap();
    // Old enough that every hit is due to be written (and must not wait for the lock).
    sleep(Duration::from_millis(1100));

    // 100 hits: more than the 64 after which a process writes their access times.
    let lines = scratch.run(&["square=0..100"]);
    let info = check(&lines[0], "square", 0..100);
    assert_eq!(info, SharedInfo { hits: 100, ..NONE }, "{}", lines[0]);
    let slowest: u64 = lines[0].rsplit_once("slowest_us=").unwrap().1.parse().unwrap();
    assert!(slowest < 100_000, "a call waited {slowest} us for the writer");
    drop(tx);
    assert_eq!(scratch.runs("square"), 100);
}

/// With a secret, every process that has it reads the others' entries; an entry written
/// without it, or changed behind memo's back, is counted corrupt and recomputed, never served.
#[test]
fn entries_under_a_secret_are_authenticated() {
    let scratch = Scratch::new("secret");
    let run = |secret, steps: &[&str]| scratch.run_with_secret(secret, steps);
    assert_eq!(check(&run(Some("s3cret"), &["square=0..4"])[0], "square", 0..4).writes, 4);
    assert_eq!(check(&run(Some("s3cret"), &["square=0..4"])[0], "square", 0..4).hits, 4);

    // Another program with access to the file rewrites a value (a valid encoding of 99).
    let db = Connection::open(scratch.store()).unwrap();
    let sealed: Vec<u8> = db
        .query_row("SELECT value FROM entries WHERE key = (SELECT max(key) FROM entries)", [], |row| {
            row.get(0)
        })
        .unwrap();
    let mut forged = sealed.clone();
    let value_end = forged.len() - 32 - 8; // before the expiry and the tag
    forged[value_end - 1] ^= 0x01;
    db.execute("UPDATE entries SET value = ?1 WHERE value = ?2", (&forged, &sealed)).unwrap();
    let info = check(&run(Some("s3cret"), &["square=0..4"])[0], "square", 0..4);
    assert_eq!(
        (info.hits, info.corrupt, info.misses, info.writes),
        (3, 1, 1, 1),
        "the forged entry was recomputed"
    );

    // Entries written without the secret are not served to a process that has it...
    let other = Scratch::new("secret-less");
    let run_other = |secret| other.run_with_secret(secret, &["square=0..4"]);
    assert_eq!(check(&run_other(None)[0], "square", 0..4).writes, 4);
    let info = check(&run_other(Some("s3cret"))[0], "square", 0..4);
    assert_eq!((info.hits, info.corrupt), (0, 4));
    // ...nor are they with another secret.
    let info = check(&run_other(Some("another"))[0], "square", 0..4);
    assert_eq!((info.hits, info.corrupt), (0, 4));
}

/// Under a secret the expiry is sealed with the value: lifting the store's expiry behind
/// memo's back does not bring an expired entry back.
#[test]
fn a_sealed_expiry_cannot_be_lifted() {
    let scratch = Scratch::new("sealed-expiry");
    let run = |steps: &[&str]| scratch.run_with_secret(Some("s3cret"), steps);
    assert_eq!(check(&run(&["brief=0..2"])[0], "brief", 0..2).writes, 2);
    let db = Connection::open(scratch.store()).unwrap();
    db.execute("UPDATE entries SET expires_at = NULL", []).unwrap();
    sleep(Duration::from_millis(1100)); // past the 1 s ttl
    let info = check(&run(&["brief=0..2"])[0], "brief", 0..2);
    assert_eq!((info.hits, info.misses, info.corrupt), (0, 2, 0), "expired, not served");
    assert_eq!(scratch.runs("brief"), 4);
}

#[test]
fn processes_share_results() {
    let scratch = Scratch::new("share");
    let mut first = Worker::start(scratch.command(&["square=0..20", "hold"]));
    assert_eq!(check(&first.line(), "square", 0..20), SharedInfo { misses: 20, writes: 20, ..NONE });
    // While the first still runs with its connections open, two more at once: all hits.
    let others = [scratch.command(&["square=0..20"]), scratch.command(&["square=0..20"])].map(Worker::start);
    for other in others {
        assert_eq!(check(&other.finish()[0], "square", 0..20), SharedInfo { hits: 20, ..NONE });
    }
    assert_eq!(first.finish(), Vec::<String>::new());
    assert_eq!(scratch.runs("square"), 20, "only the first process ran the body");
}

#[test]
fn values_survive_a_restart() {
    let scratch = Scratch::new("restart");
    let out = scratch.run(&["square=0..20"]);
    assert_eq!(check(&out[0], "square", 0..20), SharedInfo { misses: 20, writes: 20, ..NONE });
    assert_eq!(namespaces(&scratch.store()), BTreeMap::from([(namespace("square"), 20)]));
    let out = scratch.run(&["square=0..25"]);
    assert_eq!(check(&out[0], "square", 0..25), SharedInfo { hits: 20, misses: 5, writes: 5, ..NONE });
    assert_eq!(scratch.runs("square"), 25);
}

#[test]
fn a_writer_killed_mid_run_leaves_a_working_store() {
    let scratch = Scratch::new("killed");
    // Three writers in turn, each SIGKILLed while writing as fast as it can.
    for from in [0, 1000, 2000] {
        let mut writer = Worker::start(scratch.command(&[&format!("churn={from}")]));
        for x in from..from + 100 {
            assert_eq!(writer.line(), x.to_string());
        }
        writer.kill();
    }
    // What a writer printed had been written: hits. What it wrote since is a hit or a miss.
    // (A report's statistics are the process's totals so far.)
    let out = scratch.run(&[
        "square=0..100",
        "square=1000..1100",
        "square=2000..2100",
        "square=100..150",
        "square=1100..1150",
        "square=2100..2150",
    ]);
    for (n, (line, from)) in out[..3].iter().zip([0, 1000, 2000]).enumerate() {
        let hits = 100 * (n as u64 + 1);
        assert_eq!(check(line, "square", from..from + 100), SharedInfo { hits, ..NONE });
    }
    for (line, from) in out[3..].iter().zip([100, 1100, 2100]) {
        check(line, "square", from..from + 50);
    }
    let info = check(&out[5], "square", 2100..2150);
    assert_eq!((info.hits + info.misses, info.writes, info.errors, info.corrupt), (450, info.misses, 0, 0));
    let db = Connection::open(scratch.store()).unwrap();
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |row| row.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    drop(db);
    namespaces(&scratch.store());
}

#[test]
fn garbage_in_an_entry_is_counted_recomputed_and_overwritten() {
    let scratch = Scratch::new("corrupt-entry");
    scratch.run(&["square=0..5"]);
    let db = Connection::open(scratch.store()).unwrap();
    let keys: Vec<Vec<u8>> = db
        .prepare("SELECT key FROM entries WHERE namespace = ?1 ORDER BY key LIMIT 2")
        .unwrap()
        .query_map([namespace("square")], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut rng = SplitMix64(7);
    for key in &keys {
        let garbage: Vec<u8> = (0..24).map(|_| rng.next() as u8).collect();
        let update = "UPDATE entries SET value = ?1 WHERE namespace = ?2 AND key = ?3";
        assert_eq!(db.execute(update, (garbage, namespace("square"), key)).unwrap(), 1);
    }
    drop(db);
    let out = scratch.run(&["square=0..5"]);
    let expected = SharedInfo { hits: 3, misses: 2, writes: 2, corrupt: 2, ..NONE };
    assert_eq!(check(&out[0], "square", 0..5), expected);
    assert_eq!(scratch.runs("square"), 5 + 2);
    let out = scratch.run(&["square=0..5"]);
    assert_eq!(check(&out[0], "square", 0..5), SharedInfo { hits: 5, ..NONE }, "overwritten");
}

#[test]
fn a_garbage_file_fails_open_and_is_left_alone() {
    let scratch = Scratch::new("garbage-file");
    let mut rng = SplitMix64(11);
    let garbage: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
    std::fs::write(scratch.store(), &garbage).unwrap();
    let out = scratch.run(&["square=0..5"]);
    let info = check(&out[0], "square", 0..5);
    assert_eq!(SharedInfo { errors: 0, ..info }, NONE, "{info}");
    assert!(info.errors >= 5, "every call's failure counts: {info}");
    assert_eq!(scratch.runs("square"), 5);
    assert_eq!(std::fs::read(scratch.store()).unwrap(), garbage, "the file was modified");
}

#[test]
fn a_truncated_file_fails_open() {
    let scratch = Scratch::new("truncated");
    scratch.run(&["square=0..2000"]);
    // Everything into the main file (the worker leaves a write-ahead log), then half of it gone.
    let db = Connection::open(scratch.store()).unwrap();
    db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get::<_, i64>(0)).unwrap();
    drop(db);
    let file = std::fs::OpenOptions::new().write(true).open(scratch.store()).unwrap();
    let len = file.metadata().unwrap().len();
    assert!(len > 64 << 10, "{len} bytes: too small to truncate meaningfully");
    file.set_len(len / 2).unwrap();
    drop(file);
    let out = scratch.run(&["square=0..2000"]);
    let info = check(&out[0], "square", 0..2000);
    assert!(info.errors > 0, "{info}");
}

#[test]
fn an_unwritable_path_fails_open() {
    let scratch = Scratch::new("unwritable");
    let file = scratch.0.join("file");
    std::fs::write(&file, "a file, not a directory").unwrap();
    let mut command = scratch.command(&["square=0..5"]);
    command.env("MEMO_DISK_PATH", file.join("cache.sqlite3"));
    let out = Worker::start(command).finish();
    let info = check(&out[0], "square", 0..5);
    assert_eq!(SharedInfo { errors: 0, ..info }, NONE, "{info}");
    assert!(info.errors >= 5, "every call's failure counts: {info}");
    assert_eq!(scratch.runs("square"), 5);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a file, not a directory");
}

#[test]
fn same_names_and_versions_never_collide() {
    let scratch = Scratch::new("namespaces");
    let functions = ["a::same_name", "b::same_name", "versioned@v1", "versioned@v2", "elsewhere"];
    let steps = functions.map(|function| format!("{function}=0..5"));
    // One process per function: each misses, though the others stored the same keys.
    for (function, step) in functions.iter().zip(&steps) {
        let out = scratch.run(&[step]);
        assert_eq!(check(&out[0], function, 0..5), SharedInfo { misses: 5, writes: 5, ..NONE });
    }
    let out = scratch.run(&steps.each_ref().map(String::as_str));
    for (function, line) in functions.iter().zip(&out) {
        assert_eq!(check(line, function, 0..5), SharedInfo { hits: 5, ..NONE });
    }
    let expected = functions[..4].iter().map(|function| (namespace(function), 5));
    assert_eq!(namespaces(&scratch.store()), expected.collect());
    let elsewhere = namespaces(&scratch.0.join("elsewhere.sqlite3"));
    assert_eq!(elsewhere, BTreeMap::from([(namespace("elsewhere"), 5)]));
}

#[test]
fn shared_clear_removes_only_its_namespace() {
    let scratch = Scratch::new("clear");
    let functions = ["a::same_name", "b::same_name", "versioned@v1", "versioned@v2", "square"];
    let steps = functions.map(|function| format!("{function}=0..5"));
    let steps = steps.each_ref().map(String::as_str);
    scratch.run(&steps);
    let out = scratch.run(&["clear=a::same_name", "clear=versioned@v1", "clear=a::same_name"]);
    assert_eq!(
        out,
        ["clear a::same_name removed=5", "clear versioned@v1 removed=5", "clear a::same_name removed=0"]
    );
    let kept = ["b::same_name", "versioned@v2", "square"].map(|function| (namespace(function), 5));
    assert_eq!(namespaces(&scratch.store()), BTreeMap::from(kept));
    for (function, line) in functions.iter().zip(scratch.run(&steps)) {
        let expected = match *function {
            "a::same_name" | "versioned@v1" => SharedInfo { misses: 5, writes: 5, ..NONE },
            _ => SharedInfo { hits: 5, ..NONE },
        };
        assert_eq!(check(&line, function, 0..5), expected, "{function}");
    }
    // It also resets the statistics, and leaves the in-process cache alone.
    let out = scratch.run(&["square=0..5", "clear=square", "square=0..5"]);
    assert_eq!(check(&out[0], "square", 0..5), SharedInfo { hits: 5, ..NONE });
    assert_eq!(out[1], "clear square removed=5");
    assert_eq!(check(&out[2], "square", 0..5), NONE);
    assert!(!namespaces(&scratch.store()).contains_key(&namespace("square")));
}

#[test]
fn the_size_bound_holds_under_churn() {
    let scratch = Scratch::new("bound");
    let path = scratch.0.join("bounded.sqlite3");
    let configure = format!("configure=200,{}", path.display());
    scratch.run(&[&configure, "clear=square"]); // (creates the store: see `processes_create_a_store_at_once`)
    // Two writers at once, 3000 distinct entries in all.
    let writers = [["square=0..1500"], ["square=1500..3000"]]
        .map(|[step]| Worker::start(scratch.command(&[&configure, step])));
    for (writer, from) in writers.into_iter().zip([0, 1500]) {
        let info = check(&writer.finish()[0], "square", from..from + 1500);
        assert_eq!(info, SharedInfo { misses: 1500, writes: 1500, ..NONE });
    }
    assert_eq!(namespaces(&path), BTreeMap::from([(namespace("square"), 200)]));
    // The least recently used go: after 300 more, the newest are all there.
    let out = scratch.run(&[&configure, "square=3000..3300"]);
    assert_eq!(check(&out[0], "square", 3000..3300), SharedInfo { misses: 300, writes: 300, ..NONE });
    let out = scratch.run(&[&configure, "square=3200..3300"]);
    assert_eq!(check(&out[0], "square", 3200..3300), SharedInfo { hits: 100, ..NONE });
    assert_eq!(namespaces(&path), BTreeMap::from([(namespace("square"), 200)]));
    assert!(!scratch.store().exists(), "configure comes before MEMO_DISK_PATH");
}

#[test]
fn entries_expire_across_processes() {
    let scratch = Scratch::new("ttl");
    let out = scratch.run(&["brief=0..3"]);
    assert_eq!(check(&out[0], "brief", 0..3), SharedInfo { misses: 3, writes: 3, ..NONE });
    let db = Connection::open(scratch.store()).unwrap();
    let (lives, expires_at): (i64, i64) = db
        .query_row(
            "SELECT min(expires_at - accessed_at), max(expires_at) FROM entries WHERE namespace = ?1",
            [namespace("brief")],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    drop(db);
    assert_eq!(lives, 1000, "ttl = \"1s\"");
    let out = scratch.run(&["brief=0..3"]);
    assert_eq!(check(&out[0], "brief", 0..3), SharedInfo { hits: 3, ..NONE }, "not expired yet");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    sleep(Duration::from_millis((expires_at - now + 10).max(0) as u64));
    let out = scratch.run(&["brief=0..3"]);
    assert_eq!(check(&out[0], "brief", 0..3), SharedInfo { misses: 3, writes: 3, ..NONE }, "expired");
    assert_eq!(scratch.runs("brief"), 6);
}

#[test]
fn single_flight_runs_the_body_once_across_processes() {
    let scratch = Scratch::new("flight");
    scratch.run(&["clear=flight"]); // (creates the store: see `processes_create_a_store_at_once`)
    let mut workers = [(); 3].map(|()| {
        let mut command = scratch.command(&["gate", "flight=5..6"]);
        command.env("MEMO_TEST_SLEEP_MS", "300");
        Worker::start(command)
    });
    // All three ready, then released at once: the body runs once, the others wait for it.
    for worker in &mut workers {
        assert_eq!(worker.line(), "ready");
    }
    workers.iter_mut().for_each(Worker::go);
    let mut infos = workers.map(|worker| check(&worker.finish()[0], "flight", 5..6));
    infos.sort_by_key(|info| info.hits);
    let waited = SharedInfo { hits: 1, waits: 1, ..NONE };
    assert_eq!(infos, [SharedInfo { misses: 1, writes: 1, ..NONE }, waited, waited]);
    assert_eq!(scratch.runs("flight"), 1);
}

#[test]
fn a_dead_claim_holder_does_not_block_others() {
    let scratch = Scratch::new("dead-holder");
    let mut command = scratch.command(&["flight=9..10"]);
    command.env("MEMO_TEST_SLEEP_MS", "60000");
    let holder = Worker::start(command);
    let started = Instant::now();
    while scratch.runs("flight") == 0 {
        assert!(started.elapsed() < DEADLINE, "the holder's body never started");
        sleep(Duration::from_millis(5));
    }
    // The holder is in its body, holding the key's claim. A second process waits for it...
    let waiter = Worker::start(scratch.command(&["flight=9..10"]));
    sleep(Duration::from_millis(100)); // (time to start waiting; without it, it takes a dead claim over)
    // ...until the holder dies: well before its 10 s lease runs out, the waiter runs the body.
    let killed = Instant::now();
    holder.kill();
    let out = waiter.finish();
    let took = killed.elapsed();
    assert_eq!(check(&out[0], "flight", 9..10), SharedInfo { misses: 1, writes: 1, ..NONE });
    assert!(took < Duration::from_secs(5), "took {took:?} after the holder died");
    assert_eq!(scratch.runs("flight"), 2);
    let db = Connection::open(scratch.store()).unwrap();
    let claims: i64 = db.query_row("SELECT count(*) FROM claims", [], |row| row.get(0)).unwrap();
    assert_eq!(claims, 0, "the waiter released its claim");
}

/// Processes that start on a new store at once all use it. Fails: `PRAGMA journal_mode=wal`
/// on a file another process is creating returns SQLITE_BUSY at once (SQLite does not call the
/// busy handler there), and `DiskStore::take` treats the failed open as a lasting fault: no
/// store for that process for a second (`RETRY`).
#[test]
fn processes_create_a_store_at_once() {
    for round in 0..10 {
        let scratch = Scratch::new(&format!("create-{round}"));
        let mut workers = [(); 3].map(|()| Worker::start(scratch.command(&["gate", "square=0..5"])));
        for worker in &mut workers {
            assert_eq!(worker.line(), "ready");
        }
        workers.iter_mut().for_each(Worker::go);
        for worker in workers {
            let info = check(&worker.finish()[0], "square", 0..5);
            assert_eq!((info.errors, info.hits + info.misses), (0, 5), "round {round}: {info}");
        }
    }
}
