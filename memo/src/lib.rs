//! `functools.lru_cache` for Rust.
//!
//! Put `#[lru_cache]` on a slow function and repeated calls with the same arguments return
//! at once, with the statistics and controls Python users know:
//!
//! ```
//! use memo::lru_cache;
//!
//! #[lru_cache(maxsize = 256)]
//! fn get_user_email(user_id: u64) -> String {
//!     format!("user{user_id}@example.com") // a slow lookup, in real life
//! }
//!
//! for _ in 0..100 {
//!     assert_eq!(get_user_email(7), "user7@example.com");
//! }
//! let info = get_user_email::cache_info();
//! assert_eq!(info.to_string(), "CacheInfo(hits=99, misses=1, maxsize=256, currsize=1)");
//! get_user_email::cache_clear();
//! assert_eq!(get_user_email::cache_info().currsize, 0);
//! ```
//!
//! # From functools
//!
//! | Python | memo |
//! |---|---|
//! | `@lru_cache` | `#[lru_cache]` (`maxsize = 128, typed = false`) |
//! | `@lru_cache(maxsize=256)` | `#[lru_cache(maxsize = 256)]` |
//! | `@lru_cache(maxsize=None)`, `@cache` | `#[lru_cache(maxsize = None)]`, `#[cache]` |
//! | `@lru_cache(maxsize=0)` | `#[lru_cache(maxsize = 0)]`: every call runs and counts as a miss |
//! | `@lru_cache(typed=True)` | `#[lru_cache(typed = true)]` (see [Generic functions and `typed`](#generic-functions-and-typed)) |
//! | (no equivalent) | `ignore = [db, self]`, `key = expr` (see [Keys](#keys)); `shards = 16`, `read_hits` for many threads (see [Many threads](#many-threads-shards), [`read_hits`](#hot-caches-on-many-threads-read_hits)) |
//! | (no equivalent) | `ttl = "10m"`, `cache_err`, `cache_none = false`, `f::cache_peek/remove/put` (see [Expiry](#expiry-per-key-control-and-what-is-cached)) |
//! | (no equivalent) | `single_flight`, `async fn` (see [Single-flight](#single-flight-and-async-fn)); `disk`, `redis` (see [Sharing](#sharing-between-processes-disk-and-redis)) |
//! | `f.cache_info()` | `f::cache_info()` → [`CacheInfo`], printed as CPython prints it |
//! | `f.cache_clear()` | `f::cache_clear()`: empties the cache and resets the statistics |
//! | `f.cache_parameters()` | `f::cache_parameters()` → [`CacheParameters`] |
//! | `f.__wrapped__(x)` | `f::uncached(x)`: the body, without the cache |
//!
//! The companions live in an item named like the function. Functions and types live in
//! different namespaces, so `f(..)` and `f::cache_info()` coexist. That item is an empty
//! `enum` rather than a module, because a module cannot see the items of a function body:
//! this way a function memoized *inside* another function (a test, say) works too, even
//! when its arguments are types local to that body.
//!
//! For a method or an associated function, no item can sit beside it in the `impl` block, so
//! the companions are associated functions: `Type::f_cache_info()`, `Type::f_cache_clear()`,
//! `Type::f_cache_parameters()` and `Type::f_uncached(&self, ..)`.
//!
//! # Semantics
//!
//! - A hit returns a clone of the stored value. A miss is counted before the body runs, and
//!   the body's value is stored, evicting the least recently used entry when the cache is
//!   full (unless `maxsize = 0`).
//! - The body never runs under a lock: recursion works, and a body may call
//!   `f::cache_clear()`. Two threads that miss the same key both run the body; the first
//!   value stored stays, and each caller gets the value its own body returned (unless the
//!   function opts into [`single_flight`](#single-flight-and-async-fn)).
//! - A function returning `Result` caches its `Ok` values and never its `Err`s, as functools
//!   never caches an exception. This holds for aliases: the macro treats as a `Result` a
//!   return type named `Result` (`std::io::Result<T>`, `anyhow::Result<T>`) or a generic type
//!   whose name ends in `Result` (`IoResult<T>`). Every other value, `None` included, is
//!   cached as returned.
//! - A panicking body caches nothing; the cache is never poisoned.
//! - User code that runs while the cache is locked (a key's `Eq`, a value's `Clone`) may call
//!   the same memoized function: that nested call runs its body without the cache instead of
//!   waiting for the lock, so it cannot deadlock. (A key's `Hash` runs before locking.) Two
//!   *different* functions whose keys' `Eq` call each other, on two threads at once, take two
//!   locks in opposite orders and can deadlock, as any two locks can.
//!
//! # Keys
//!
//! Each call's arguments form the key, hashed once per call.
//!
//! - Arguments taken by value must be `Hash + Eq + Clone`.
//! - Borrowed arguments (`&str`, `&[T]`, `&Path`, `&OsStr`, `&T`) are stored in their owned
//!   form (`String`, `Vec<T>`, `PathBuf`, `OsString`, `T`), via [`ToOwned`]. A lookup compares
//!   the borrowed form directly, so a hit allocates nothing; the owned key is made on a miss.
//! - Keys compare with the argument type's own `Eq`. For `&Path` that is component equality,
//!   so `a/b`, `a//b` and `a/./b` are one key, where Python would compare strings; take a
//!   `&str` to key on the exact spelling.
//! - `f32` and `f64` arguments are keyed by value: `-0.0` equals `0.0` (as in Python), and
//!   every NaN equals every NaN (Python misses on each new NaN object; here a NaN argument is
//!   cached like any other value).
//! - `ignore = [name, ..]` leaves arguments out of the key: a database handle, a logger, or
//!   `self`. An ignored argument may be anything, `&mut` included.
//!
//! ```
//! # struct Db;
//! # impl Db { fn query(&self, _: &str) -> u64 { 1 } }
//! #[memo::lru_cache(maxsize = 1024, ignore = [db])]
//! fn user_count(db: &Db, country: &str) -> u64 {
//!     db.query(country)
//! }
//! # assert_eq!(user_count(&Db, "fr"), 1);
//! ```
//!
//! `key = expr` builds the key from an expression over the arguments instead: for arguments
//! that cannot be keys (a struct of floats, a `HashMap`, a large config of which one field
//! matters), and to normalise keys so that several calls share an entry. The expression is
//! evaluated once per call, before the lookup, and borrowed (`key = name` does not move
//! `name`); its value must be owned (`Hash + Eq + Clone + Send + 'static`), and a hit
//! allocates only what the expression does. The per-key
//! companions take the function's arguments and build the same key.
//!
//! ```
//! #[memo::lru_cache(maxsize = 1024, key = name.trim().to_lowercase())]
//! fn profile(name: &str) -> String {
//!     format!("profile of {}", name.trim().to_lowercase()) // a slow lookup, in real life
//! }
//!
//! profile("Ada");
//! profile("  ADA "); // the same entry
//! assert_eq!(profile::cache_info().hits, 1);
//!
//! struct Point { x: f64, y: f64 }
//! #[memo::lru_cache(maxsize = 64, key = (p.x.to_bits(), p.y.to_bits()))]
//! fn norm(p: &Point) -> f64 {
//!     p.x.hypot(p.y)
//! }
//! assert_eq!(norm(&Point { x: 3.0, y: 4.0 }), 5.0);
//! ```
//!
//! Methods key on `&self` too (functools' behaviour), so the type must be `Hash + Eq + Clone`,
//! unless `ignore = [self]`. The cache is per method, shared by all instances.
//!
//! ```
//! #[derive(Clone, Hash, PartialEq, Eq)]
//! struct Circle { radius: u32 }
//!
//! impl Circle {
//!     #[memo::lru_cache(maxsize = 64)]
//!     fn area(&self, scale: u32) -> u64 {
//!         3 * u64::from(self.radius * self.radius * scale)
//!     }
//! }
//!
//! assert_eq!(Circle { radius: 2 }.area(1), 12);
//! assert_eq!(Circle { radius: 2 }.area(1), 12);
//! assert_eq!(Circle::area_cache_info().hits, 1);
//! ```
//!
//! # Many threads: `shards`
//!
//! Every call locks the function's cache for a few nanoseconds, so threads that call one
//! function at the same time queue on that lock. `shards = N` splits the cache into `N`
//! stores, each with its own lock, chosen by the key's hash: threads calling with different
//! keys rarely meet. The bound stays `maxsize` in all. While the cache holds fewer entries,
//! any shard may grow. Once it is full, a shard that stores a new entry evicts its *own* least
//! recently used entry. Recency is therefore exact within a shard and approximate across them:
//! the entry evicted is the oldest of its shard, not always the oldest of the cache. Without
//! `shards`, eviction is exactly functools'.
//!
//! Measure before reaching for it. Shards help when threads would wait on one lock: many
//! cores, or keys whose `Eq` or values whose `Clone` take long under it. They do not make hits
//! of a small cache cheaper: two threads hitting one 256-entry cache with keys spread over
//! every shard run slower sharded than exact (`benches/compare.rs`, group `two_threads`),
//! because each call then moves a shard's cache lines from the other core, where one lock
//! lets a thread keep them while it runs.
//!
//! ```
//! #[memo::lru_cache(maxsize = 4096, shards = 16)]
//! fn score(user: u64) -> u64 {
//!     user.count_ones().into()
//! }
//! std::thread::scope(|scope| {
//!     for t in 0..4 {
//!         scope.spawn(move || (0..1000).map(|u| score(u + t)).sum::<u64>());
//!     }
//! });
//! let info = score::cache_info();
//! assert_eq!(info.hits + info.misses, 4000);
//! assert!(info.currsize <= 4096);
//! ```
//!
//! # Hot caches on many threads: `read_hits`
//!
//! An exact LRU hit moves its entry to the front of the recency list, so every hit writes the
//! cache, and threads that hit one function at once take turns and pass its cache lines back
//! and forth between cores. `read_hits` trades exact recency for hits that write nothing
//! another thread reads:
//!
//! - a hit takes a *read* lock (`crossbeam_utils`' `ShardedLock`: each thread locks its own
//!   cache line), finds the entry, and sets its *referenced* flag if it is not set yet; the
//!   hit is counted in a counter of the thread's own;
//! - a miss, an insertion, `cache_clear` and the other companions take the write lock;
//! - eviction is CLOCK (second chance): the entries stay in the order they were inserted; the
//!   oldest one is evicted unless it was hit since it was last passed over, in which case its
//!   flag is cleared, it moves to the front, and the next oldest is considered.
//!
//! What changes against exact LRU is only *which* entry a full cache evicts: an entry that
//! was never hit goes before any that was, whatever their ages; and among entries that were
//! hit, the order is that of insertion (or of their last second chance), not of their last
//! hit. `cache_info`, `cache_clear`, the bound, expiry, `single_flight` and `shards` are as
//! without it.
//!
//! ```
//! #[memo::lru_cache(maxsize = 3, read_hits)]
//! fn square(x: u64) -> u64 {
//!     x * x
//! }
//! for x in [1, 2, 3, 2, 1] {
//!     square(x); // 2, then 1, are hit: both flagged
//! }
//! square(4); // 1 and 2 get a second chance (in that order); 3, never hit, goes
//! square(5); // exact LRU would now evict 2 (hit before 1); CLOCK evicts 1, oldest of the two
//! assert_eq!(square::cache_info().to_string(), "CacheInfo(hits=2, misses=5, maxsize=3, currsize=3)");
//! square(2);
//! assert_eq!(square::cache_info().hits, 3);
//! ```
//!
//! Measure before reaching for it (`benches/compare.rs`, group `two_threads`). On two threads
//! hitting a 256-entry cache, `read_hits` makes a call about twice as cheap as exact LRU; on
//! one thread a hit costs a little more (a read lock costs more than a mutex), and a miss
//! takes the write lock, which locks every thread's line: a workload that misses often is
//! slower with it. Keys and values must be `Sync`, since threads read them at once (a compile error says
//! so); methods, generic functions and `key = expr` cannot take it (their caches hold
//! `dyn Any`): give it to a free function that they call.
//!
//! # Generic functions and `typed`
//!
//! A generic function has one cache, with one `maxsize` and one `cache_info`, for all its
//! instantiations. Its entries are tagged with the instantiation's types (the type and
//! const parameters, `Self` for a method, and the concrete types of `impl Trait` arguments),
//! so calls with different types never share an entry and a value always comes back as the
//! type it was stored as. The macro adds `Send + 'static` bounds to the type parameters (a
//! cache shared by every thread stores and tags with them).
//!
//! ```
//! #[memo::cache]
//! fn describe<T: std::fmt::Debug + std::hash::Hash + Eq + Clone>(x: T) -> String {
//!     format!("{x:?}")
//! }
//! assert_eq!(describe(1u8), "1");
//! assert_eq!(describe(1u16), "1"); // another type: a miss, never u8's entry
//! assert_eq!(describe::cache_info().misses, 2);
//! ```
//!
//! `typed`: in Python, `typed=True` keeps `f(3)` and `f(3.0)` apart, because `3 == 3.0`.
//! Rust never compares values of different types, so memo always keeps instantiations apart,
//! which is what `typed = true` asks for; it must, because a value of one type must never come
//! back as another. For a non-generic function, types are fixed and the flag cannot matter.
//! So `typed = false` and `typed = true` behave identically, and
//! `cache_parameters()` reports the flag as declared.
//!
//! # Expiry, per-key control and what is cached
//!
//! `cache_err` caches a `Result`'s `Err` values too, and `cache_none = false` keeps `None`
//! values (of an `Option`, or of a `Result<Option<T>, E>`'s `Ok`) out of the cache, so that
//! the next call looks again.
//!
//! `ttl = "10m"` gives entries a lifetime (units `ms`, `s`, `m`, `h`, `d`, combined as
//! `"1h30m"`): an expired entry is a miss, is never returned, and does not count toward
//! `currsize`. Caches without `ttl` pay nothing for it. Three companions act on one entry, by
//! the call's key arguments: `f::cache_peek(args)` reads it without running the body,
//! counting, or changing recency; `f::cache_remove(args)` forgets it; `f::cache_put(args,
//! value)` primes or replaces it.
//!
//! ```
//! #[memo::lru_cache(maxsize = 64, ttl = "1h")]
//! fn exchange_rate(from: &str, to: &str) -> f64 {
//!     if from == to { 1.0 } else { 0.92 } // a slow API call, in real life
//! }
//!
//! exchange_rate::cache_put("EUR", "CHF", 0.95); // primed: no call for this pair
//! assert_eq!(exchange_rate("EUR", "CHF"), 0.95);
//! assert_eq!(exchange_rate::cache_peek("USD", "EUR"), None); // never called
//! assert_eq!(exchange_rate::cache_remove("EUR", "CHF"), Some(0.95));
//! assert_eq!(exchange_rate::cache_info().to_string(), "CacheInfo(hits=1, misses=0, maxsize=64, currsize=0)");
//! ```
//!
//! [`caches()`] lists every memoized function that has run, with its statistics, for an
//! application to report hit ratios and tune each `maxsize`.
//!
//! # Single-flight and `async fn`
//!
//! `single_flight` makes concurrent misses of one key run the body once: the first caller
//! leads, the others wait (a thread blocks, a future awaits) and get a clone of its value.
//! In `cache_info`, the leader counts a miss and each waiter that gets the value a hit, so
//! `misses` still counts the body's runs and `hits + misses` the calls. It never hangs:
//!
//! - a leader whose body panics, returns a value that is not cached (an `Err`, or `None`
//!   under `cache_none = false`), or whose future is dropped, releases the waiters, and one
//!   of them leads the next computation; nothing half-computed is cached;
//! - a call that would wait for a computation that itself waits, through any chain of
//!   single-flight calls, for the caller's own (recursion into one's own key, two bodies
//!   waiting for each other's keys, on threads or tasks) runs the body directly instead,
//!   counted as a miss. Only chains of calls made inside the body are seen: a body that
//!   hands the work to another thread or a spawned task and blocks on it is not.
//!
//! Even `maxsize = 0` shares one computation among concurrent callers.
//!
//! `#[lru_cache]` and `#[cache]` memoize `async fn`s, free and methods, the same way: the key
//! is looked up before the body's future starts, the value stored when it ends, and no lock
//! is held across an `.await`. A dropped call stores nothing. memo depends on no runtime,
//! and the wrapper's future is `Send` when the arguments and the body's future are. A shared
//! tier (`disk`, `redis`) cannot back an `async fn` yet, because its clients block.
//!
//! ```
//! #[memo::lru_cache(maxsize = 1024, ttl = "30s", single_flight)]
//! async fn regional_sales(region: String) -> u64 {
//!     region.len() as u64 // a slow query, in real life
//! }
//! # let _ = regional_sales;
//! ```
//!
//! # Sharing between processes: `disk` and `redis`
//!
//! With the `disk` feature, `#[lru_cache(disk)]` puts a second tier behind the in-process
//! cache: a SQLite file that every process of the machine opens at once, and that survives
//! restarts (`memo::disk`). With the `redis` feature, `#[lru_cache(redis)]` puts it in Redis,
//! for a fleet of machines (`memo::redis`). An in-process hit never touches the store; a miss
//! asks the store before running the body, and a store hit fills the in-process cache.
//! Arguments must be `serde::Serialize`, values `Serialize + Deserialize`; they are written
//! with postcard under a namespace of crate, module, function and `version = N`, the whole
//! key stored and compared. Every failure of the store (down, slow, locked, corrupt, another
//! version's bytes) counts in `f::shared_info()` and is otherwise a miss: the call returns
//! the body's value. `single_flight` makes concurrent misses of one key, across threads and
//! processes, run the body once; `f::shared_clear()` removes the function's entries from the
//! store; `ttl` applies to both tiers.
//!
//! ```ignore
//! #[memo::lru_cache(maxsize = 1024, disk, version = 2, ttl = "1d", single_flight)]
//! fn render(report_id: u64) -> String { /* seconds of work */ }
//!
//! fn main() {
//!     memo::disk::configure(memo::disk::Options::new("/var/cache/app/memo.sqlite3")).unwrap();
//!     render(7); // computed once on this machine, then read by every process
//!     println!("{}", render::shared_info()); // SharedInfo(hits=0, misses=1, waits=0, writes=1, ...)
//! }
//! ```
//!
//! # How it works
//!
//! The store is [`LruCache`]: entries in a dense `Vec` linked into a recency list by `u32`
//! indices, and a `hashbrown` table of those indices. Every operation is O(1), each entry
//! keeps its hash (growth and eviction never hash a key again), and there is no `unsafe` code.
//! A memoized function wraps one in a `parking_lot` mutex (under `read_hits`, a
//! `crossbeam_utils` `ShardedLock`), with its counters, in a `static`.
//! This is roughly what `#[lru_cache(maxsize = 256)] fn lookup(id: u64, name: &str) -> String`
//! becomes:
//!
//! ```ignore
//! fn lookup(id: u64, name: &str) -> String {
//!     // The key as borrowed parts: hashed once, compared with stored keys without allocating.
//!     // `call` looks them up (and, on a miss, registers the cache, waits for another call's
//!     // `single_flight`, asks a shared tier); `run` returns a clone of the cached String, or
//!     // runs the body with no lock held and stores its value (the owned key (u64, String)
//!     // made on the miss), unless another call stored one first.
//!     Handle(&__memo_cache_lookup, ()) // `()`: the one instantiation
//!         .call(Site { .. }, (arg(&id), (arg(name), ())), NoTier)
//!         .run::<Plain, _>(|| lookup::uncached(id, name))
//! }
//!
//! static __memo_cache_lookup: FnCache<Typed<(u64, (String, ()))>, Always<String>> = FnCache::new(Some(256), false, 1, None);
//!
//! enum lookup {}
//! impl lookup {
//!     fn cache_info() -> CacheInfo { __memo_cache_lookup.cache_info() }
//!     fn cache_clear() { __memo_cache_lookup.cache_clear() }
//!     fn cache_parameters() -> CacheParameters { __memo_cache_lookup.cache_parameters() }
//!     fn uncached(id: u64, name: &str) -> String { /* the original body */ }
//! }
//! ```
//!
//! Generic functions, methods and `key = expr` use the same `FnCache` with the `Erased` key
//! scheme instead (keys boxed and tagged with the instantiation's types, passed in place of
//! `()`), reached through a hidden associated function for methods.
//!
//! # Limitations
//!
//! - `const fn`, `unsafe fn` and `extern` functions cannot be memoized; neither can
//!   functions returning `impl Trait` or a borrow (other than `&'static`). Each is a compile
//!   error that says what to do.
//! - The attribute sees only the function under it, so it takes a function for an associated
//!   one when its signature has `self` or `Self`. In a trait `impl`, or for an associated
//!   function without either, put [`memoized`] on the `impl` block (without it, rustc rejects
//!   the module-level items the attribute then writes into the `impl`).
//! - A key argument cannot hold a borrow other than the outer `&` of `&T` or `Option<&T>`
//!   (`&Vec<&str>`, `Cow<'a, str>`): the cache outlives the call. `Option<&str>`,
//!   `Option<&[T]>` and `Option<&T>` are keyed by their referent, stored as `Option<String>`,
//!   `Option<Vec<T>>` and `Option<T>`, and looked up without allocating.
//! - Values are cloned on every hit: return an `Arc<T>` for large values.
//! - A function caches at most `u32::MAX - 1` entries, even with `maxsize = None`.

