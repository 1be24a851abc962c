//! The call protocol of a memoized function, which its wrapper runs in two steps:
//!
//! ```text
//! call(cache, site, parts, tier)      // look up; lead, join or wait for a flight; register a
//!                                     // miss; ask the shared tier
//!     .run::<Policy, _>(|| body)      // a hit as the function returns it, or run the body and
//!                                     // keep what the return-value policy caches
//! ```
//!
//! Two steps, because the key parts borrow the arguments that the body then takes: `call`
//! consumes the borrow, and the [`Call`] it returns holds none. The `async` twins
//! ([`call_async`], [`Call::run_async`]) wait for a flight and run the body as futures.
//!
//! The cache is a [`FnCache`] ([`Typed`]) or a [`GenericFnCache`] with the call's instantiation
//! ([`Tagged`]); [`Lookups`] is what the protocol asks of either.

use core::any::TypeId;
use core::future::Future;

use crate::__private::{CacheValue, IsOption, IsResult};
use crate::flight::Waited;
use crate::function::{FnCache, GenericFnCache, Joined, Keep, Leader, Lookup, Waiter};
use crate::key::KeyParts;
use crate::locking::Locking;
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
    type Key: Send + 'static;
    /// The stored value.
    type Held: Send + 'static;
    type Lock: Locking;
    /// A pending miss without `single_flight`.
    type Slot;

    /// Stores the body's value for a missed call (`None`: nothing to store).
    fn store(self, slot: Self::Slot, value: Option<&V>);
    /// Ends a flight with the body's value (`None`: nothing to store or share).
    fn land(self, leader: Leader<'static, Self::Key, Self::Held, Self::Lock>, value: Option<&V>);
    /// Lists the cache in the registry, once.
    fn register(self, site: &Site);
}

/// The leader of a flight in cache `C`.
pub(crate) type LeaderOf<V, C> =
    Leader<'static, <C as Memo<V>>::Key, <C as Memo<V>>::Held, <C as Memo<V>>::Lock>;

/// A call waiting for a flight in cache `C`.
pub(crate) type WaiterOf<V, C> =
    Waiter<'static, <C as Memo<V>>::Key, <C as Memo<V>>::Held, V, <C as Memo<V>>::Lock>;

/// A cache that takes keys of the form `Q`.
pub trait Lookups<Q, V>: Memo<V> {
    fn lookup(self, parts: &Q) -> Lookup<V, Self::Slot>;
    fn join(self, parts: &Q) -> Joined<V, LeaderOf<V, Self>, WaiterOf<V, Self>>;
}

/// The cache of a non-generic function. A type of its own rather than `&'static FnCache`, so
/// that an `async fn`'s future, whose lifetimes the compiler erases when it checks `Send`,
/// still names a cache that is one.
pub struct Typed<C: 'static>(pub &'static C);

impl<C> Clone for Typed<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Typed<C> {}

// Bounded through `E`, whose `Value` is the function's: where the value cannot be cached, the
// cache's type holds an error, and the one error said is the value's own.
impl<K, E, L> Memo<E::Value> for Typed<FnCache<K, E::Value, E, L>>
where
    K: Send + 'static,
    E: Keep<Value: Clone>,
    L: Locking,
    FnCache<K, E::Value, E, L>: Send + Sync,
{
    type Key = K;
    type Held = E;
    type Lock = L;
    type Slot = crate::function::Slot<K>;

    #[inline(always)]
    fn store(self, slot: Self::Slot, value: Option<&E::Value>) {
        self.0.store(slot, value);
    }

    #[inline]
    fn land(self, leader: Leader<'static, K, E, L>, value: Option<&E::Value>) {
        self.0.land(leader, value);
    }

    #[inline(always)]
    fn register(self, site: &Site) {
        self.0.register(site.module, site.owner, site.function);
    }
}

