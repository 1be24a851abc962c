//! The Redis tier across real processes: each test starts its own `redis-server` on a free
//! port and drives processes of the `redis_worker` binary (see `tests/src/bin/redis_worker.rs`)
//! against it, one command per line, looking at the server directly where it must.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use memo::SharedInfo;
use memo_redis_server::RedisServer;
use memo_tests::SplitMix64;

const WORKER: &str = env!("CARGO_BIN_EXE_redis_worker");

/// How long a worker may take to answer a command before the test fails instead of hanging.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);

/// The entry keys of the worker's `slow` (its namespace is `<bin crate>::slow@v<version>`).
const SLOW_KEYS: &str = "memo:redis_worker::slow@v0|*";

fn slow(x: u64) -> String {
    (x * x + 1).to_string()
}

/// A test's world: its own server, and the file the workers' bodies log their runs to.
struct World {
    server: RedisServer,
    runs_log: PathBuf,
}

impl World {
    /// `None` where `redis-server` is not installed: the test is skipped (said once).
    fn new() -> Option<World> {
        let server = RedisServer::start()?;
        let runs_log = std::env::temp_dir().join(format!(
            "memo-redis-tier-{}-{}.runs",
            std::process::id(),
            server.port()
        ));
        let _ = std::fs::remove_file(&runs_log);
        Some(World { server, runs_log })
    }

    fn worker(&self) -> Worker {
        Worker::spawn(&self.server.url(), &self.runs_log, None)
    }

    fn worker_with_secret(&self, secret: &str) -> Worker {
        Worker::spawn(&self.server.url(), &self.runs_log, Some(secret))
    }

    /// How many times the body of the worker's function `function` ran, in every process.
    fn runs(&self, function: &str) -> usize {
        let log = std::fs::read_to_string(&self.runs_log).unwrap_or_default();
        log.lines().filter(|line| line.split(' ').next() == Some(function)).count()
    }

    /// The processes (ids) whose body of `function` ran.
    fn runners(&self, function: &str) -> BTreeSet<u32> {
        let log = std::fs::read_to_string(&self.runs_log).unwrap_or_default();
        log.lines()
            .filter_map(|line| match line.split(' ').collect::<Vec<_>>()[..] {
                [f, _, pid] if f == function => pid.parse().ok(),
                _ => None,
            })
            .collect()
    }

    /// A direct connection to the server.
    fn raw(&self) -> redis::Connection {
        redis::Client::open(self.server.url()).unwrap().get_connection().unwrap()
    }

    /// The keys matching `pattern`, sorted.
    fn keys(&self, pattern: &str) -> Vec<Vec<u8>> {
        let (mut raw, mut cursor, mut keys) = (self.raw(), 0_u64, Vec::new());
        loop {
            let (next, batch): (u64, Vec<Vec<u8>>) =
                redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(pattern).query(&mut raw).unwrap();
            keys.extend(batch);
            if next == 0 {
                keys.sort();
                return keys;
            }
            cursor = next;
        }
    }

    /// The namespaces of the memo entries in the server.
    fn namespaces(&self) -> BTreeSet<String> {
        self.keys("memo:*")
            .iter()
            .map(|key| {
                let end = key.iter().position(|&b| b == b'|').expect("memo:<namespace>|<key bytes>");
                String::from_utf8(key[b"memo:".len()..end].to_vec()).unwrap()
            })
            .collect()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.runs_log);
    }
}

/// A `redis_worker -` process, fed commands on stdin.
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    answers: mpsc::Receiver<String>,
}

impl Worker {
    /// A worker on `url`, with `MEMO_SECRET` set to `secret` (or unset).
    fn spawn(url: &str, runs_log: &PathBuf, secret: Option<&str>) -> Worker {
        let mut command = Command::new(WORKER);
        match secret {
            Some(secret) => command.env("MEMO_SECRET", secret),
            None => command.env_remove("MEMO_SECRET"),
        };
        let mut child = command
            .arg("-")
            .env("MEMO_REDIS_URL", url)
            .env("MEMO_RUNS_LOG", runs_log)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot run the redis_worker binary");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, answers) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Worker { stdin: child.stdin.take(), child, answers }
    }

    fn send(&mut self, command: &str) {
        writeln!(self.stdin.as_mut().unwrap(), "{command}").expect("the worker is gone");
    }

    fn answer(&mut self) -> String {
        self.answers.recv_timeout(ANSWER_TIMEOUT).expect("the worker died or hangs")
    }

    fn ask(&mut self, command: &str) -> String {
        self.send(command);
        self.answer()
    }

