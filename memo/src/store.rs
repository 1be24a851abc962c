//! [`LruCache`]: the single-owner store under every memoized function.
//!
//! Entries live in a dense slab (`Vec`) linked into a recency list by `u32` indices; a
//! `hashbrown::HashTable<u32>` maps hashes to slab indices. Each entry keeps its hash, so table
//! growth and eviction never hash a key again. Removing an entry moves the last slab entry into
//! the hole, so the slab stays dense and memory is exactly `len` entries.

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;
use core::num::NonZeroUsize;

use hashbrown::{DefaultHashBuilder, Equivalent, HashTable};

/// The "no entry" link.
const NIL: u32 = u32::MAX;
/// Slab indices are `u32` and `NIL` is reserved: no cache holds more entries than this.
const MAX_LEN: usize = NIL as usize;

struct Entry<K, V> {
    key: K,
    value: V,
    hash: u64,
    /// Toward the most recently used entry.
    prev: u32,
    /// Toward the least recently used entry.
    next: u32,
}

/// A least-recently-used map with O(1) operations, in the vocabulary of the `lru` crate.
///
/// Bounded caches ([`new`](Self::new)) evict the least recently used entry before inserting
/// past their capacity, and reuse its slot; [`unbounded`](Self::unbounded) ones only grow.
/// Lookups take any borrowed form of the key (`&str` for `String`), or any type implementing
/// [`Equivalent`].
///
/// ```
/// use memo::LruCache;
/// use std::num::NonZeroUsize;
///
/// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
/// cache.put("apple".to_string(), 3);
/// cache.put("pear".to_string(), 4);
/// assert_eq!(cache.get("apple"), Some(&3)); // "apple" is now the most recent
/// cache.put("plum".to_string(), 5); // evicts "pear", the least recent
/// assert!(!cache.contains("pear"));
/// assert_eq!(cache.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["plum", "apple"]);
/// ```
#[derive(Clone)]
pub struct LruCache<K, V, S = DefaultHashBuilder> {
    table: HashTable<u32>,
    entries: Vec<Entry<K, V>>,
    /// Most recently used.
    head: u32,
    /// Least recently used.
    tail: u32,
    cap: usize,
    hash_builder: S,
}

impl<K: Clone, V: Clone> Clone for Entry<K, V> {
    fn clone(&self) -> Self {
        Entry { key: self.key.clone(), value: self.value.clone(), ..*self }
    }
}

impl<K: Hash + Eq, V> LruCache<K, V> {
    /// A cache that holds at most `cap` entries.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache: LruCache<u32, &str> = LruCache::new(NonZeroUsize::new(16).unwrap());
    /// assert_eq!(cache.cap().get(), 16);
    /// ```
    pub fn new(cap: NonZeroUsize) -> Self {
        Self::with_hasher(cap, DefaultHashBuilder::default())
    }

    /// A cache with no bound: nothing is ever evicted.
    ///
    /// ```
    /// # use memo::LruCache;
    /// let mut cache = LruCache::unbounded();
    /// for i in 0..1000 {
    ///     cache.put(i, i * i);
    /// }
    /// assert_eq!(cache.len(), 1000);
    /// ```
    pub fn unbounded() -> Self {
        Self::unbounded_with_hasher(DefaultHashBuilder::default())
    }
}

impl<K: Hash + Eq, V, S: BuildHasher> LruCache<K, V, S> {
    /// Like [`new`](Self::new), with a custom hasher.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// use std::hash::RandomState;
    /// let mut cache = LruCache::with_hasher(NonZeroUsize::new(4).unwrap(), RandomState::new());
    /// cache.put(1, "one");
    /// assert_eq!(cache.get(&1), Some(&"one"));
    /// ```
    pub fn with_hasher(cap: NonZeroUsize, hash_builder: S) -> Self {
        Self::with_limit(cap.get(), hash_builder)
    }

    /// Like [`unbounded`](Self::unbounded), with a custom hasher.
    ///
    /// ```
    /// # use memo::LruCache;
    /// use std::hash::RandomState;
    /// let mut cache = LruCache::unbounded_with_hasher(RandomState::new());
    /// cache.put("k", 1);
    /// assert_eq!(cache.cap().get(), usize::MAX);
    /// ```
    pub fn unbounded_with_hasher(hash_builder: S) -> Self {
        Self::with_limit(usize::MAX, hash_builder)
    }

