//! Pushes arbitrary arguments through the key building and lookup that `#[lru_cache]`
//! generates, for every argument kind it keys differently: `&str`, two `&str`s (a key that
//! merged them would confuse `("ab", "c")` with `("a", "bc")`), `&[u8]` with a `u64`, `f64`
//! with `&f32`, `(u8, char)`, `Option<String>` and `&Path`.
//!
//! For every call the memoized result must equal `f::uncached` with the same arguments, and
//! the call must be a hit exactly when a model predicts one: per function, a list of canonical
//! keys from the most to the least recently used, at most 8 of them, where equal keys are
//! those the documented key semantics call equal (`-0.0 == 0.0`, every NaN equals every NaN,
//! `Path`s compare by components). `currsize` must equal the model's length, and `hits +
//! misses` the calls made. Each body is a pure function of its key's equivalence class (blind
//! to the sign of zero, the NaN payload and path spelling), so a cached result is always right.
//!
//! Shared, via `#[path]`, by the libFuzzer target `fuzz/fuzz_targets/fn_keys.rs` and the
//! stable replay test `tests/tests/fuzz_replay.rs`. Every input starts from cleared caches,
//! so a run depends on its bytes only. Not reentrant: the caches are global, so callers must
//! not run `run` on two threads at once.

use arbitrary::{Arbitrary, Unstructured};
use memo::CacheInfo;
use std::path::{Component, Path};

const MAXSIZE: usize = 8;
/// Calls per input at most, to keep each execution fast.
const MAX_CALLS: usize = 512;

// ---------------------------------------------------------------------------------------------
// The memoized functions

/// FNV-1a, a deterministic hash for the bodies.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// `x` with `-0.0` made `0.0`, for formatting: `Display` prints `-0` otherwise. Every NaN
/// formats as `NaN` whatever its sign and payload.
fn unsigned_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

#[memo::lru_cache(maxsize = 8)]
fn text(s: &str) -> u64 {
    fnv(s.as_bytes()) ^ s.chars().count() as u64
}

#[memo::lru_cache(maxsize = 8)]
fn join(a: &str, b: &str) -> String {
    format!("{a:?}+{b:?}#{}", fnv(a.as_bytes()).rotate_left(7) ^ fnv(b.as_bytes()))
}

