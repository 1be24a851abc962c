//! The call protocol of a memoized function, which its wrapper runs in two steps:
//!
//! ```text
//! Handle(cache, tag)
//!     .call(&site, parts, tier)        // look up; lead, join or wait for a flight; register a
//!                                     // miss; ask the shared tier
//!     .run::<Returned, _>(|| body)    // a hit as the function returns it, or run the body and
//!                                     // keep what the return-value policy caches
//! ```
//!
//! Two steps, because the key parts borrow the arguments that the body then takes: `call`
//! consumes the borrow, and the [`Call`] it returns holds none. The `async` twins
//! ([`Handle::call_async`], [`Call::run_async`]) wait for a flight and run the body as futures.
//!
//! The cache is a [`FnCache`] with the call's instantiation ([`Handle`]); [`Lookups`] is what
//! the protocol asks of it.

use core::future::Future;
use core::marker::PhantomData;

use crate::__private::{IsOption, IsResult};
use crate::flight::Waited;
use crate::function::{FnCache, Leader, Lookup, Waiter};
use crate::held::Holds;
use crate::key::SameKey;
use crate::policy::Policy;
use crate::scheme::{Keys, Scheme};
use crate::shards::{Joined, Slot};
use crate::shared::codec::{KeyWriter, Value};
use crate::shared::tier::{Fetched, Pending, Tier};

/// Where a call comes from, for the registry, and whether it joins others' flights.
#[derive(Clone, Copy)]
pub struct Site {
    /// `module_path!()` of the function.
    pub module: &'static str,
    /// A method's `Self` type name, or `""`.
    pub owner: &'static str,
    /// The function's name.
    pub function: &'static str,
    /// `single_flight`: concurrent misses of a key run the body once.
    pub single_flight: bool,
}

/// A function's cache as the protocol drives it, whatever its keys: stores and lands values.
pub trait Memo<V>: Copy + 'static {
    /// The stored key.
    type Key: 'static;
    /// The stored value.
    type Held: Holds<V>;
    /// The cache's eviction policy.
    type Policy: Policy;

    /// Stores the body's value for a missed call (`None`: nothing to store); keys compare as
    /// `M` says.
    fn store<M: SameKey<Self::Key>>(self, slot: Slot<Self::Key>, value: Option<&V>);
    /// Ends a flight with the body's value (`None`: nothing to store or share).
    fn land<M: SameKey<Self::Key>>(self, leader: LeaderOf<V, Self>, value: Option<&V>);
    /// Lists the cache in the registry, once.
    fn register(self, site: &Site);
}

/// The leader of a flight in cache `C`.
pub(crate) type LeaderOf<V, C> =
    Leader<'static, <C as Memo<V>>::Key, <C as Memo<V>>::Held, <C as Memo<V>>::Policy>;

/// A call waiting for a flight in cache `C`.
pub(crate) type WaiterOf<V, C> =
    Waiter<'static, <C as Memo<V>>::Key, <C as Memo<V>>::Held, V, <C as Memo<V>>::Policy>;

/// A cache that takes keys of the form `Q`.
pub trait Lookups<Q, V>: Memo<V> {
    /// How two stored keys of calls with parts `Q` compare.
    type Same: SameKey<Self::Key>;
    fn lookup(self, parts: &Q) -> Lookup<V, Slot<Self::Key>>;
    fn join(self, parts: &Q) -> Joined<V, LeaderOf<V, Self>, WaiterOf<V, Self>>;
}

/// A function's cache, with the instantiation of a call (`()` for a [`Typed`](crate::scheme::Typed)
/// cache). A type of its own, without lifetimes, so that an `async fn`'s future, whose
/// lifetimes the compiler erases when it checks `Send`, still names a cache that is one.
pub struct Handle<S: Scheme, E: 'static, P: Policy>(pub &'static FnCache<S, E, P>, pub S::Tag);

impl<S: Scheme, E, P: Policy> Clone for Handle<S, E, P> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Scheme, E, P: Policy> Copy for Handle<S, E, P> {}