#[allow(unused_extern_crates)] // lets the crate's own tests name `::memo`
extern crate self as memo;

mod call;
mod clock;
mod flight;
mod function;
mod held;
mod info;
mod key;
mod locking;
mod policy;
mod registry;
mod scheme;
mod shards;
mod shared;
mod store;
mod sync;

#[cfg(all(test, shuttle))]
mod shuttle;

pub use hashbrown::{DefaultHashBuilder, Equivalent};
pub use info::{CacheInfo, CacheParameters};
pub use key::CacheKey;
pub use registry::{CacheReport, caches};
pub use shared::StoreError;
#[cfg(feature = "disk")]
pub use shared::disk;
#[cfg(feature = "redis")]
pub use shared::redis;
pub use shared::tier::SharedInfo;
pub use store::{Iter, LruCache};

/// Memoizes a function behind a bounded LRU cache, as `functools.lru_cache`.
///
/// Options, all optional:
///
/// - `maxsize = N` (default 128), `maxsize = None` for an unbounded cache, `maxsize = 0` to
///   cache nothing (every call runs and counts as a miss);
/// - `typed = true | false` (default false; see the crate docs);
/// - `ignore = [arg, ..]`: arguments (`self` included) left out of the key;
/// - `shards = N`: `N` independently locked stores for many threads, with recency exact within
///   each and approximate across them (see the crate docs); default 1, exact LRU;
/// - `read_hits`: hits under a read lock, for hot caches on many threads; eviction becomes
///   CLOCK (second chance), an approximation of LRU (see the crate docs).
///
/// ```
/// #[memo::lru_cache(maxsize = 2)]
/// fn double(x: u32) -> u32 {
///     x * 2
/// }
/// assert_eq!(double(1) + double(2) + double(1), 8);
/// assert_eq!(double::cache_info().to_string(), "CacheInfo(hits=1, misses=2, maxsize=2, currsize=2)");
/// ```
pub use memo_macros::lru_cache;

