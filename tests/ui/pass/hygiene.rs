// The expansion uses absolute paths only: local items named `core`, `std`, `memo`, `Option`,
// `Some`, `Ok` and `Result`-like aliases do not disturb it.
#![allow(dead_code, non_camel_case_types)]

mod core {}
mod std {}
mod memo {}
struct Option;
struct Some;
struct Ok;
struct Vec;
struct String;

type IoResult<T> = ::std::io::Result<T>;

#[::memo::lru_cache]
fn double(x: u64) -> u64 {
    let __memo_cache = 1;
    x * 2 + __memo_cache - 1
}

#[::memo::cache]
fn checked(x: u8) -> IoResult<u8> {
    if x == 0 {
        ::std::result::Result::Err(::std::io::Error::other("zero"))
    } else {
        ::std::result::Result::Ok(x)
    }
}

fn main() {
    assert_eq!(double(2), 4);
    assert_eq!(double(2), 4);
    assert_eq!(double::cache_info().hits, 1);
    assert!(checked(0).is_err());
    assert!(checked(0).is_err());
    assert_eq!(checked(1).unwrap(), 1);
    assert_eq!(checked::cache_info().currsize, 1);
}