    /// The value of `key`, marked as the most recently used.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put(1, "a");
    /// cache.put(2, "b");
    /// assert_eq!(cache.get(&1), Some(&"a"));
    /// cache.put(3, "c"); // evicts 2: the `get` made 1 more recent
    /// assert_eq!(cache.get(&2), None);
    /// ```
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let index = self.index_of(key)?;
        self.touch(index);
        Some(&self.entries[index as usize].value)
    }

    /// A mutable reference to the value of `key`, marked as the most recently used.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put("hits", 1);
    /// *cache.get_mut("hits").unwrap() += 1;
    /// assert_eq!(cache.peek("hits"), Some(&2));
    /// ```
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let index = self.index_of(key)?;
        self.touch(index);
        Some(&mut self.entries[index as usize].value)
    }

    /// The value of `key`, leaving its recency unchanged.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put(1, "a");
    /// cache.put(2, "b");
    /// assert_eq!(cache.peek(&1), Some(&"a"));
    /// cache.put(3, "c"); // 1 is still the least recent
    /// assert_eq!(cache.peek(&1), None);
    /// ```
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.index_of(key).map(|index| &self.entries[index as usize].value)
    }

    /// Whether `key` is cached, leaving its recency unchanged.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put(String::from("key"), ());
    /// assert!(cache.contains("key"));
    /// assert!(!cache.contains("other"));
    /// ```
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.index_of(key).is_some()
    }

    /// Inserts `key` as the most recently used entry and returns the value it replaced, if the
    /// key was already present. A full cache evicts its least recently used entry first.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// assert_eq!(cache.put(1, "a"), None);
    /// assert_eq!(cache.put(1, "A"), Some("a"));
    /// assert_eq!(cache.get(&1), Some(&"A"));
    /// ```
    pub fn put(&mut self, key: K, value: V) -> Option<V> {
        let hash = self.hash_builder.hash_one(&key);
        match self.find(hash, |k| key.equivalent(k)) {
            Some(index) => {
                self.touch(index);
                Some(core::mem::replace(&mut self.entries[index as usize].value, value))
            }
            None => {
                drop(self.insert_unique(hash, key, value));
                None
            }
        }
    }

    /// Inserts `key` as the most recently used entry and returns what left the cache: for a
    /// key already present, the given key with the value it replaced (the stored key stays,
    /// as in the `lru` crate); otherwise the evicted least recently used entry, if any.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(1).unwrap());
    /// assert_eq!(cache.push(1, "a"), None);
    /// assert_eq!(cache.push(1, "b"), Some((1, "a"))); // replaced
    /// assert_eq!(cache.push(2, "c"), Some((1, "b"))); // evicted
    /// ```
    pub fn push(&mut self, key: K, value: V) -> Option<(K, V)> {
        let hash = self.hash_builder.hash_one(&key);
        match self.find(hash, |k| key.equivalent(k)) {
            Some(index) => {
                self.touch(index);
                Some((key, core::mem::replace(&mut self.entries[index as usize].value, value)))
            }
            None => self.insert_unique(hash, key, value),
        }
    }

    /// The value of `key`, inserting `make()` first if the key is absent; either way the entry
    /// becomes the most recently used.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// assert_eq!(*cache.get_or_insert_with(1, || "computed"), "computed");
    /// assert_eq!(*cache.get_or_insert_with(1, || unreachable!()), "computed");
    /// ```
    pub fn get_or_insert_with<F>(&mut self, key: K, make: F) -> &V
    where
        F: FnOnce() -> V,
    {
        let hash = self.hash_builder.hash_one(&key);
        let index = match self.find(hash, |k| key.equivalent(k)) {
            Some(index) => {
                self.touch(index);
                index
            }
            None => {
                drop(self.insert_unique(hash, key, make()));
                self.head
            }
        };
        &self.entries[index as usize].value
    }

    /// Removes `key` and returns its value.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put(String::from("a"), 1);
    /// assert_eq!(cache.pop("a"), Some(1));
    /// assert_eq!(cache.pop("a"), None);
    /// ```
    pub fn pop<Q>(&mut self, key: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.pop_entry(key).map(|(_, value)| value)
    }

    /// Removes `key` and returns its entry.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put(7, "seven");
    /// assert_eq!(cache.pop_entry(&7), Some((7, "seven")));
    /// ```
    pub fn pop_entry<Q>(&mut self, key: &Q) -> Option<(K, V)>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let index = self.index_of(key)?;
        Some(self.remove_at(index))
    }
}