    /// Calls `function(key)`: its value (as `{:?}`) and how long the call took in the worker.
    fn call(&mut self, function: &str, key: u64) -> (String, Duration) {
        let answer = self.ask(&format!("call {function} {key}"));
        parse_call(&answer)
    }

    fn value(&mut self, function: &str, key: u64) -> String {
        self.call(function, key).0
    }

    fn info(&mut self, function: &str) -> SharedInfo {
        let answer = self.ask(&format!("info {function}"));
        let mut info = SharedInfo::default();
        for field in answer.strip_prefix("info ").unwrap_or_else(|| panic!("{answer}")).split(' ') {
            let (name, count) = field.split_once('=').unwrap();
            let count = count.parse().unwrap();
            match name {
                "hits" => info.hits = count,
                "misses" => info.misses = count,
                "waits" => info.waits = count,
                "writes" => info.writes = count,
                "errors" => info.errors = count,
                "corrupt" => info.corrupt = count,
                _ => panic!("{answer}"),
            }
        }
        info
    }

    /// Closes stdin and checks that the worker exits cleanly (it never panicked).
    fn finish(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the worker failed: {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the worker does not exit");
            sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ok <microseconds> <value>`.
fn parse_call(answer: &str) -> (String, Duration) {
    let mut parts = answer.splitn(3, ' ');
    match (parts.next(), parts.next().and_then(|us| us.parse().ok()), parts.next()) {
        (Some("ok"), Some(micros), Some(value)) => (value.to_owned(), Duration::from_micros(micros)),
        _ => panic!("unexpected answer: {answer}"),
    }
}

#[test]
fn two_processes_share_results() {
    const N: u64 = 20;
    let Some(world) = World::new() else { return };
    let mut a = world.worker();
    let from_a: Vec<String> = (0..N).map(|k| a.value("slow", k)).collect();
    let points_a: Vec<String> = (0..3).map(|k| a.value("point", k)).collect();
    assert_eq!(from_a, (0..N).map(slow).collect::<Vec<_>>());
    assert_eq!(points_a[2], r#"Point { x: 2, y: -2, label: "p2" }"#);
    assert_eq!(a.info("slow"), SharedInfo { misses: N, writes: N, ..Default::default() });
    a.finish();
    assert_eq!(world.runs("slow"), N as usize);
    assert_eq!(world.keys(SLOW_KEYS).len(), N as usize);

    let mut b = world.worker();
    let from_b: Vec<String> = (0..N).map(|k| b.value("slow", k)).collect();
    let points_b: Vec<String> = (0..3).map(|k| b.value("point", k)).collect();
    assert_eq!(from_b, from_a);
    assert_eq!(points_b, points_a, "a struct comes back whole");
    assert_eq!(b.info("slow"), SharedInfo { hits: N, ..Default::default() });
    assert_eq!(b.info("point"), SharedInfo { hits: 3, ..Default::default() });
    b.finish();
    assert_eq!(world.runs("slow"), N as usize, "the second process never ran the body");
    assert_eq!(world.runners("slow").len(), 1);
    assert_eq!(world.runs("point"), 3);
}

#[test]
fn in_process_hits_never_touch_the_network() {
    let Some(mut world) = World::new() else { return };
    let mut worker = world.worker();
    assert_eq!(worker.value("slow", 1), slow(1));
    world.server.kill();

    assert_eq!(worker.value("slow", 1), slow(1));
    assert_eq!(worker.ask("local slow"), "local hits=1 misses=1");
    assert_eq!(worker.info("slow"), SharedInfo { misses: 1, writes: 1, ..Default::default() });
    assert_eq!(world.runs("slow"), 1);

    // The server is really gone: a new key counts an error.
    assert_eq!(worker.value("slow", 2), slow(2));
    assert!(worker.info("slow").errors >= 1);
    worker.finish();
}

#[test]
fn killed_server_degrades_then_recovers() {
    let Some(mut world) = World::new() else { return };
    let mut worker = world.worker();
    assert_eq!(worker.value("slow", 0), slow(0));
    world.server.kill();

    for k in 1..=20 {
        let (value, took) = worker.call("slow", k);
        assert_eq!(value, slow(k));
        assert!(took < Duration::from_millis(500), "call {k} took {took:?} with the server down");
    }
    let down = worker.info("slow");
    assert!(down.errors >= 20, "every call failed to read the store: {down}");
    assert_eq!((down.hits, down.writes), (0, 1), "{down}");
    assert_eq!(world.runs("slow"), 21);

    world.server.restart();
    let up = Instant::now();
    let mut k = 100;
    while worker.info("slow").writes == 1 {
        assert!(up.elapsed() < Duration::from_secs(5), "no write within 5 s of the restart");
        sleep(Duration::from_millis(20));
        k += 1;
        assert_eq!(worker.value("slow", k), slow(k));
    }
    assert_eq!(world.keys(SLOW_KEYS).len(), 1, "the restarted server is empty but for key {k}");
    assert_eq!(worker.ask("forget slow"), "ok");
    let hits = worker.info("slow").hits;
    assert_eq!(worker.value("slow", k), slow(k));
    assert_eq!(worker.info("slow").hits, hits + 1, "read back from Redis");
    worker.finish();
}

/// Under a secret, an entry changed by another program with access to the server, or written
/// without the secret, is counted corrupt and recomputed: never served.
#[test]
fn entries_under_a_secret_are_authenticated() {
    let Some(world) = World::new() else { return };
    let mut a = world.worker_with_secret("s3cret");
    assert_eq!(a.value("slow", 5), slow(5));
    a.finish();
    let key = world.keys(SLOW_KEYS).remove(0);
    let sealed: Vec<u8> = redis::cmd("GET").arg(&key).query(&mut world.raw()).unwrap();
    let mut forged = sealed.clone();
    let value_end = forged.len() - 32 - 8; // before the expiry and the tag
    forged[value_end - 1] ^= 0x01;
    redis::cmd("SET").arg(&key).arg(&forged).query::<()>(&mut world.raw()).unwrap();

    let mut b = world.worker_with_secret("s3cret");
    assert_eq!(b.value("slow", 5), slow(5), "the forged value was not served");
    assert_eq!(b.info("slow"), SharedInfo { misses: 1, writes: 1, corrupt: 1, ..Default::default() });
    assert_eq!(b.value("slow", 6), slow(6));
    b.finish();

    // A process without the secret writes unsealed entries; one with it never serves them.
    redis::cmd("DEL").arg(&key).query::<()>(&mut world.raw()).unwrap();
    let mut plain = world.worker();
    assert_eq!(plain.value("slow", 5), slow(5));
    plain.finish();
    let mut c = world.worker_with_secret("s3cret");
    assert_eq!(c.value("slow", 5), slow(5));
    assert_eq!(c.value("slow", 6), slow(6));
    assert_eq!(
        c.info("slow"),
        SharedInfo { hits: 1, misses: 1, writes: 1, corrupt: 1, ..Default::default() }
    );
    c.finish();
}

#[test]
fn garbage_entry_is_counted_recomputed_and_overwritten() {
    let Some(world) = World::new() else { return };
    let mut a = world.worker();
    assert_eq!(a.value("slow", 5), slow(5));
    a.finish();
    let keys = world.keys(SLOW_KEYS);
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert!(key.starts_with(b"memo:redis_worker::slow@v0|"), "{:?}", String::from_utf8_lossy(key));

    let mut rng = SplitMix64(5);
    let garbage: Vec<u8> = (0..64).map(|_| rng.next() as u8).collect();
    redis::cmd("SET").arg(key).arg(&garbage).query::<()>(&mut world.raw()).unwrap();

    let mut b = world.worker();
    assert_eq!(b.value("slow", 5), slow(5));
    assert_eq!(b.info("slow"), SharedInfo { misses: 1, writes: 1, corrupt: 1, ..Default::default() });
    b.finish();
    assert_eq!(world.runs("slow"), 2);
    let now: Vec<u8> = redis::cmd("GET").arg(key).query(&mut world.raw()).unwrap();
    assert_ne!(now, garbage, "overwritten");

    let mut c = world.worker();
    assert_eq!(c.value("slow", 5), slow(5));
    assert_eq!(c.info("slow"), SharedInfo { hits: 1, ..Default::default() });
    c.finish();
    assert_eq!(world.runs("slow"), 2);
}

#[test]
fn same_name_in_other_modules_or_versions_never_collide() {
    let Some(world) = World::new() else { return };
    let twins = [("a_twin", "\"a1\""), ("b_twin", "\"b1\""), ("twin_v2", "\"a1v2\"")];
    let mut a = world.worker();
    for (function, value) in twins {
        assert_eq!(a.value(function, 1), value);
        assert_eq!(a.info(function), SharedInfo { misses: 1, writes: 1, ..Default::default() }, "{function}");
    }
    a.finish();
    let expected =
        ["redis_worker::a::twin@v0", "redis_worker::a::twin_v2::twin@v2", "redis_worker::b::twin@v0"];
    assert_eq!(world.namespaces(), expected.map(String::from).into());

    let mut b = world.worker();
    for (function, value) in twins.into_iter().rev() {
        assert_eq!(b.value(function, 1), value);
        assert_eq!(b.info(function), SharedInfo { hits: 1, ..Default::default() }, "{function}");
    }
    b.finish();
    for (function, _) in twins {
        assert_eq!(world.runs(function), 1, "{function}");
    }
}

#[test]
fn shared_clear_removes_only_its_namespace() {
    let Some(world) = World::new() else { return };
    let mut a = world.worker();
    for k in 1..=3 {
        a.value("a_twin", k);
    }
    a.value("b_twin", 1);
    a.value("twin_v2", 1);
    a.value("slow", 1);
    a.finish();
    let planted = [
        "plain",
        "memo:redis_worker::a::twin@v0",
        "redis_worker::a::twin@v0|x",
        "memo:redis_worker::a::twin@v00|x",
        "xmemo:redis_worker::a::twin@v0|x",
    ];
    for key in planted {
        redis::cmd("SET").arg(key).arg("mine").query::<()>(&mut world.raw()).unwrap();
    }

    let mut b = world.worker();
    assert_eq!(b.ask("clear a_twin"), "cleared 3");
    assert!(world.keys("memo:redis_worker::a::twin@v0|*").is_empty());
    let dbsize: u64 = redis::cmd("DBSIZE").query(&mut world.raw()).unwrap();
    assert_eq!(dbsize, 3 + planted.len() as u64, "b::twin, twin@v2, slow and the planted keys stay");
    for key in planted {
        let value: String = redis::cmd("GET").arg(key).query(&mut world.raw()).unwrap();
        assert_eq!(value, "mine", "{key}");
    }
    assert_eq!(b.value("a_twin", 1), "\"a1\"");
    assert_eq!(b.info("a_twin"), SharedInfo { misses: 1, writes: 1, ..Default::default() });
    for function in ["b_twin", "twin_v2", "slow"] {
        b.value(function, 1);
        assert_eq!(b.info(function), SharedInfo { hits: 1, ..Default::default() }, "{function}");
    }
    b.finish();
    assert_eq!(world.runs("a_twin"), 4);
}

#[test]
fn ttl_sets_an_expiry_and_entries_expire() {
    let Some(world) = World::new() else { return };
    let mut a = world.worker();
    assert_eq!(a.value("fleeting", 1), "8");
    assert_eq!(a.value("slow", 1), slow(1));
    a.finish();
    let keys = world.keys("memo:redis_worker::fleeting@v0|*");
    assert_eq!(keys.len(), 1);
    let pttl: i64 = redis::cmd("PTTL").arg(&keys[0]).query(&mut world.raw()).unwrap();
    assert!(0 < pttl && pttl <= 1000, "ttl = \"1s\" but PTTL is {pttl}");
    let no_ttl: i64 = redis::cmd("PTTL").arg(&world.keys(SLOW_KEYS)[0]).query(&mut world.raw()).unwrap();
    assert_eq!(no_ttl, -1, "no ttl, no expiry");

    let start = Instant::now();
    while redis::cmd("EXISTS").arg(&keys[0]).query::<u64>(&mut world.raw()).unwrap() == 1 {
        assert!(start.elapsed() < Duration::from_secs(3), "the entry does not expire");
        sleep(Duration::from_millis(20));
    }
    let mut b = world.worker();
    assert_eq!(b.value("fleeting", 1), "8");
    assert_eq!(b.info("fleeting"), SharedInfo { misses: 1, writes: 1, ..Default::default() });
    b.finish();
    assert_eq!(world.runs("fleeting"), 2);
}

#[test]
fn single_flight_across_processes() {
    let Some(world) = World::new() else { return };
    let mut workers: Vec<Worker> = (0..3).map(|_| world.worker()).collect();
    for worker in &mut workers {
        assert_eq!(worker.ask("info flight"), "info hits=0 misses=0 waits=0 writes=0 errors=0 corrupt=0");
    }
    // All three are up: they call at once, the body (300 ms) runs in one.
    for worker in &mut workers {
        worker.send("call flight 7");
    }
    for worker in &mut workers {
        assert_eq!(parse_call(&worker.answer()).0, "1007");
    }
    let infos: Vec<SharedInfo> = workers.iter_mut().map(|worker| worker.info("flight")).collect();
    let total = infos.iter().fold(SharedInfo::default(), |sum, info| SharedInfo {
        hits: sum.hits + info.hits,
        misses: sum.misses + info.misses,
        waits: sum.waits + info.waits,
        writes: sum.writes + info.writes,
        errors: sum.errors + info.errors,
        corrupt: sum.corrupt + info.corrupt,
    });
    assert_eq!(world.runs("flight"), 1, "{infos:?}");
    assert_eq!(total, SharedInfo { hits: 2, misses: 1, waits: 2, writes: 1, ..Default::default() });
    workers.into_iter().for_each(Worker::finish);
    assert!(world.keys("memo-claim:*").is_empty(), "the claim was released");
}