// Bounded through `E`: where the value type cannot be cached, `E` holds an error, and the one
// error said is the value's own.
impl<S: Scheme, E: Holds<V>, P: Policy, V: 'static> Memo<V> for Handle<S, E, P>
where
    FnCache<S, E, P>: Send + Sync,
{
    type Key = S::Key;
    type Held = E;
    type Policy = P;

    #[inline(always)]
    fn store<M: SameKey<S::Key>>(self, slot: Slot<S::Key>, value: Option<&V>) {
        self.0.store::<V, M>(slot, value);
    }

    #[inline]
    fn land<M: SameKey<S::Key>>(self, leader: LeaderOf<V, Self>, value: Option<&V>) {
        self.0.land::<V, M>(leader, value);
    }

    #[inline(always)]
    fn register(self, site: &Site) {
        self.0.register(site.module, site.owner, site.function);
    }
}

impl<Q, S: Keys<Q>, E: Holds<V>, P: Policy, V: 'static> Lookups<Q, V> for Handle<S, E, P>
where
    FnCache<S, E, P>: Send + Sync,
{
    type Same = S::Same;

    #[inline(always)]
    fn lookup(self, parts: &Q) -> Lookup<V, Slot<S::Key>> {
        self.0.lookup(self.1, parts)
    }

    #[inline(always)]
    fn join(self, parts: &Q) -> Joined<V, LeaderOf<V, Self>, WaiterOf<V, Self>> {
        self.0.join(self.1, parts)
    }
}

impl<S: Scheme, E, P: Policy> Handle<S, E, P> {
    /// [`call`] on this cache: the entry point the wrapper calls, a method so that where the
    /// cache's type holds an error (a value type that cannot be cached, said once where it is
    /// written), the compiler says nothing more about the call.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn call<Q, V, T: Fetch<V>>(
        self,
        site: &Site,
        parts: Q,
        tier: T,
    ) -> Call<V, Self, T::Pending, <Self as Lookups<Q, V>>::Same>
    where
        Self: Lookups<Q, V>,
    {
        call(self, site, parts, tier)
    }

    /// [`call_async`] on this cache.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn call_async<Q, V, T: Fetch<V>>(
        self,
        site: &Site,
        parts: Q,
        tier: T,
    ) -> impl Future<Output = Call<V, Self, T::Pending, <Self as Lookups<Q, V>>::Same>>
    where
        Self: Lookups<Q, V>,
    {
        call_async(self, site, parts, tier)
    }
}

/// The shared tier of a call, asked when the in-process cache misses.
pub trait Fetch<V> {
    /// Writes the body's value to the tier.
    type Pending: Settle<V>;
    /// The tier's value, or the way to write the body's.
    fn fetch(self) -> Lookup<V, Self::Pending>;
}

/// Finishes a tier's miss with the body's value (`None`: nothing to write).
pub trait Settle<V> {
    fn settle(self, value: Option<&V>);
}

/// A function without a shared tier.
pub struct NoTier;

impl<V> Fetch<V> for NoTier {
    type Pending = NoTier;

    #[inline(always)]
    fn fetch(self) -> Lookup<V, NoTier> {
        Lookup::Miss(NoTier)
    }
}

impl<V> Settle<V> for NoTier {
    #[inline(always)]
    fn settle(self, _: Option<&V>) {}
}

/// A call's shared tier and the way to write the call's key for it.
pub struct SharedTier<V, F> {
    tier: &'static Tier,
    tag: &'static str,
    key: F,
    /// [`Tier::fetch`] for `V`, taken where `V` was checked to be storable, so that what
    /// follows asks nothing more of it.
    fetch: fn(&'static Tier, KeyWriter) -> Fetched<V>,
}

impl<V: Value, F> SharedTier<V, F> {
    pub(crate) fn new(tier: &'static Tier, tag: &'static str, key: F) -> Self {
        SharedTier { tier, tag, key, fetch: Tier::fetch::<V> }
    }
}

impl<V, F: FnOnce(&mut KeyWriter)> Fetch<V> for SharedTier<V, F> {
    type Pending = Pending<V>;

