//! Parses the attribute's options: `maxsize`, `typed` and `ignore`.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
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
}

pub(crate) fn parse(kind: Kind, args: TokenStream) -> syn::Result<Options> {
    let mut options = Options {
        maxsize: if kind == Kind::Cache { None } else { Some(128) },
        typed: false,
        ignore: Vec::new(),
        shards: 1,
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
            "typed" => options.typed = typed(&meta)?,
            "ignore" => options.ignore = ignore(&meta)?,
            "shards" => options.shards = shards(&meta)?,
            _ => {
                let expected = match kind {
                    Kind::LruCache => "`maxsize`, `typed`, `ignore` or `shards`",
                    Kind::Cache => "`typed`, `ignore` or `shards`",
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

fn typed(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    let value = value(meta, "typed = true")?;
    match &value {
        Expr::Lit(ExprLit { lit: Lit::Bool(flag), .. }) => Ok(flag.value),
        _ => Err(syn::Error::new_spanned(&value, "expected `true` or `false` for `typed`")),
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
