//! The `#[lru_cache]` and `#[cache]` attributes of the [`memo`](https://docs.rs/memo) crate.
//! Use them through `memo`, which documents them.
//!
//! One file per stage: `attr` parses the options, `ast` views the function, `valid`
//! checks it, `expand` writes the code; `memoized` places the functions of an `impl` block.

mod ast;
mod attr;
mod expand;
mod memoized;
mod valid;

use proc_macro::TokenStream;

/// `functools.lru_cache`: memoizes a function behind a bounded LRU cache (see `memo`).
#[proc_macro_attribute]
pub fn lru_cache(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::memoize(attr::Kind::LruCache, args.into(), item.into()).into()
}

/// `functools.cache`: memoizes a function behind an unbounded cache (see `memo`).
#[proc_macro_attribute]
pub fn cache(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::memoize(attr::Kind::Cache, args.into(), item.into()).into()
}

/// Memoizes the `#[lru_cache]` and `#[cache]` functions of an `impl` block, trait impls
/// included (see `memo`).
#[proc_macro_attribute]
pub fn memoized(args: TokenStream, item: TokenStream) -> TokenStream {
    memoized::memoized(args.into(), item.into()).into()
}
