//! Parses the attribute's options: functools' `maxsize` and `typed`, and memo's own.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, ExprUnary, Ident, Lit, Token, UnOp};

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    LruCache,
    Cache,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::LruCache => "lru_cache",
            Kind::Cache => "cache",
        }
    }
}

/// The options, with functools' defaults.
pub(crate) struct Options {
    /// `None`: unbounded.
    pub(crate) maxsize: Option<usize>,
    pub(crate) typed: bool,
    /// Arguments left out of the key.
    pub(crate) ignore: Vec<Ident>,
    /// Independent LRU stores, for threads that hit the cache at once; 1: exact LRU.
    pub(crate) shards: usize,
    /// Hits take a read lock and mark their entry, for CLOCK eviction (`read_hits`).
    pub(crate) read_hits: Option<Span>,
    /// A store shared with other processes, behind the in-process cache.
    pub(crate) shared: Option<Shared>,
    /// The version of the function's entries in a shared store (`version = N`).
    pub(crate) version: Option<(u32, Span)>,
    /// How long an entry lives (`ttl = "10m"`), in milliseconds.
    pub(crate) ttl: Option<(u64, Span)>,
    /// Concurrent misses of one key run the body once (`single_flight`).
    pub(crate) single_flight: Option<Span>,
    /// `Err` values are cached too (`cache_err`).
    pub(crate) cache_err: Option<Span>,
    /// `None` values are not cached (`cache_none = false`).
    pub(crate) skip_none: Option<Span>,
    /// The key, computed from the arguments (`key = name.to_lowercase()`).
    pub(crate) key: Option<Expr>,
}

/// The shared tier an attribute names, with the span of its option.
pub(crate) enum Shared {
    /// `disk`, or `disk = "path/to/cache.sqlite3"`.
    Disk(Option<syn::LitStr>, Span),
    /// `redis`.
    Redis(Span),
}

pub(crate) fn parse(kind: Kind, args: TokenStream) -> syn::Result<Options> {
    let mut options = Options {
        maxsize: if kind == Kind::Cache { None } else { Some(128) },
        typed: false,
        ignore: Vec::new(),
        shards: 1,
        read_hits: None,
        shared: None,
        version: None,
        ttl: None,
        single_flight: None,
        cache_err: None,
        skip_none: None,
        key: None,
    };
    let mut seen: Vec<String> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let name = meta.path.get_ident().map(Ident::to_string).unwrap_or_default();
        if seen.contains(&name) {
            return Err(meta.error(format!("duplicate `{name}` option; give it once")));
        }
        match name.as_str() {
            "maxsize" if kind == Kind::Cache => {
                return Err(meta.error(
                    "`#[cache]` is unbounded and takes no `maxsize`; use `#[lru_cache(maxsize = N)]` for a bounded cache",
                ));
            }
            "maxsize" => options.maxsize = maxsize(&meta)?,
            "typed" => options.typed = typed(&meta, "typed")?,
            "ignore" => options.ignore = ignore(&meta)?,
            "shards" => options.shards = shards(&meta)?,
            "read_hits" => options.read_hits = flag(&meta, "read_hits")?,
            "disk" | "redis" => {
                if let Some(other) = &options.shared {
                    let other = if matches!(other, Shared::Disk(..)) { "disk" } else { "redis" };
                    return Err(meta.error(format!(
                        "`{name}` and `{other}` cannot both back one function; choose one shared tier"
                    )));
                }
                options.shared = Some(shared(&meta, &name)?);
            }
            "version" => options.version = Some(version(&meta)?),
            "ttl" => options.ttl = Some(ttl(&meta)?),
            "single_flight" => options.single_flight = flag(&meta, "single_flight")?,
            "cache_err" => options.cache_err = flag(&meta, "cache_err")?,
            "key" => options.key = Some(value(&meta, "key = name.to_lowercase()")?),
            "cache_none" => {
                let span = meta.path.span();
                options.skip_none = (!typed(&meta, "cache_none")?).then_some(span);
            }
            _ => {
                let common = "`ignore`, `key`, `shards`, `read_hits`, `ttl`, `cache_err`, `cache_none`, `single_flight`, `disk`, `redis` or `version`";
                let expected = match kind {
                    Kind::LruCache => format!("`maxsize`, `typed`, {common}"),
                    Kind::Cache => format!("`typed`, {common}"),
                };
                let shown = quote::ToTokens::to_token_stream(&meta.path).to_string().replace(' ', "");
                return Err(
                    meta.error(format!("unknown `{}` option `{shown}`; expected {expected}", kind.name()))
                );
            }
        }
        seen.push(name);
        Ok(())
    });
    match syn::parse::Parser::parse2(parser, args.clone()) {
        Ok(()) => Ok(options),
        Err(error) => Err(positional_hint(kind, args).unwrap_or(error)),
    }
}