impl<K, V, S> LruCache<K, V, S> {
    /// A cache of at most `cap` entries (`usize::MAX`: unbounded). Allocates nothing.
    pub(crate) const fn with_limit(cap: usize, hash_builder: S) -> Self {
        LruCache { table: HashTable::new(), entries: Vec::new(), head: NIL, tail: NIL, cap, hash_builder }
    }

    /// Removes the least recently used entry and returns it.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(3).unwrap());
    /// cache.put(1, "a");
    /// cache.put(2, "b");
    /// assert_eq!(cache.pop_lru(), Some((1, "a")));
    /// assert_eq!(cache.len(), 1);
    /// ```
    pub fn pop_lru(&mut self) -> Option<(K, V)> {
        (self.tail != NIL).then(|| self.remove_at(self.tail))
    }

    /// The least recently used entry, the next to be evicted.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(3).unwrap());
    /// cache.put(1, "a");
    /// cache.put(2, "b");
    /// assert_eq!(cache.peek_lru(), Some((&1, &"a")));
    /// ```
    pub fn peek_lru(&self) -> Option<(&K, &V)> {
        self.entries.get(self.tail as usize).map(|e| (&e.key, &e.value))
    }

    /// The number of entries.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put(1, 1);
    /// cache.put(2, 2);
    /// cache.put(3, 3);
    /// assert_eq!(cache.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache holds no entry.
    ///
    /// ```
    /// # use memo::LruCache;
    /// let cache = LruCache::<u8, u8>::unbounded();
    /// assert!(cache.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most entries the cache holds; `usize::MAX` when unbounded.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let cache = LruCache::<u8, u8>::new(NonZeroUsize::new(8).unwrap());
    /// assert_eq!(cache.cap(), NonZeroUsize::new(8).unwrap());
    /// ```
    pub fn cap(&self) -> NonZeroUsize {
        NonZeroUsize::new(self.cap).unwrap_or(NonZeroUsize::MIN)
    }

    /// Changes the capacity, evicting least recently used entries to fit.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(3).unwrap());
    /// cache.put(1, "a");
    /// cache.put(2, "b");
    /// cache.put(3, "c");
    /// cache.resize(NonZeroUsize::new(1).unwrap());
    /// assert_eq!(cache.iter().collect::<Vec<_>>(), [(&3, &"c")]);
    /// ```
    pub fn resize(&mut self, cap: NonZeroUsize) {
        self.cap = cap.get();
        while self.len() > self.cap {
            drop(self.pop_lru());
        }
        if self.entries.capacity() > self.cap {
            self.entries.shrink_to(self.cap);
            let entries = &self.entries;
            self.table.shrink_to(self.cap.min(entries.len()), |&i| entries[i as usize].hash);
        }
    }

