//! Single-flight (`single_flight`): concurrent misses of one key run the body once. The first
//! caller leads a [`Flight`]; the others wait for it, blocking a thread or awaiting a future,
//! and share its value.
//!
//! A flight never hangs its waiters:
//! - a leader that gives up (its body panicked or returned a value that is not cached, or its
//!   future was dropped) lands its flight empty, and the waiters retry: one of them leads next;
//! - a caller never waits for a flight whose computation waits, through any chain of flights,
//!   for the caller's own: recursion into one's own key, and two bodies waiting for each
//!   other's keys, compute directly instead. The chains are kept in [`Links`]: an edge from
//!   each flight to the flights its computation waits for.

use core::future::Future;
use core::pin::{Pin, pin};
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use core::task::{Context, Poll, Waker};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::sync::{Condvar, Mutex};

/// One computation of a key's value, which other callers of the key wait for.
pub(crate) struct Flight<E> {
    id: u64,
    progress: Mutex<Progress<E>>,
    landed: Condvar,
}

enum Progress<E> {
    /// The body runs; these tasks await it.
    Running(Vec<Waker>),
    /// The value, or `None` when the leader gave up.
    Landed(Option<E>),
}

/// What a waiter got.
pub enum Waited<V> {
    /// The leader's value.
    Value(V),
    /// The leader gave up: look the key up again.
    Retry,
    /// Waiting would deadlock (recursion, or bodies waiting for each other): run the body.
    Direct,
}

impl<E> Flight<E> {
    pub(crate) fn new() -> Arc<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Arc::new(Flight {
            id: NEXT.fetch_add(1, Relaxed),
            progress: Mutex::new(Progress::Running(Vec::new())),
            landed: Condvar::new(),
        })
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn has_landed(&self) -> bool {
        matches!(*self.progress.lock(), Progress::Landed(_))
    }

    /// Ends the flight with the value (`None`: gave up) and wakes every waiter.
    pub(crate) fn land(&self, value: Option<E>) {
        let wakers = match core::mem::replace(&mut *self.progress.lock(), Progress::Landed(value)) {
            Progress::Running(wakers) => wakers,
            Progress::Landed(_) => Vec::new(),
        };
        self.landed.notify_all();
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Blocks until the flight lands, then reads its value with `read`.
    pub(crate) fn wait<V>(&self, read: impl FnOnce(&E) -> Option<V>) -> Waited<V> {
        let Some(_link) = Links::wait_for(self.id) else { return Waited::Direct };
        let mut progress = self.progress.lock();
        loop {
            match &*progress {
                Progress::Running(_) => progress = self.landed.wait(progress),
                Progress::Landed(value) => {
                    return value.as_ref().and_then(read).map_or(Waited::Retry, Waited::Value);
                }
            }
        }
    }

    /// The value if the flight landed; otherwise registers `waker` (in place of `previous`).
    fn poll_landed<V>(
        &self,
        waker: &Waker,
        previous: &mut Option<usize>,
        read: impl FnOnce(&E) -> Option<V>,
    ) -> Poll<Waited<V>> {
        match &mut *self.progress.lock() {
            Progress::Landed(value) => {
                Poll::Ready(value.as_ref().and_then(read).map_or(Waited::Retry, Waited::Value))
            }
            Progress::Running(wakers) => {
                match previous.and_then(|at| wakers.get_mut(at)) {
                    Some(registered) => registered.clone_from(waker),
                    None => {
                        *previous = Some(wakers.len());
                        wakers.push(waker.clone());
                    }
                }
                Poll::Pending
            }
        }
    }
}

/// Awaits a flight: resolves to what [`Flight::wait`] returns, without blocking the thread.
pub(crate) async fn wait_async<E, V>(flight: Arc<Flight<E>>, read: fn(&E) -> Option<V>) -> Waited<V> {
    // Taken on the first poll, inside the caller's computation, and kept while this waits.
    let mut link: Option<Option<Option<Link>>> = None;
    let mut registered = None;
    core::future::poll_fn(|cx| {
        if link.get_or_insert_with(|| Links::wait_for(flight.id)).is_none() {
            return Poll::Ready(Waited::Direct);
        }
        flight.poll_landed(cx.waker(), &mut registered, read)
    })
    .await
}

/// Marks the calling thread as computing flight `id` while the body runs, so that a waiter
/// inside the body is linked to it.
pub struct Computing {
    _link: Option<Link>,
    _entered: Entered,
}

impl Computing {
    pub(crate) fn enter(id: u64) -> Computing {
        let entered = Entered::new(id);
        Computing { _link: entered.outer.map(|outer| Links::add(outer, id)), _entered: entered }
    }
}

/// Flight `id` on this thread's stack of running flights, until dropped.
struct Entered {
    /// The flight it runs inside, if any.
    outer: Option<u64>,
}

impl Entered {
    fn new(id: u64) -> Entered {
        Entered { outer: Links::push(id) }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        Links::pop();
    }
}

/// Runs `body`, the computation of flight `id`, marking each of its polls as inside it; the
/// flight that started it waits for it as long as it runs.
pub(crate) async fn computing<F: Future>(id: Option<u64>, body: F) -> F::Output {
    let Some(id) = id else { return body.await };
    let mut body = pin!(body);
    let mut link: Option<Option<Link>> = None;
    core::future::poll_fn(move |cx: &mut Context<'_>| {
        let entered = Entered::new(id);
        link.get_or_insert_with(|| entered.outer.map(|outer| Links::add(outer, id)));
        Pin::as_mut(&mut body).poll(cx)
    })
    .await
}