    fn fetch(self) -> Lookup<V, Pending<V>> {
        let mut key = KeyWriter::new(self.tag);
        (self.key)(&mut key);
        match (self.fetch)(self.tier, key) {
            Fetched::Hit(value) => Lookup::Hit(value),
            Fetched::Miss(pending) => Lookup::Miss(pending),
        }
    }
}

impl<V> Settle<V> for Pending<V> {
    #[inline]
    fn settle(self, value: Option<&V>) {
        self.store(value);
    }
}

/// Which of its return values `R` a function caches, as `V`, and how a cached value is
/// returned. `V` is a parameter rather than an associated type, so that where `V` is already
/// an error (a value that cannot be cached), no second error is said about `R`.
pub trait Returns<R, V> {
    /// A cached value, returned.
    fn returned(value: V) -> R;
    /// What of `result` is cached, if anything.
    fn cached(result: &R) -> Option<&V>;
}

/// Every value is cached as returned.
pub struct Plain;

/// The `Ok` values of a `Result` are cached, never its `Err`s.
pub struct OkValues;

/// `cache_none = false`: `Some` values are cached, `None`s are returned and not kept.
pub struct SomeValues;

/// `cache_none = false` on a `Result<Option<T>, E>`: `Ok(Some(..))` values are cached.
pub struct OkSomeValues;

impl<R> Returns<R, R> for Plain {
    #[inline(always)]
    fn returned(value: R) -> R {
        value
    }

    #[inline(always)]
    fn cached(result: &R) -> Option<&R> {
        Some(result)
    }
}

impl<R: IsResult> Returns<R, R::Ok> for OkValues {
    #[inline(always)]
    fn returned(value: R::Ok) -> R {
        R::from_ok(value)
    }

    #[inline(always)]
    fn cached(result: &R) -> Option<&R::Ok> {
        result.ok_ref()
    }
}

impl<R: IsOption> Returns<R, R> for SomeValues {
    #[inline(always)]
    fn returned(value: R) -> R {
        value
    }

    #[inline(always)]
    fn cached(result: &R) -> Option<&R> {
        Some(result).filter(|value| value.is_some())
    }
}

impl<R: IsResult<Ok: IsOption>> Returns<R, R::Ok> for OkSomeValues {
    #[inline(always)]
    fn returned(value: R::Ok) -> R {
        R::from_ok(value)
    }