/// `#[lru_cache(256)]`, Python's positional form, gets a hint at the keyword form.
fn positional_hint(kind: Kind, args: TokenStream) -> Option<syn::Error> {
    let first: Expr = syn::parse2(args).ok()?;
    matches!(first, Expr::Lit(_) | Expr::Unary(_)).then(|| {
        syn::Error::new_spanned(first, format!("`{}` options are named: write `maxsize = N`", kind.name()))
    })
}

/// The expression after `name =`; `example` shows the form when the `=` is missing.
fn value(meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<Expr> {
    if !meta.input.peek(Token![=]) {
        return Err(meta.error(format!("expected a value: write `{example}`")));
    }
    meta.value()?.parse()
}

fn maxsize(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<usize>> {
    let value = value(meta, "maxsize = 256` or `maxsize = None")?;
    match &value {
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => {
            int.base10_parse::<usize>().map(Some).map_err(|_| {
                syn::Error::new_spanned(
                    int,
                    "`maxsize` is too large; use `maxsize = None` for an unbounded cache",
                )
            })
        }
        Expr::Path(path) if path.path.is_ident("None") => Ok(None),
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), .. }) => Err(syn::Error::new_spanned(
            &value,
            "`maxsize` cannot be negative; use `maxsize = None` for an unbounded cache or `maxsize = 0` to cache nothing",
        )),
        _ => Err(syn::Error::new_spanned(
            &value,
            "expected an integer or `None` for `maxsize`, as in `maxsize = 256` or `maxsize = None`",
        )),
    }
}

fn shards(meta: &ParseNestedMeta<'_>) -> syn::Result<usize> {
    let value = value(meta, "shards = 16")?;
    let error =
        || syn::Error::new_spanned(&value, "expected a positive integer for `shards`, as in `shards = 16`");
    match &value {
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => match int.base10_parse::<usize>() {
            Ok(0) | Err(_) => Err(error()),
            Ok(shards) => Ok(shards),
        },
        _ => Err(error()),
    }
}

/// `name = true` or `name = false`.
fn typed(meta: &ParseNestedMeta<'_>, name: &str) -> syn::Result<bool> {
    let example = if name == "typed" { "typed = true" } else { "cache_none = false" };
    let value = value(meta, example)?;
    match &value {
        Expr::Lit(ExprLit { lit: Lit::Bool(flag), .. }) => Ok(flag.value),
        _ => Err(syn::Error::new_spanned(&value, format!("expected `true` or `false` for `{name}`"))),
    }
}

fn ignore(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let value = value(meta, "ignore = [db, self]")?;
    let names = match &value {
        Expr::Array(ExprArray { elems, .. }) => elems.iter().collect(),
        _ => vec![&value],
    };
    names
        .into_iter()
        .map(|name| match name {
            Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => {
                path.path.get_ident().cloned().ok_or_else(|| ignore_error(name))
            }
            _ => Err(ignore_error(name)),
        })
        .collect()
}

fn ignore_error(name: &Expr) -> syn::Error {
    syn::Error::new_spanned(name, "expected argument names for `ignore`, as in `ignore = [db, self]`")
}