#[memo::lru_cache(maxsize = 8)]
fn bytes(b: &[u8], tag: u64) -> (u64, usize, u64) {
    (fnv(b), b.len(), tag.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[memo::lru_cache(maxsize = 8)]
fn float(x: f64, y: &f32) -> String {
    let (x, y) = (unsigned_zero(x), unsigned_zero(f64::from(*y)));
    format!("{x:e}/{y:e}/{:e}", unsigned_zero(x * y))
}

#[memo::lru_cache(maxsize = 8)]
fn pair(p: (u8, char)) -> String {
    format!("{}:{}:{}", p.0, p.1.escape_debug(), u32::from(p.1) ^ u32::from(p.0))
}

#[memo::lru_cache(maxsize = 8)]
fn opt(o: Option<String>) -> Option<u64> {
    o.map(|s| fnv(s.as_bytes()))
}

#[memo::lru_cache(maxsize = 8)]
fn path(p: &Path) -> String {
    let parts: Vec<String> = p.components().map(|c| format!("{c:?}")).collect();
    parts.join("|")
}

// ---------------------------------------------------------------------------------------------
// The input

/// A float argument: raw bits, or one of the edge cases.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Float {
    Bits(u64),
    Special(u8),
}

const SPECIALS: [f64; 12] = [
    0.0,
    -0.0,
    f64::NAN,
    -f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1.0,
    -1.0,
    f64::MAX,
];

impl Float {
    fn get(self) -> f64 {
        match self {
            Float::Bits(bits) => f64::from_bits(bits),
            // A NaN with another payload, or a special.
            Float::Special(255) => f64::from_bits(0x7FF0_0000_0000_0001),
            Float::Special(254) => f64::from_bits(0xFFF8_0000_0000_BEEF),
            Float::Special(i) => SPECIALS[usize::from(i) % SPECIALS.len()],
        }
    }

    fn get32(self) -> f32 {
        match self {
            Float::Bits(bits) => f32::from_bits(bits as u32),
            Float::Special(255) => f32::from_bits(0x7F80_0001),
            Float::Special(i) => SPECIALS[usize::from(i) % SPECIALS.len()] as f32,
        }
    }
}

/// One call. Small alphabets (`Short`, `Path`) make equal and near-equal keys likely.
#[derive(Arbitrary, Debug, Clone)]
pub enum Call {
    Text(String),
    /// `text` with a string over `"ab"`, so short inputs repeat keys.
    Short(Vec<bool>),
    Join(String, String),
    /// `join` splitting one string at every position: `("ab", "c")` vs `("a", "bc")`.
    Split(String, u8),
    Bytes(Vec<u8>, u8),
    Float(Float, Float),
    Pair(u8, char),
    Opt(Option<String>),
    /// A path over the alphabet `a`, `b`, `/`, `.`: `a//b`, `a/./b` and `a/b/` equal `a/b`.
    Path(Vec<u8>),
    PathRaw(String),
    /// Repeats an earlier call of this input (index modulo the history length).
    Again(u8),
    /// `cache_clear()` on every function.
    Clear,
}

/// The canonical form of a float key: what memo's key equality compares.
fn float_key(x: f64) -> u64 {
    if x.is_nan() { u64::MAX } else { unsigned_zero(x).to_bits() }
}

fn path_key(p: &Path) -> String {
    format!("{:?}", p.components().collect::<Vec<Component<'_>>>())
}

/// Per function: canonical keys from the most to the least recently used, and the calls made.
#[derive(Default)]
struct Model {
    keys: Vec<String>,
    calls: u64,
}

impl Model {
    /// Records a call with `key`; returns whether it must be a hit.
    fn call(&mut self, key: String) -> bool {
        self.calls += 1;
        let hit = match self.keys.iter().position(|k| *k == key) {
            Some(i) => {
                self.keys.remove(i);
                true
            }
            None => false,
        };
        self.keys.insert(0, key);
        self.keys.truncate(MAXSIZE);
        hit
    }
}

const FUNCTIONS: [&str; 7] = ["text", "join", "bytes", "float", "pair", "opt", "path"];

fn infos() -> [CacheInfo; 7] {
    [
        text::cache_info(),
        join::cache_info(),
        bytes::cache_info(),
        float::cache_info(),
        pair::cache_info(),
        opt::cache_info(),
        path::cache_info(),
    ]
}

fn clear_all() {
    text::cache_clear();
    join::cache_clear();
    bytes::cache_clear();
    float::cache_clear();
    pair::cache_clear();
    opt::cache_clear();
    path::cache_clear();
}

/// Makes the call; returns which function it went to and its canonical key. Panics if the
/// memoized result differs from `uncached`.
fn call(c: &Call) -> (usize, String) {
    match c {
        Call::Text(s) => {
            assert_eq!(text(s), text::uncached(s), "{c:?}");
            (0, s.clone())
        }
        Call::Short(bits) => {
            let s: String = bits.iter().map(|&b| if b { 'a' } else { 'b' }).collect();
            assert_eq!(text(&s), text::uncached(&s), "{c:?}");
            (0, s)
        }
        Call::Join(a, b) => {
            assert_eq!(join(a, b), join::uncached(a, b), "{c:?}");
            (1, format!("{a:?}{b:?}"))
        }
        Call::Split(s, at) => {
            let mut at = usize::from(*at) % (s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            let (a, b) = s.split_at(at);
            assert_eq!(join(a, b), join::uncached(a, b), "{c:?}");
            (1, format!("{a:?}{b:?}"))
        }
        Call::Bytes(b, tag) => {
            let tag = (u64::from(*tag) << 56) | b.len() as u64;
            assert_eq!(bytes(b, tag), bytes::uncached(b, tag), "{c:?}");
            (2, format!("{b:?}/{tag}"))
        }
        Call::Float(x, y) => {
            let (x, y) = (x.get(), y.get32());
            assert_eq!(float(x, &y), float::uncached(x, &y), "{c:?} = ({x:?}, {y:?})");
            (3, format!("{}/{}", float_key(x), float_key(f64::from(y))))
        }
        Call::Pair(n, ch) => {
            let p = (*n, *ch);
            assert_eq!(pair(p), pair::uncached(p), "{c:?}");
            (4, format!("{p:?}"))
        }
        Call::Opt(o) => {
            assert_eq!(opt(o.clone()), opt::uncached(o.clone()), "{c:?}");
            (5, format!("{o:?}"))
        }
        Call::Path(spelling) => {
            let s: String = spelling.iter().map(|&b| ['a', 'b', '/', '.'][usize::from(b % 4)]).collect();
            let p = Path::new(&s);
            assert_eq!(path(p), path::uncached(p), "{c:?} = {s:?}");
            (6, path_key(p))
        }
        Call::PathRaw(s) => {
            let p = Path::new(s);
            assert_eq!(path(p), path::uncached(p), "{c:?}");
            (6, path_key(p))
        }
        Call::Again(_) | Call::Clear => unreachable!("handled by run"),
    }
}

/// Runs the calls encoded in `data`; panics on a wrong result, an unexpected hit or miss, or
/// a wrong `cache_info()`.
pub fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    clear_all();
    let mut models: [Model; 7] = Default::default();
    let mut history: Vec<Call> = Vec::new();
    let mut made = 0;
    while !u.is_empty() && made < MAX_CALLS {
        let Ok(mut c) = u.arbitrary::<Call>() else { break };
        made += 1;
        if let Call::Again(i) = c {
            if history.is_empty() {
                continue;
            }
            c = history[usize::from(i) % history.len()].clone();
        }
        if let Call::Clear = c {
            clear_all();
            models = Default::default();
            continue;
        }
        let before = infos();
        let (f, key) = call(&c);
        let after = infos();
        let hit = models[f].call(key);
        let name = FUNCTIONS[f];
        for (g, (b, a)) in before.iter().zip(&after).enumerate() {
            let (hits, misses) = match (g == f, hit) {
                (false, _) => (0, 0),
                (true, true) => (1, 0),
                (true, false) => (0, 1),
            };
            assert_eq!(
                (a.hits - b.hits, a.misses - b.misses),
                (hits, misses),
                "{c:?}: {} counted wrong (expected a {} of {name})",
                FUNCTIONS[g],
                if hit { "hit" } else { "miss" },
            );
            let model = &models[g];
            assert_eq!(a.currsize, model.keys.len(), "{c:?}: {}'s currsize", FUNCTIONS[g]);
            assert!(a.currsize <= MAXSIZE, "{c:?}: {}'s currsize > maxsize", FUNCTIONS[g]);
            assert_eq!(a.maxsize, Some(MAXSIZE), "{c:?}: {}'s maxsize", FUNCTIONS[g]);
        }
        history.push(c);
    }
    for (info, (model, name)) in infos().iter().zip(models.iter().zip(FUNCTIONS)) {
        assert_eq!(info.hits + info.misses, model.calls, "{name}: hits + misses != calls");
    }
}