    #[inline(always)]
    fn cached(result: &R) -> Option<&R::Ok> {
        result.ok_ref().filter(|value| value.is_some())
    }
}

/// What [`Handle::call`] found: the value, or the body to run and what to do with its value.
#[must_use = "a call is finished by `run`"]
pub struct Call<V, C: Memo<V>, T, M> {
    cache: C,
    found: Found<V, Slot<C::Key>, LeaderOf<V, C>, T>,
    /// How the cache's stored keys compare.
    same: PhantomData<fn() -> M>,
}

enum Found<V, S, L, P> {
    Hit(V),
    /// A miss: run the body, store its value in the slot and the tier.
    Miss(S, P),
    /// A miss that leads its key's flight: run the body as the flight's computation, land it.
    Lead(L, P),
    /// Waiting would deadlock: run the body, keep nothing.
    Direct,
}

/// Looks a call up: the cached value, or a miss (registered, and asked of the shared tier),
/// or, under `single_flight`, the value another call computed, which this one waited for.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn call<C, Q, V, T>(cache: C, site: &Site, parts: Q, tier: T) -> Call<V, C, T::Pending, C::Same>
where
    C: Lookups<Q, V>,
    T: Fetch<V>,
{
    if !site.single_flight {
        return match cache.lookup(&parts) {
            Lookup::Hit(value) => Call::new(cache, Found::Hit(value)),
            Lookup::Miss(slot) => miss(cache, site, slot, tier),
        };
    }
    loop {
        let waiter = match cache.join(&parts) {
            Joined::Hit(value) => return Call::new(cache, Found::Hit(value)),
            Joined::Lead(leader) => return lead(cache, site, leader, tier),
            Joined::Wait(waiter) => waiter,
        };
        match waiter.wait() {
            Waited::Value(value) => return Call::new(cache, Found::Hit(value)),
            Waited::Direct => return Call::new(cache, Found::Direct),
            Waited::Retry => {}
        }
    }
}

/// [`call`], waiting for another call's flight without blocking the thread.
#[inline(always)]
pub(crate) async fn call_async<C, Q, V, T>(
    cache: C,
    site: &Site,
    parts: Q,
    tier: T,
) -> Call<V, C, T::Pending, C::Same>
where
    C: Lookups<Q, V>,
    T: Fetch<V>,
{
    if !site.single_flight {
        return match cache.lookup(&parts) {
            Lookup::Hit(value) => Call::new(cache, Found::Hit(value)),
            Lookup::Miss(slot) => miss(cache, site, slot, tier),
        };
    }
    loop {
        let waiter = match cache.join(&parts) {
            Joined::Hit(value) => return Call::new(cache, Found::Hit(value)),
            Joined::Lead(leader) => return lead(cache, site, leader, tier),
            Joined::Wait(waiter) => waiter,
        };
        match waiter.wait_async().await {
            Waited::Value(value) => return Call::new(cache, Found::Hit(value)),
            Waited::Direct => return Call::new(cache, Found::Direct),
            Waited::Retry => {}
        }
    }
}

/// A miss: registers the cache, then asks the tier, whose value is stored in process.
#[inline(always)]
fn miss<V, C: Memo<V>, T: Fetch<V>, M: SameKey<C::Key>>(
    cache: C,
    site: &Site,
    slot: Slot<C::Key>,
    tier: T,
) -> Call<V, C, T::Pending, M> {
    cache.register(site);
    match tier.fetch() {
        Lookup::Hit(value) => {
            cache.store::<M>(slot, Some(&value));
            Call::new(cache, Found::Hit(value))
        }
        Lookup::Miss(pending) => Call::new(cache, Found::Miss(slot, pending)),
    }
}

/// A flight to lead: as [`miss`], the tier's value landing the flight.
#[inline(always)]
fn lead<V, C: Memo<V>, T: Fetch<V>, M: SameKey<C::Key>>(
    cache: C,
    site: &Site,
    leader: LeaderOf<V, C>,
    tier: T,
) -> Call<V, C, T::Pending, M> {
    cache.register(site);
    match tier.fetch() {
        Lookup::Hit(value) => {
            cache.land::<M>(leader, Some(&value));
            Call::new(cache, Found::Hit(value))
        }
        Lookup::Miss(pending) => Call::new(cache, Found::Lead(leader, pending)),
    }
}

impl<V, C: Memo<V>, T, M> Call<V, C, T, M> {
    #[inline(always)]
    fn new(cache: C, found: Found<V, Slot<C::Key>, LeaderOf<V, C>, T>) -> Self {
        Call { cache, found, same: PhantomData }
    }
}

impl<V, C: Memo<V>, T: Settle<V>, M> Call<V, C, T, M> {
    /// The cached value as the function returns it, or the body's result, whose cacheable
    /// part (of `R`, as `Returned` says) is stored in process and in the tier.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn run<Returned: Returns<R, V>, R>(self, body: impl FnOnce() -> R) -> R
    where
        // On the method, not the impl: where the key cannot be compared (an argument that
        // cannot be a key, said where the key is made), the method is still found.
        M: SameKey<C::Key>,
    {
        let cache = self.cache;
        match self.found {
            Found::Hit(value) => Returned::returned(value),
            Found::Direct => body(),
            Found::Miss(slot, pending) => {
                let result = body();
                let kept = Returned::cached(&result);
                cache.store::<M>(slot, kept);
                pending.settle(kept);
                result
            }
            Found::Lead(leader, pending) => {
                let computing = leader.computing();
                let result = body();
                drop(computing);
                let kept = Returned::cached(&result);
                cache.land::<M>(leader, kept);
                pending.settle(kept);
                result
            }
        }
    }

    /// [`run`](Self::run) with an `async` body.
    #[inline(always)]
    pub async fn run_async<Returned: Returns<R, V>, R, F: Future<Output = R>>(
        self,
        body: impl FnOnce() -> F,
    ) -> R
    where
        M: SameKey<C::Key>,
    {
        let Call { cache, found, .. } = self;
        match found {
            Found::Hit(value) => Returned::returned(value),
            Found::Direct => body().await,
            Found::Miss(slot, pending) => {
                let result = body().await;
                let kept = Returned::cached(&result);
                cache.store::<M>(slot, kept);
                pending.settle(kept);
                result
            }
            Found::Lead(leader, pending) => {
                let result = crate::flight::computing(leader.id(), body()).await;
                let kept = Returned::cached(&result);
                cache.land::<M>(leader, kept);
                pending.settle(kept);
                result
            }
        }
    }
}

#[cfg(all(test, not(shuttle)))]
mod tests {
    use super::*;
    use crate::held::Always;
    use crate::key::arg;
    use crate::policy::Lru;
    use crate::scheme::Typed;
    use std::cell::Cell;

    type Cache<V> = FnCache<Typed<(u64, ())>, Always<V>, Lru>;

