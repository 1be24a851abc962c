//! The rules a memoizable function follows, each broken rule one spanned error.

use proc_macro2::Span;
use quote::ToTokens;
use syn::visit::Visit;
use syn::{GenericParam, Lifetime, ReturnType, Type, TypeImplTrait, TypeReference};

use crate::ast::{Function, InputKind, contains_impl_trait, optional_ref};
use crate::attr::{Kind, Options, Shared};

/// Checks `function`, gathering every error into one.
pub(crate) fn check(kind: Kind, options: &Options, function: &Function) -> syn::Result<()> {
    let mut errors = Errors(None);
    let sig = &function.sig;
    let attr = kind.name();
    if let Some(token) = &sig.constness {
        errors.add(
            token,
            format!("`#[{attr}]` cannot memoize a `const fn`: a cache lives at run time; remove `const`"),
        );
    }
    if let (Some(_), Some(shared)) = (&sig.asyncness, &options.shared) {
        let (name, span) = match shared {
            Shared::Disk(_, span) => ("disk", *span),
            Shared::Redis(span) => ("redis", *span),
        };
        errors.add_span(
            span,
            format!(
                "`{name}` cannot back an `async fn` yet: its store client blocks the thread; memoize it in process \
                 only, or memoize a synchronous function and call it from `spawn_blocking`"
            ),
        );
    }
    if let Some(span) = options.read_hits
        && (function.is_generic() || options.key.is_some())
    {
        let which = match () {
            () if options.key.is_some() => "with a `key` expression",
            () if function.is_method() => "on a method",
            () => "on a generic function",
        };
        errors.add_span(
            span,
            format!(
                "`read_hits` is not available {which}: its cache keeps keys and values as `dyn Any`, which \
                 threads cannot read at once; remove `read_hits`, or give it to a free, non-generic function \
                 that this one calls"
            ),
        );
    }
    if let Some(variadic) = &sig.variadic {
        // A variadic function is also `unsafe extern`: this one error says all there is to say.
        errors.add(variadic, format!("`#[{attr}]` cannot memoize a variadic function"));
        return errors.0.map_or(Ok(()), Err);
    }
    if let Some(token) = &sig.unsafety {
        errors.add(
            token,
            format!("`#[{attr}]` cannot memoize an `unsafe fn`; memoize a safe function that wraps it"),
        );
    }
    if let Some(abi) = &sig.abi {
        errors.add(
            abi,
            format!("`#[{attr}]` cannot memoize an `extern` function; memoize a Rust function that calls it"),
        );
    }
    for param in &sig.generics.params {
        if let GenericParam::Const(param) = param
            && !matches!(&param.ty, Type::Path(path) if path.path.is_ident("usize"))
        {
            errors.add(&param.ty, "memoized functions take `usize` const parameters only");
        }
    }
    if let (Some(span), false) = (options.cache_err, matches!(function.output, crate::ast::Output::Result(_)))
    {
        errors.add_span(span, "`cache_err` applies to functions returning a `Result`; remove it");
    }
    if let (None, Some((_, span))) = (&options.shared, options.version) {
        errors.add_span(
            span,
            "`version` names the entries of a shared tier; add `disk` or `redis`, or remove `version`",
        );
    }
    if let (Some(_), Some(first)) = (&options.key, options.ignore.first()) {
        errors.add(
            first,
            "`ignore` does not mix with `key`: the `key` expression alone makes the key; leave the argument out of the expression",
        );
    }
    for name in &options.ignore {
        if !function.inputs.iter().any(|input| input.name == *name) {
            errors.add(
                name,
                format!("`{name}` is not an argument of `{}`; `ignore` takes argument names", sig.ident),
            );
        }
    }
    for input in &function.inputs {
        if options.ignore.contains(&input.name) || options.key.is_some() {
            continue;
        }
        let name = &input.name;
        match &input.kind {
            InputKind::SelfRef => {}
            InputKind::SelfOther => errors.add(
                &input.ty,
                "only `&self` can be part of a cache key: take `&self`, or leave `self` out of the key with `ignore = [self]`",
            ),
            InputKind::Ref { mutable: true, .. } => errors.add(
                &input.ty,
                format!("a `&mut` argument cannot be part of a cache key: take `&T`, or leave it out with `ignore = [{name}]`"),
            ),
            InputKind::Value(ty) | InputKind::Ref { elem: ty, .. } => {
                // `Option<&T>` (by value) is keyed by its referent, stored as `Option<T::Owned>`.
                let ty = match &input.kind {
                    InputKind::Value(_) => optional_ref(ty).unwrap_or(ty),
                    _ => ty,
                };
                if let Some(borrow) = first_borrow(ty) {
                    errors.add_span(
                        borrow,
                        format!(
                            "a cache key cannot hold a borrow: take an owned type, or leave the argument out with `ignore = [{name}]`"
                        ),
                    );
                }
            }
        }
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if contains_impl_trait(ty) {
            errors.add(ty, "a memoized function cannot return `impl Trait`: the cache must name the type it stores; return a concrete type");
        } else if let Some(borrow) = first_borrow(ty) {
            errors.add_span(
                borrow,
                "a memoized function cannot return a borrow: return an owned value (or a `&'static` one)",
            );
        }
    }
    errors.0.map_or(Ok(()), Err)
}

struct Errors(Option<syn::Error>);

impl Errors {
    fn add(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    fn add_span(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }
}

/// The span of the first non-`'static` lifetime or elided reference in `ty`.
fn first_borrow(ty: &Type) -> Option<Span> {
    struct Finder(Option<Span>);
    impl Visit<'_> for Finder {
        fn visit_lifetime(&mut self, lifetime: &Lifetime) {
            if lifetime.ident != "static" {
                self.0.get_or_insert(lifetime.span());
            }
        }
        fn visit_type_reference(&mut self, reference: &TypeReference) {
            if reference.lifetime.is_none() {
                self.0.get_or_insert(reference.and_token.span);
            }
            syn::visit::visit_type_reference(self, reference);
        }
        fn visit_type_impl_trait(&mut self, _: &TypeImplTrait) {}
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0
}