/// The wait-for graph of flights, and the flights each thread is computing.
struct Links;

/// Edges `(a, b)`: flight `a`'s computation waits for flight `b`. A leaf lock, held for no
/// blocking operation: `parking_lot`'s under shuttle too, as a `static` outlives executions.
static EDGES: parking_lot::Mutex<BTreeSet<(u64, u64)>> = parking_lot::Mutex::new(BTreeSet::new());

#[cfg(not(shuttle))]
thread_local! {
    /// The flights whose bodies run on this thread, innermost last.
    static RUNNING: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}
#[cfg(shuttle)]
shuttle::thread_local! {
    static RUNNING: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// An edge of the graph, removed on drop.
struct Link(u64, u64);

impl Drop for Link {
    fn drop(&mut self) {
        EDGES.lock().remove(&(self.0, self.1));
    }
}

impl Links {
    /// Enters flight `id` on this thread; returns the flight it runs inside, if any.
    fn push(id: u64) -> Option<u64> {
        RUNNING.with(|running| {
            let mut running = running.borrow_mut();
            let outer = running.last().copied();
            running.push(id);
            outer
        })
    }

    fn pop() {
        RUNNING.with(|running| running.borrow_mut().pop());
    }

    fn add(from: u64, to: u64) -> Link {
        EDGES.lock().insert((from, to));
        Link(from, to)
    }

    /// Links the computation running on this thread to `target`, which it is about to wait
    /// for: `Some` (with `None` inside when it runs inside no flight), or `None` when
    /// `target` waits for it already, so that waiting would deadlock.
    fn wait_for(target: u64) -> Option<Option<Link>> {
        let Some(me) = RUNNING.with(|running| running.borrow().last().copied()) else {
            return Some(None); // no flight waits for a caller outside every flight
        };
        let mut edges = EDGES.lock();
        let mut stack = vec![target];
        let mut seen = BTreeSet::new();
        while let Some(flight) = stack.pop() {
            if flight == me {
                return None;
            }
            if seen.insert(flight) {
                stack.extend(edges.range((flight, 0)..=(flight, u64::MAX)).map(|&(_, next)| next));
            }
        }
        edges.insert((me, target));
        Some(Some(Link(me, target)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_landed_value_reaches_every_waiter() {
        let flight = Flight::<u32>::new();
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let flight = Arc::clone(&flight);
                std::thread::spawn(move || matches!(flight.wait(|v| Some(*v)), Waited::Value(7)))
            })
            .collect();
        std::thread::sleep(core::time::Duration::from_millis(20));
        flight.land(Some(7));
        assert!(waiters.into_iter().all(|waiter| waiter.join().unwrap()));
    }

    #[test]
    fn an_empty_landing_sends_waiters_back() {
        let flight = Flight::<u32>::new();
        flight.land(None);
        assert!(matches!(flight.wait(|v| Some(*v)), Waited::Retry));
    }

    #[test]
    fn waiting_for_ones_own_flight_is_refused() {
        let flight = Flight::<u32>::new();
        let _computing = Computing::enter(flight.id());
        assert!(matches!(flight.wait(|v| Some(*v)), Waited::Direct));
    }

    #[test]
    fn a_cycle_through_other_flights_is_refused() {
        let (a, b, c) = (Flight::<u32>::new(), Flight::<u32>::new(), Flight::<u32>::new());
        let _b_waits_for_c = Links::add(b.id(), c.id());
        let _c_waits_for_a = Links::add(c.id(), a.id());
        let _computing = Computing::enter(a.id());
        assert!(matches!(b.wait(|v| Some(*v)), Waited::Direct));
        assert!(EDGES.lock().iter().all(|&(from, _)| from != a.id()));
    }
}