    const SITE: Site = Site { module: "memo::call::tests", owner: "", function: "f", single_flight: false };

    /// One call through the entry point, its body counted in `runs`.
    fn once<V: Clone + Send + 'static, R>(
        cache: &'static Cache<V>,
        key: u64,
        runs: &Cell<u32>,
        body: impl FnOnce() -> R,
    ) -> R
    where
        Plain: Returns<R, V>,
    {
        Handle(cache, ()).call(&SITE, (arg(&key), ()), NoTier).run::<Plain, _>(|| {
            runs.set(runs.get() + 1);
            body()
        })
    }

    #[test]
    fn a_miss_runs_the_body_once_and_registers_the_cache() {
        static CACHE: Cache<u64> = Cache::new(Some(2), false, 1, None);
        let runs = Cell::new(0);
        assert_eq!(once(&CACHE, 3, &runs, || 9), 9);
        assert_eq!(once(&CACHE, 3, &runs, || unreachable!("a hit runs no body")), 9);
        assert_eq!(runs.get(), 1);
        assert_eq!(CACHE.cache_info().to_string(), "CacheInfo(hits=1, misses=1, maxsize=2, currsize=1)");
        assert!(crate::caches().iter().any(|report| report.name == "memo::call::tests::f"));
    }

    #[test]
    fn the_return_policy_keeps_oks_and_somes_only() {
        static RESULTS: Cache<u64> = Cache::new(None, false, 1, None);
        let call = |key: u64, result: Result<u64, String>| {
            Handle(&RESULTS, ()).call(&SITE, (arg(&key), ()), NoTier).run::<OkValues, _>(|| result)
        };
        assert_eq!(call(1, Err("no".into())), Err("no".to_string()));
        assert_eq!(call(1, Ok(5)), Ok(5), "an Err is not cached");
        assert_eq!(call(1, Err("ignored".into())), Ok(5), "an Ok is");

        static OPTIONS: Cache<Option<u64>> = Cache::new(None, false, 1, None);
        let call = |key: u64, value: Option<u64>| {
            Handle(&OPTIONS, ()).call(&SITE, (arg(&key), ()), NoTier).run::<SomeValues, _>(|| value)
        };
        assert_eq!(call(1, None), None);
        assert_eq!(call(1, Some(4)), Some(4), "a None is not cached");
        assert_eq!(call(1, None), Some(4), "a Some is");
    }

    #[test]
    fn a_panicking_body_caches_nothing() {
        static CACHE: Cache<u64> = Cache::new(None, false, 1, None);
        let runs = Cell::new(0);
        let panicked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| once(&CACHE, 1, &runs, || panic!())));
        assert!(panicked.is_err());
        assert_eq!(once(&CACHE, 1, &runs, || 2), 2);
        assert_eq!(runs.get(), 2);
    }

    #[test]
    fn single_flight_waiters_share_the_leaders_value() {
        static CACHE: Cache<u64> = Cache::new(None, false, 1, None);
        let site = Site { single_flight: true, ..SITE };
        let runs = std::sync::atomic::AtomicU32::new(0);
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    barrier.wait();
                    let value =
                        Handle(&CACHE, ()).call(&site, (arg(&7u64), ()), NoTier).run::<Plain, _>(|| {
                            runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            std::thread::sleep(core::time::Duration::from_millis(50));
                            49
                        });
                    assert_eq!(value, 49);
                });
            }
        });
        assert_eq!(runs.into_inner(), 1);
        assert_eq!(CACHE.cache_info().to_string(), "CacheInfo(hits=3, misses=1, maxsize=None, currsize=1)");
    }

    #[test]
    fn a_call_inside_its_own_flight_runs_directly() {
        static CACHE: Cache<u64> = Cache::new(None, false, 1, None);
        let site = Site { single_flight: true, ..SITE };
        let inner = || Handle(&CACHE, ()).call(&site, (arg(&1u64), ()), NoTier).run::<Plain, _>(|| 10);
        // The body calls its own key: waiting for itself would deadlock.
        let outer = Handle(&CACHE, ()).call(&site, (arg(&1u64), ()), NoTier).run::<Plain, _>(|| inner() + 1);
        assert_eq!(outer, 11);
        assert_eq!(Handle(&CACHE, ()).call(&site, (arg(&1u64), ()), NoTier).run::<Plain, _>(|| 0), 11);
    }
}