/// Memoizes a function behind an unbounded cache, as `functools.cache`: the same as
/// `#[lru_cache(maxsize = None)]`. Takes the `typed`, `ignore`, `shards` and `read_hits` options.
///
/// ```
/// #[memo::cache]
/// fn fib(n: u64) -> u64 {
///     if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
/// }
/// assert_eq!(fib(90), 2_880_067_194_370_816_120);
/// assert_eq!(fib::cache_info().maxsize, None);
/// ```
pub use memo_macros::cache;

/// Memoizes the `#[lru_cache]` and `#[cache]` functions of an `impl` block: needed on a
/// trait impl, and for an associated function that neither takes `self` nor names `Self`
/// (which the attribute alone takes for a free function). Methods that take `self` in an
/// inherent `impl` need no more than their own attribute.
///
/// A trait's method keeps the trait's signature, `async fn` included; its companions
/// (`Type::f_cache_info()`, `Type::f_uncached(..)`, ...) go to an inherent `impl` of the
/// same type and generics, made beside the block, public as the trait's methods are: so the
/// type must be one of the crate's own (an inherent `impl` of `String` or `&T` is not allowed),
/// and the block's generic parameters must appear in it.
///
/// ```
/// trait UserRepo {
///     fn email(&self, id: u64) -> String;
/// }
///
/// #[derive(Hash, PartialEq, Eq, Clone)] // `&self` is part of the key
/// struct PgRepo;
///
/// #[memo::memoized]
/// impl UserRepo for PgRepo {
///     #[memo::lru_cache(maxsize = 64)]
///     fn email(&self, id: u64) -> String {
///         format!("user{id}@example.com") // a slow query
///     }
/// }
///
/// #[memo::memoized]
/// impl PgRepo {
///     #[memo::cache]
///     fn region(id: u64) -> u8 {
///         (id % 7) as u8
///     }
/// }
///
/// let repo = PgRepo;
/// assert_eq!(repo.email(7), repo.email(7));
/// assert_eq!(PgRepo::email_cache_info().to_string(), "CacheInfo(hits=1, misses=1, maxsize=64, currsize=1)");
/// assert_eq!(PgRepo::region(9), 2);
/// assert_eq!(PgRepo::region_cache_info().misses, 1);
/// ```
pub use memo_macros::memoized;

#[doc(hidden)]
pub mod __private;

/// The README's examples, compiled and run as doctests.
#[cfg(all(doctest, feature = "disk", feature = "redis"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