    /// Removes every entry.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(2).unwrap());
    /// cache.put(1, 1);
    /// cache.clear();
    /// assert!(cache.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.table.clear();
        self.entries.clear();
        self.head = NIL;
        self.tail = NIL;
    }

    /// Keeps only the entries for which `keep` returns `true`, leaving the order of the rest
    /// unchanged.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(4).unwrap());
    /// for n in 1..=4 {
    ///     cache.put(n, n * 10);
    /// }
    /// cache.retain(|key, _| key % 2 == 0);
    /// assert_eq!(cache.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), [(4, 40), (2, 20)]);
    /// ```
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        drop(self.extract_if(|key, value| !keep(key, value)));
    }

    /// Removes the entries `remove` accepts, and returns them.
    pub(crate) fn extract_if(&mut self, mut remove: impl FnMut(&K, &mut V) -> bool) -> Vec<(K, V)> {
        let mut removed = Vec::new();
        // From the end: `remove_at` moves the last entry, already visited, into the gap.
        for index in (0..self.entries.len()).rev() {
            let entry = &mut self.entries[index];
            if remove(&entry.key, &mut entry.value) {
                removed.push(self.remove_at(index as u32));
            }
        }
        removed
    }

    /// The entries from the most to the least recently used, leaving recency unchanged.
    ///
    /// ```
    /// # use memo::LruCache; use std::num::NonZeroUsize;
    /// let mut cache = LruCache::new(NonZeroUsize::new(3).unwrap());
    /// cache.put("a", 1);
    /// cache.put("b", 2);
    /// cache.get("a");
    /// let keys: Vec<_> = cache.iter().map(|(k, _)| *k).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter { entries: &self.entries, front: self.head, back: self.tail, len: self.len() }
    }

    /// The index of the entry with `hash` that `eq` accepts.
    pub(crate) fn find(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> Option<u32> {
        let entries = &self.entries;
        self.table.find(hash, |&i| eq(&entries[i as usize].key)).copied()
    }

    /// The value at `index`, marked as the most recently used.
    pub(crate) fn promote(&mut self, index: u32) -> &V {
        self.touch(index);
        &self.entries[index as usize].value
    }

    /// The index of the most recently used entry.
    pub(crate) fn mru_index(&self) -> Option<u32> {
        (self.head != NIL).then_some(self.head)
    }

    /// The index of the least recently used entry.
    pub(crate) fn lru_index(&self) -> Option<u32> {
        (self.tail != NIL).then_some(self.tail)
    }

    /// Whether the next insertion of a new key evicts.
    pub(crate) fn is_full(&self) -> bool {
        self.len() >= self.cap.min(MAX_LEN)
    }

    /// Makes the least recently used entry the most recent while `spare` accepts its index,
    /// at most `len` times: a second chance before eviction.
    pub(crate) fn spare_lru(&mut self, mut spare: impl FnMut(u32) -> bool) {
        for _ in 0..self.len() {
            let tail = self.tail;
            if tail == NIL || !spare(tail) {
                return;
            }
            self.touch(tail);
        }
    }

    /// The value at `index`, leaving recency unchanged.
    pub(crate) fn value_at(&self, index: u32) -> &V {
        &self.entries[index as usize].value
    }

    /// The value at `index`, mutably, leaving recency unchanged.
    pub(crate) fn value_at_mut(&mut self, index: u32) -> &mut V {
        &mut self.entries[index as usize].value
    }

    /// Inserts a key known to be absent. A full cache evicts its least recently used entry,
    /// reuses its slot and returns it; a cache of capacity 0 stores nothing and returns the
    /// entry it was given.
    pub(crate) fn insert_unique(&mut self, hash: u64, key: K, value: V) -> Option<(K, V)> {
        let limit = self.cap.min(MAX_LEN);
        if limit == 0 {
            return Some((key, value));
        }
        let evicted = if self.len() >= limit {
            let index = self.tail;
            self.unlink(index);
            self.forget(index);
            let entry = &mut self.entries[index as usize];
            entry.hash = hash;
            let old_key = core::mem::replace(&mut entry.key, key);
            let old_value = core::mem::replace(&mut entry.value, value);
            self.link_front(index);
            Some((old_key, old_value))
        } else {
            if self.entries.len() == self.entries.capacity() {
                let len = self.entries.len();
                self.entries.reserve_exact(len.max(4).min(limit - len));
            }
            self.entries.push(Entry { key, value, hash, prev: NIL, next: NIL });
            self.link_front((self.entries.len() - 1) as u32);
            None
        };
        if self.table.len() == self.table.capacity() && bucket_capacity(self.table.num_buckets()) >= limit {
            // No room left, yet the table has buckets enough for the bound: the room went to
            // tombstones left by evictions. Rebuilding at the same size clears them, where
            // hashbrown would double the table.
            self.rebuild_table();
        } else {
            let entries = &self.entries;
            self.table.insert_unique(hash, self.head, |&i| entries[i as usize].hash);
        }
        evicted
    }

    /// Indexes every entry again, from their stored hashes, in a table of the same size.
    #[cold]
    fn rebuild_table(&mut self) {
        let entries = &self.entries;
        let mut table = HashTable::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            table.insert_unique(entry.hash, index as u32, |&i| entries[i as usize].hash);
        }
        self.table = table;
    }

    fn index_of<Q>(&self, key: &Q) -> Option<u32>
    where
        Q: Hash + Equivalent<K> + ?Sized,
        S: BuildHasher,
    {
        if self.is_empty() {
            return None;
        }
        self.find(self.hash_builder.hash_one(key), |k| key.equivalent(k))
    }

    /// Removes the entry at `index`, moving the last slab entry into its place.
    pub(crate) fn remove_at(&mut self, index: u32) -> (K, V) {
        self.unlink(index);
        self.forget(index);
        let last = (self.entries.len() - 1) as u32;
        let removed = self.entries.swap_remove(index as usize);
        if index != last {
            let Entry { hash, prev, next, .. } = self.entries[index as usize];
            self.set_next(prev, index);
            self.set_prev(next, index);
            if let Some(slot) = self.table.find_mut(hash, |&i| i == last) {
                *slot = index;
            }
        }
        (removed.key, removed.value)
    }

    /// Removes `index` from the hash table.
    fn forget(&mut self, index: u32) {
        let hash = self.entries[index as usize].hash;
        if let Ok(slot) = self.table.find_entry(hash, |&i| i == index) {
            slot.remove();
        }
    }

    fn touch(&mut self, index: u32) {
        if self.head != index {
            self.unlink(index);
            self.link_front(index);
        }
    }

    fn unlink(&mut self, index: u32) {
        let Entry { prev, next, .. } = self.entries[index as usize];
        self.set_next(prev, next);
        self.set_prev(next, prev);
    }

    fn link_front(&mut self, index: u32) {
        let old_head = self.head;
        let entry = &mut self.entries[index as usize];
        entry.prev = NIL;
        entry.next = old_head;
        self.set_prev(old_head, index);
        self.head = index;
    }

    /// Points `index`'s `next` link (or the list's head, for `NIL`) at `to`.
    fn set_next(&mut self, index: u32, to: u32) {
        match self.entries.get_mut(index as usize) {
            Some(entry) => entry.next = to,
            None => self.head = to,
        }
    }

    /// Points `index`'s `prev` link (or the list's tail, for `NIL`) at `to`.
    fn set_prev(&mut self, index: u32, to: u32) {
        match self.entries.get_mut(index as usize) {
            Some(entry) => entry.prev = to,
            None => self.tail = to,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for LruCache<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a, K, V, S> IntoIterator for &'a LruCache<K, V, S> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

/// The entries of an [`LruCache`], from the most to the least recently used.
///
/// ```
/// # use memo::LruCache; use std::num::NonZeroUsize;
/// let mut cache = LruCache::new(NonZeroUsize::new(3).unwrap());
/// cache.put(1, "a");
/// cache.put(2, "b");
/// assert_eq!(cache.iter().rev().next(), Some((&1, &"a"))); // least recent last
/// ```
pub struct Iter<'a, K, V> {
    entries: &'a [Entry<K, V>],
    front: u32,
    back: u32,
    len: usize,
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        let entry = &self.entries[self.front as usize];
        self.front = entry.next;
        Some((&entry.key, &entry.value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len, Some(self.len))
    }
}

impl<K, V> DoubleEndedIterator for Iter<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        let entry = &self.entries[self.back as usize];
        self.back = entry.prev;
        Some((&entry.key, &entry.value))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}