impl<Q, K, E, L> Lookups<Q, E::Value> for Typed<FnCache<K, E::Value, E, L>>
where
    Q: KeyParts<Owned = K>,
    K: Send + 'static,
    E: Keep<Value: Clone>,
    L: Locking,
    FnCache<K, E::Value, E, L>: Send + Sync,
{
    #[inline(always)]
    fn lookup(self, parts: &Q) -> Lookup<E::Value, Self::Slot> {
        self.0.lookup(parts)
    }

    #[inline(always)]
    fn join(self, parts: &Q) -> Joined<E::Value, LeaderOf<E::Value, Self>, WaiterOf<E::Value, Self>> {
        self.0.join(parts)
    }
}

/// The cache of a generic function or a method, with the instantiation of a call.
#[derive(Clone, Copy)]
pub struct Tagged(pub &'static GenericFnCache, pub TypeId);

impl<V: CacheValue> Memo<V> for Tagged {
    type Key = crate::function::ErasedKey;
    type Held = crate::function::ErasedValue;
    type Lock = crate::locking::Exclusive;
    type Slot = crate::function::ErasedSlot<V>;

    #[inline(always)]
    fn store(self, slot: Self::Slot, value: Option<&V>) {
        self.0.store(slot, value);
    }

    #[inline]
    fn land(self, leader: Leader<'static, Self::Key, Self::Held>, value: Option<&V>) {
        self.0.land(leader, value);
    }

    #[inline(always)]
    fn register(self, site: &Site) {
        self.0.register(site.module, site.owner, site.function);
    }
}

impl<Q: KeyParts, V: CacheValue> Lookups<Q, V> for Tagged {
    #[inline(always)]
    fn lookup(self, parts: &Q) -> Lookup<V, Self::Slot> {
        self.0.lookup(self.1, parts)
    }

    #[inline(always)]
    fn join(self, parts: &Q) -> Joined<V, LeaderOf<V, Self>, WaiterOf<V, Self>> {
        self.0.join(self.1, parts)
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

/// What [`call`] found: the value, or the body to run and what to do with its value.
#[must_use = "a call is finished by `run`"]
pub struct Call<V, C: Memo<V>, P> {
    cache: C,
    found: Found<V, C::Slot, LeaderOf<V, C>, P>,
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

/// The entry points as methods of the cache, which the wrapper calls: where the cache's type
/// holds an error (a value type that cannot be cached, said once where it is written), the
/// compiler says nothing more about the call.
macro_rules! entry_points {
    ($([$($param:ident)?] $handle:ty),* $(,)?) => {$(
        impl<$($param)?> $handle {
            /// [`call`] on this cache.
            #[cfg_attr(not(debug_assertions), inline(always))]
            pub fn call<Q, V, T: Fetch<V>>(self, site: Site, parts: Q, tier: T) -> Call<V, Self, T::Pending>
            where
                Self: Lookups<Q, V>,
            {
                call(self, site, parts, tier)
            }

            /// [`call_async`] on this cache.
            #[cfg_attr(not(debug_assertions), inline(always))]
            pub fn call_async<Q, V, T: Fetch<V>>(
                self,
                site: Site,
                parts: Q,
                tier: T,
            ) -> impl Future<Output = Call<V, Self, T::Pending>>
            where
                Self: Lookups<Q, V>,
            {
                call_async(self, site, parts, tier)
            }
        }
    )*};
}

entry_points!([C] Typed<C>, [] Tagged);

/// Looks a call up: the cached value, or a miss (registered, and asked of the shared tier),
/// or, under `single_flight`, the value another call computed, which this one waited for.
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn call<C, Q, V, T>(cache: C, site: Site, parts: Q, tier: T) -> Call<V, C, T::Pending>
where
    C: Lookups<Q, V>,
    T: Fetch<V>,
{
    if !site.single_flight {
        return match cache.lookup(&parts) {
            Lookup::Hit(value) => Call { cache, found: Found::Hit(value) },
            Lookup::Miss(slot) => miss(cache, &site, slot, tier),
        };
    }
    loop {
        let waiter = match cache.join(&parts) {
            Joined::Hit(value) => return Call { cache, found: Found::Hit(value) },
            Joined::Lead(leader) => return lead(cache, &site, leader, tier),
            Joined::Wait(waiter) => waiter,
        };
        match waiter.wait() {
            Waited::Value(value) => return Call { cache, found: Found::Hit(value) },
            Waited::Direct => return Call { cache, found: Found::Direct },
            Waited::Retry => {}
        }
    }
}

/// [`call`], waiting for another call's flight without blocking the thread.
#[inline(always)]
pub(crate) async fn call_async<C, Q, V, T>(cache: C, site: Site, parts: Q, tier: T) -> Call<V, C, T::Pending>
where
    C: Lookups<Q, V>,
    T: Fetch<V>,
{
    if !site.single_flight {
        return match cache.lookup(&parts) {
            Lookup::Hit(value) => Call { cache, found: Found::Hit(value) },
            Lookup::Miss(slot) => miss(cache, &site, slot, tier),
        };
    }
    loop {
        let waiter = match cache.join(&parts) {
            Joined::Hit(value) => return Call { cache, found: Found::Hit(value) },
            Joined::Lead(leader) => return lead(cache, &site, leader, tier),
            Joined::Wait(waiter) => waiter,
        };
        match waiter.wait_async().await {
            Waited::Value(value) => return Call { cache, found: Found::Hit(value) },
            Waited::Direct => return Call { cache, found: Found::Direct },
            Waited::Retry => {}
        }
    }
}

/// A miss: registers the cache, then asks the tier, whose value is stored in process.
#[inline]
fn miss<V, C: Memo<V>, T: Fetch<V>>(cache: C, site: &Site, slot: C::Slot, tier: T) -> Call<V, C, T::Pending> {
    cache.register(site);
    match tier.fetch() {
        Lookup::Hit(value) => {
            cache.store(slot, Some(&value));
            Call { cache, found: Found::Hit(value) }
        }
        Lookup::Miss(pending) => Call { cache, found: Found::Miss(slot, pending) },
    }
}

/// A flight to lead: as [`miss`], the tier's value landing the flight.
#[inline]
fn lead<V, C: Memo<V>, T: Fetch<V>>(
    cache: C,
    site: &Site,
    leader: LeaderOf<V, C>,
    tier: T,
) -> Call<V, C, T::Pending> {
    cache.register(site);
    match tier.fetch() {
        Lookup::Hit(value) => {
            cache.land(leader, Some(&value));
            Call { cache, found: Found::Hit(value) }
        }
        Lookup::Miss(pending) => Call { cache, found: Found::Lead(leader, pending) },
    }
}

impl<V, C: Memo<V>, P: Settle<V>> Call<V, C, P> {
    /// The cached value as the function returns it, or the body's result, whose cacheable
    /// part (`R` as `Policy` says) is stored in process and in the tier.
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn run<Policy: Returns<R, V>, R>(self, body: impl FnOnce() -> R) -> R {
        let Call { cache, found } = self;
        match found {
            Found::Hit(value) => Policy::returned(value),
            Found::Direct => body(),
            Found::Miss(slot, pending) => {
                let result = body();
                let kept = Policy::cached(&result);
                cache.store(slot, kept);
                pending.settle(kept);
                result
            }
            Found::Lead(leader, pending) => {
                let computing = leader.computing();
                let result = body();
                drop(computing);
                let kept = Policy::cached(&result);
                cache.land(leader, kept);
                pending.settle(kept);
                result
            }
        }
    }

    /// [`run`](Self::run) with an `async` body.
    #[inline(always)]
    pub async fn run_async<Policy: Returns<R, V>, R, F: Future<Output = R>>(
        self,
        body: impl FnOnce() -> F,
    ) -> R {
        let Call { cache, found } = self;
        match found {
            Found::Hit(value) => Policy::returned(value),
            Found::Direct => body().await,
            Found::Miss(slot, pending) => {
                let result = body().await;
                let kept = Policy::cached(&result);
                cache.store(slot, kept);
                pending.settle(kept);
                result
            }
            Found::Lead(leader, pending) => {
                let result = crate::flight::computing(leader.id(), body()).await;
                let kept = Policy::cached(&result);
                cache.land(leader, kept);
                pending.settle(kept);
                result
            }
        }
    }
}