/// `disk`, `disk = "path"` or `redis`.
fn shared(meta: &ParseNestedMeta<'_>, name: &str) -> syn::Result<Shared> {
    let span = meta.path.span();
    if name == "redis" {
        if meta.input.peek(Token![=]) {
            return Err(meta.error(
                "`redis` takes no value: write `redis`, and set the server with `memo::redis::configure` or `MEMO_REDIS_URL`",
            ));
        }
        return Ok(Shared::Redis(span));
    }
    if !meta.input.peek(Token![=]) {
        return Ok(Shared::Disk(None, span));
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit { lit: Lit::Str(path), .. }) if !path.value().is_empty() => {
            Ok(Shared::Disk(Some(path), span))
        }
        value => Err(syn::Error::new_spanned(
            value,
            "expected a file path for `disk`, as in `disk = \"cache/app.sqlite3\"`, or `disk` alone for the default store",
        )),
    }
}

fn version(meta: &ParseNestedMeta<'_>) -> syn::Result<(u32, Span)> {
    let value = value(meta, "version = 2")?;
    let error =
        || syn::Error::new_spanned(&value, "expected a whole number for `version`, as in `version = 2`");
    match &value {
        Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => {
            int.base10_parse::<u32>().map(|version| (version, meta.path.span())).map_err(|_| error())
        }
        _ => Err(error()),
    }
}

/// `ttl = "90s"`: a sequence of numbers with units (`ms`, `s`, `m`, `h`, `d`), as `"1h30m"`.
fn ttl(meta: &ParseNestedMeta<'_>) -> syn::Result<(u64, Span)> {
    let value = value(meta, "ttl = \"10m\"")?;
    let Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) = &value else {
        return Err(syn::Error::new_spanned(
            &value,
            "expected a duration in quotes for `ttl`, as in `ttl = \"30s\"`, `ttl = \"10m\"` or `ttl = \"1h30m\"`",
        ));
    };
    match parse_duration(&text.value()) {
        Ok(0) => Err(syn::Error::new_spanned(
            text,
            "`ttl` must be longer than zero; use `maxsize = 0` to cache nothing",
        )),
        Ok(millis) => Ok((millis, text.span())),
        Err(problem) => Err(syn::Error::new_spanned(
            text,
            format!(
                "{problem} in `ttl`; write a duration such as `\"30s\"`, `\"10m\"` or `\"1h30m\"` (units: `ms`, `s`, `m`, `h`, `d`)"
            ),
        )),
    }
}

/// Milliseconds in `"1h30m"`, or what is wrong with it.
pub(crate) fn parse_duration(text: &str) -> Result<u64, String> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("an empty duration".into());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("expected a number at `{rest}`"));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| "a number too large".to_string())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = rest[..unit_len].trim();
        let scale = match unit {
            "ms" => 1,
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => return Err(format!("a number without a unit (`{number}`)")),
            other => return Err(format!("unknown unit `{other}`")),
        };
        total = number
            .checked_mul(scale)
            .and_then(|part| total.checked_add(part))
            .ok_or("a duration too long")?;
        rest = rest[unit_len..].trim_start();
    }
    Ok(total)
}

/// `name` alone, or `name = true` / `name = false` (`None` when false).
fn flag(meta: &ParseNestedMeta<'_>, name: &str) -> syn::Result<Option<Span>> {
    let span = meta.path.span();
    if !meta.input.peek(Token![=]) {
        return Ok(Some(span));
    }
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(ExprLit { lit: Lit::Bool(flag), .. }) => Ok(flag.value.then_some(span)),
        value => Err(syn::Error::new_spanned(value, format!("expected `{name}` alone, or `{name} = true`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("2d"), Ok(172_800_000));
        assert_eq!(parse_duration(" 1m 30s "), Ok(90_000));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10 parsecs").unwrap_err().contains("`parsecs`"));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }
}