impl<K, V> FusedIterator for Iter<'_, K, V> {}

/// The entries a hashbrown table of `buckets` buckets holds before it must grow.
fn bucket_capacity(buckets: usize) -> usize {
    if buckets < 8 { buckets.saturating_sub(1) } else { buckets / 8 * 7 }
}

impl<K, V> Clone for Iter<'_, K, V> {
    fn clone(&self) -> Self {
        Iter { ..*self }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full cache under a long churn of new keys keeps its slab and its table at the size
    /// the bound needs: evictions reuse slots, and tombstones never make the table grow.
    #[test]
    fn churn_keeps_the_memory_of_a_full_cache() {
        let cap = 100_000;
        let mut cache = LruCache::new(NonZeroUsize::new(cap).unwrap());
        for key in 0..cap as u64 {
            cache.put(key, key);
        }
        let (slots, buckets) = (cache.entries.capacity(), cache.table.num_buckets());
        assert_eq!(slots, cap);
        assert_eq!(buckets, 131_072);
        for key in cap as u64..12 * cap as u64 {
            cache.put(key, key);
        }
        assert_eq!((cache.entries.capacity(), cache.table.num_buckets()), (slots, buckets));
        assert_eq!(cache.len(), cap);
        assert_eq!(cache.peek_lru(), Some((&(11 * cap as u64), &(11 * cap as u64))));
    }
}
