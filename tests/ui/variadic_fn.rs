// C-variadic definitions are unstable, so rustc adds its own error for the untouched item.
use memo::lru_cache;

#[lru_cache]
unsafe extern "C" fn sum(count: u32, _args: ...) -> u32 {
    count
}

fn main() {}
