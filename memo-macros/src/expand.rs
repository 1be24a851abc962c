//! Writes the memoized function: a wrapper that asks the cache first, the original body as
//! `uncached`, and the `cache_info` / `cache_clear` / `cache_parameters` companions.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{
    Attribute, FnArg, GenericArgument, GenericParam, Ident, ItemFn, Pat, PatIdent, PathArguments, Signature,
    TraitItemFn, Type, TypeImplTrait, TypeParamBound, WherePredicate, parse_quote,
};

use crate::ast::{Function, Input, InputKind, Output, Place, is_float, optional_ref};
use crate::attr::{self, Kind, Options, Shared};
use crate::valid;

/// The whole attribute: on any error, the error followed by the untouched item, so that the
/// user sees one diagnostic and the rest of the crate still type-checks.
pub(crate) fn memoize(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let item_fn: ItemFn = match syn::parse2(item.clone()) {
        Ok(item_fn) => item_fn,
        Err(_) => return with_error(not_a_function(kind, item.clone()), item),
    };
    match memoize_fn(kind, args, item_fn, None) {
        Ok(Expansion { wrapper, companions }) => quote!(#wrapper #companions),
        Err(error) => with_error(error, item),
    }
}

/// What one memoized function expands to.
pub(crate) struct Expansion {
    /// The function, calling its cache.
    pub(crate) wrapper: TokenStream,
    /// The rest: the companions and the cache, as associated items (a function of an `impl`)
    /// or as items of the module (a free function).
    pub(crate) companions: TokenStream,
}

/// Memoizes `item`, placed where `#[memo::memoized]` found it, or by its signature (`None`).
pub(crate) fn memoize_fn(
    kind: Kind,
    args: TokenStream,
    item: ItemFn,
    place: Option<Place>,
) -> syn::Result<Expansion> {
    let options = attr::parse(kind, args)?;
    let function = Function::new(item, place);
    valid::check(kind, &options, &function)?;
    Ok(expand(&options, &function))
}

pub(crate) fn with_error(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}

fn not_a_function(kind: Kind, item: TokenStream) -> syn::Error {
    let name = kind.name();
    match syn::parse2::<TraitItemFn>(item) {
        Ok(declaration) => syn::Error::new_spanned(
            &declaration.sig,
            format!(
                "`#[{name}]` needs a function body: put it on the method's implementation, in an `impl` block marked `#[memo::memoized]`"
            ),
        ),
        Err(_) => {
            syn::Error::new(Span::call_site(), format!("`#[{name}]` applies to functions and methods only"))
        }
    }
}

fn expand(options: &Options, function: &Function) -> Expansion {
    let Function { attrs, vis, sig, block, .. } = function;
    // A trait impl's methods take no visibility; their companions are as public as the trait's.
    let companion_vis = match function.place {
        Place::TraitImpl => quote!(pub),
        _ => vis.to_token_stream(),
    };
    let name = &sig.ident;
    // A `key` expression's type is known only where it is evaluated: such a cache is erased too.
    let generic = function.is_generic() || options.key.is_some();
    let keyed: Vec<&Input> =
        function.inputs.iter().filter(|input| !options.ignore.contains(&input.name)).collect();
    let cons = |items: Vec<TokenStream>| {
        items.into_iter().rev().fold(quote!(()), |rest, item| quote!((#item, #rest)))
    };

    // `key = expr`: evaluated once per call and borrowed (so that `key = name` does not move
    // `name`), into `__memo_custom_key`, which is the whole key.
    let (key_binding, parts) = match &options.key {
        Some(expr) => (
            quote_spanned!(expr.span()=> let __memo_custom_key = &(#expr);),
            quote_spanned!(expr.span()=> ::memo::__private::custom_key(__memo_custom_key)),
        ),
        None => (TokenStream::new(), cons(keyed.iter().map(|input| part(input)).collect())),
    };
    // `cache_err`: the whole `Result` is the cached value.
    let output = match (&function.output, options.cache_err) {
        (Output::Result(ty), Some(_)) => Output::Plain(ty.clone()),
        (output, _) => output.clone(),
    };
    let (value_ty, value_span) = value_type(&output);
    // Which return values are cached (`Ok`s of a `Result`, and not `None`s under
    // `cache_none = false`), spanned on the return type that must fit it.
    let policy = match (&output, options.skip_none) {
        (Output::Result(ty), None) => quote_spanned!(ty.span()=> ::memo::__private::OkValues),
        (Output::Result(ty), Some(_)) => quote_spanned!(ty.span()=> ::memo::__private::OkSomeValues),
        (_, None) => quote!(::memo::__private::Plain),
        (_, Some(_)) => quote_spanned!(value_span=> ::memo::__private::SomeValues),
    };

    let cache_ty = if generic {
        quote!(::memo::__private::FnCache<::memo::__private::Erased, ::memo::__private::ErasedValue>)
    } else {
        // Named without a bound on the arguments, so that an argument that cannot be a key is
        // reported once, by `arg`; the value goes through `CacheValue` for the same reason.
        let mut key_ty = cons(keyed.iter().map(|input| owned_type(input)).collect());
        let mut value_ty = quote_spanned!(value_span=> <#value_ty as ::memo::__private::CacheValue>::Stored);
        if let Some(span) = options.read_hits {
            key_ty = quote_spanned!(span=> <#key_ty as ::memo::__private::ReadShared>::Shared);
            value_ty = quote_spanned!(value_span=> <#value_ty as ::memo::__private::ReadShared>::Shared);
        }
        let keep = match options.ttl {
            Some(_) => quote_spanned!(value_span=> ::memo::__private::Expiring<#value_ty>),
            None => quote_spanned!(value_span=> ::memo::__private::Always<#value_ty>),
        };
        // The eviction policy: `read_hits` is CLOCK, whose key and value types must be
        // `Sync` (said at the option).
        let eviction = match options.read_hits {
            Some(span) => quote_spanned!(span=> ::memo::__private::Clock),
            None => quote!(::memo::__private::Lru),
        };
        quote_spanned!(value_span=> ::memo::__private::FnCache<::memo::__private::Typed<#key_ty>, #keep, #eviction>)
    };
    let maxsize = match options.maxsize {
        Some(maxsize) => {
            let maxsize = Literal::usize_unsuffixed(maxsize);
            quote!(::core::option::Option::Some(#maxsize))
        }
        None => quote!(::core::option::Option::None),
    };
    let (typed, shards) = (options.typed, Literal::usize_unsuffixed(options.shards));
    let ttl = ttl(options);
    let new_cache = quote!(<#cache_ty>::new(#maxsize, #typed, #shards, #ttl));
    let single_flight = options.single_flight.is_some();

    let (cache, uncached_name, prefix, fn_link) = if function.is_method() {
        let accessor = format_ident!("__memo_{}_cache", name);
        (
            quote!(Self::#accessor()),
            format_ident!("{}_uncached", name),
            format!("{name}_"),
            format!("[`Self::{name}`]"),
        )
    } else {
        let cache = format_ident!("__memo_cache_{}", name);
        (quote!(#cache), format_ident!("uncached"), String::new(), format!("[`{name}`]"))
    };
    let owner = if function.is_method() { quote!(Self) } else { name.to_token_stream() };
    let turbofish = turbofish(function);
    let args = function.inputs.iter().map(|input| &input.name);
    let wrapper_sig = wrapper_signature(function, options);
    let tier = match function.is_method() {
        true => {
            let accessor = format_ident!("__memo_{}_tier", name);
            quote!(Self::#accessor())
        }
        false => {
            let tier = format_ident!("__memo_tier_{}", name);
            quote!((&#tier))
        }
    };
    let shared_tier = match &options.shared {
        None => quote!(::memo::__private::NoTier),
        Some(_) => {
            let tag = if generic { type_name(function) } else { quote!("") };
            let args: Vec<TokenStream> = match &options.key {
                Some(expr) => vec![
                    quote_spanned!(expr.span()=> ::memo::__private::shared_arg(__memo_key, __memo_custom_key)),
                ],
                None => keyed.iter().map(|input| shared_part(input)).collect(),
            };
            let shared_tier = quote_spanned!(value_span=> ::memo::__private::shared_tier::<#value_ty, _>);
            quote!(#shared_tier(#tier, #tag, |__memo_key: &mut ::memo::__private::KeyWriter| { #(#args;)* }))
        }
    };
    let owner_name = match function.is_method() {
        true => quote!(::core::any::type_name::<Self>()),
        false => quote!(""),
    };
    let name_text = name.to_string();
    let register = quote!(__memo_cache.register(::core::module_path!(), #owner_name, #name_text););
    // By reference: a constant, promoted to a `static` where the owner's name is one.
    let site = quote! {
        &::memo::__private::Site {
            module: ::core::module_path!(),
            owner: #owner_name,
            function: #name_text,
            single_flight: #single_flight,
        }
    };
    // The cache as the protocol takes it: `&'static`, with the call's instantiation (`()` where
    // the cache serves one).
    let cache_ref = match function.is_method() {
        true => cache.clone(),
        false => quote!(&#cache),
    };
    let instantiation = match generic {
        true => tag(function),
        false => quote!(()),
    };
    let handle = quote!(::memo::__private::Handle(#cache_ref, #instantiation));
    // The value type through `CacheValue`, so that one that cannot be cached is one error, on
    // the user's type, and holds an error type in the rest of the call.
    let stored = quote_spanned!(value_span=> <#value_ty as ::memo::__private::CacheValue>::Stored);
    // A typed cache names the value type already.
    let stored = match generic {
        true => stored,
        false => quote!(_),
    };
    let body = quote!(|| #owner::#uncached_name #turbofish(#(#args),*));
    let run = match sig.asyncness {
        None => quote! {
            #handle.call::<_, #stored, _>(#site, #parts, #shared_tier).run::<#policy, _>(#body)
        },
        Some(_) => quote! {
            #handle.call_async::<_, #stored, _>(#site, #parts, #shared_tier).await.run_async::<#policy, _, _>(#body).await
        },
    };
    let wrapper = quote! {
        #(#attrs)*
        #vis #wrapper_sig {
            #key_binding
            #run
        }
    };

    let cfgs: Vec<&Attribute> = attrs.iter().filter(|attr| attr.path().is_ident("cfg")).collect();
    let lints = attrs.iter().filter(|attr| {
        ["cfg", "cfg_attr", "allow", "warn", "deny", "forbid", "expect"]
            .iter()
            .any(|lint| attr.path().is_ident(lint))
    });
    let uncached_sig = Signature { ident: uncached_name, ..sig.clone() };
    let doc = |text: String| quote!(#[doc = #text]);
    let cache_info = format_ident!("{}cache_info", prefix);
    let cache_clear = format_ident!("{}cache_clear", prefix);
    let cache_parameters = format_ident!("{}cache_parameters", prefix);
    let doc_info = doc(format!("The statistics of {fn_link}'s cache, as `functools`' `cache_info()`."));
    let doc_clear =
        doc(format!("Empties {fn_link}'s cache and resets its statistics, as `functools`' `cache_clear()`."));
    let doc_parameters =
        doc(format!("The options of {fn_link}'s cache, as `functools`' `cache_parameters()`."));
    let doc_uncached =
        doc(format!("Runs {fn_link}'s body without the cache, as `functools`' `__wrapped__`."));
    let companions = quote! {
        #doc_info
        #companion_vis fn #cache_info() -> ::memo::CacheInfo {
            #cache.cache_info()
        }
        #doc_clear
        #companion_vis fn #cache_clear() {
            #cache.cache_clear()
        }
        #doc_parameters
        #companion_vis fn #cache_parameters() -> ::memo::CacheParameters {
            #cache.cache_parameters()
        }
        #doc_uncached
        #(#lints)*
        #companion_vis #uncached_sig #block
    };
    let (shared_companions, tier_static) = match &options.shared {
        None => (TokenStream::new(), TokenStream::new()),
        Some(shared) => {
            let shared_info = format_ident!("{}shared_info", prefix);
            let shared_clear = format_ident!("{}shared_clear", prefix);
            let doc_info = doc(format!("The statistics of {fn_link}'s shared tier in this process."));
            let doc_clear = doc(format!(
                "Removes {fn_link}'s entries (this version's) from its shared store, leaving other \
                 functions' alone, and resets the shared statistics; `cache_clear` empties the \
                 in-process cache only."
            ));
            (
                quote! {
                    #doc_info
                    #companion_vis fn #shared_info() -> ::memo::SharedInfo {
                        #tier.shared_info()
                    }
                    #doc_clear
                    #companion_vis fn #shared_clear() -> ::core::result::Result<u64, ::memo::StoreError> {
                        #tier.shared_clear()
                    }
                },
                new_tier(options, shared, name, function.is_method()),
            )
        }
    };
    let per_key = per_key_companions(
        function,
        options,
        &wrapper_sig,
        &cache,
        &prefix,
        &fn_link,
        PerKey {
            vis: &companion_vis,
            key_binding: &key_binding,
            parts: &parts,
            value_ty: &value_ty,
            tag: &instantiation,
            register: &register,
        },
    );
    let companions = quote!(#companions #per_key #shared_companions);

    if function.is_method() {
        let accessor = format_ident!("__memo_{}_cache", name);
        let tier_accessor = (!tier_static.is_empty()).then(|| {
            let tier_accessor = format_ident!("__memo_{}_tier", name);
            quote! {
                #[doc(hidden)]
                fn #tier_accessor() -> &'static ::memo::__private::Tier {
                    static __MEMO_TIER: ::memo::__private::Tier = #tier_static;
                    &__MEMO_TIER
                }
            }
        });
        let companions = add_cfgs(
            &cfgs,
            quote! {
                #companions
                #[doc(hidden)]
                fn #accessor() -> &'static #cache_ty {
                    static __MEMO_CACHE: #cache_ty = #new_cache;
                    &__MEMO_CACHE
                }
                #tier_accessor
            },
        );
        Expansion { wrapper, companions }
    } else {
        let static_name = format_ident!("__memo_cache_{}", name);
        let tier_name = format_ident!("__memo_tier_{}", name);
        let marker_name = format_ident!("__memo_marker_{}", name);
        let tier_item = (!tier_static.is_empty()).then(|| {
            quote! {
                #(#cfgs)*
                #[allow(non_upper_case_globals)]
                static #tier_name: ::memo::__private::Tier = #tier_static;
                #(#cfgs)*
                #[doc(hidden)]
                fn #marker_name() {}
            }
        });
        let doc_companion = doc(format!(
            "The cache of {fn_link}: `{name}::cache_info()`, `{name}::cache_clear()`, \
             `{name}::cache_parameters()` and `{name}::uncached(..)`."
        ));
        let companions = quote! {
            #(#cfgs)*
            #[allow(non_upper_case_globals, clippy::type_complexity)]
            static #static_name: #cache_ty = #new_cache;
            #tier_item
            #(#cfgs)*
            #doc_companion
            #[allow(non_camel_case_types, dead_code)]
            #vis enum #name {}
            #(#cfgs)*
            #[allow(dead_code)]
            impl #name {
                #companions
            }
        };
        Expansion { wrapper, companions }
    }
}

/// The `Tier` of a function with a shared store: its namespace (`crate::module::f@vN`), its
/// store (a compile error, on the option, when memo's feature for it is off), `ttl` and
/// `single_flight`.
fn new_tier(options: &Options, shared: &Shared, name: &Ident, is_method: bool) -> TokenStream {
    let version = options.version.map_or(0, |(version, _)| version);
    let namespace = match is_method {
        // A method's entries are keyed by `Self`'s type name too (its tag).
        true => {
            let suffix = format!("::{name}@v{version}");
            quote!(|| ::std::string::String::from(::core::concat!(::core::module_path!(), #suffix)))
        }
        false => {
            let marker = format_ident!("__memo_marker_{}", name);
            quote!(|| ::memo::__private::namespace_of(#marker, #version))
        }
    };
    let target = match shared {
        Shared::Disk(path, span) => {
            let path = match path {
                Some(path) => quote!(::core::option::Option::Some(#path)),
                None => quote!(::core::option::Option::None),
            };
            quote_spanned!(*span=> ::memo::__memo_disk!(#path))
        }
        Shared::Redis(span) => quote_spanned!(*span=> ::memo::__memo_redis!()),
    };
    let ttl = ttl(options);
    let single_flight = options.single_flight.is_some();
    quote!(::memo::__private::Tier::new(#namespace, #target, #ttl, #single_flight))
}

/// `ttl` as an `Option<Duration>`.
fn ttl(options: &Options) -> TokenStream {
    match options.ttl {
        Some((millis, _)) => {
            let millis = Literal::u64_unsuffixed(millis);
            quote!(::core::option::Option::Some(::memo::__private::Duration::from_millis(#millis)))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// Writes a key part to `__memo_key`, checked on the argument's own span.
fn shared_part(input: &Input) -> TokenStream {
    let name = &input.name;
    match &input.kind {
        InputKind::SelfRef | InputKind::SelfOther => {
            quote_spanned!(input.span=> ::memo::__private::shared_arg(__memo_key, self))
        }
        InputKind::Value(ty) => {
            let name = Ident::new(&name.to_string(), ty.span());
            quote_spanned!(ty.span()=> ::memo::__private::shared_arg(__memo_key, &#name))
        }
        InputKind::Ref { elem, .. } => {
            let name = Ident::new(&name.to_string(), elem.span());
            quote_spanned!(elem.span()=> ::memo::__private::shared_arg(__memo_key, #name))
        }
    }
}

/// What the per-key companions need from the wrapper.
struct PerKey<'a> {
    /// The companions' visibility.
    vis: &'a TokenStream,
    /// Evaluates a `key` expression, if the function has one.
    key_binding: &'a TokenStream,
    parts: &'a TokenStream,
    value_ty: &'a TokenStream,
    /// The instantiation of the call, `()` where the cache serves one.
    tag: &'a TokenStream,
    /// Lists the cache in the registry.
    register: &'a TokenStream,
}

/// `cache_peek`, `cache_remove` and `cache_put`: one call's entry, by the call's key arguments.
fn per_key_companions(
    function: &Function,
    options: &Options,
    wrapper_sig: &Signature,
    cache: &TokenStream,
    prefix: &str,
    fn_link: &str,
    per_key: PerKey<'_>,
) -> TokenStream {
    let PerKey { vis, key_binding, parts, value_ty, tag, register } = per_key;
    let keyed_sig = |name: Ident, output: syn::ReturnType| {
        let mut sig = Signature { ident: name, output, asyncness: None, ..wrapper_sig.clone() };
        sig.inputs = sig
            .inputs
            .into_iter()
            .zip(&function.inputs)
            .filter(|(_, input)| !options.ignore.contains(&input.name))
            .map(|(arg, _)| arg)
            .collect();
        sig
    };
    let optional: syn::ReturnType = parse_quote!(-> ::core::option::Option<#value_ty>);
    let mut put_sig = keyed_sig(format_ident!("{}cache_put", prefix), syn::ReturnType::Default);
    let value = match function.inputs.iter().any(|input| input.name == "value") {
        true => format_ident!("__memo_value"),
        false => format_ident!("value"),
    };
    put_sig.inputs.push(parse_quote!(#value: #value_ty));
    let peek_sig = keyed_sig(format_ident!("{}cache_peek", prefix), optional.clone());
    let remove_sig = keyed_sig(format_ident!("{}cache_remove", prefix), optional);
    let peek = quote!(#cache.peek::<_, #value_ty>(#tag, &#parts));
    let remove = quote!(#cache.remove::<_, #value_ty>(#tag, &#parts));
    let put = quote!(__memo_cache.put::<_, #value_ty>(#tag, &#parts, #value));
    let doc = |text: String| quote!(#[doc = #text]);
    let doc_peek = doc(format!(
        "The value {fn_link}'s cache holds for these arguments, if any, without running the body, \
         counting a hit or changing recency."
    ));
    let doc_remove =
        doc(format!("Removes the entry {fn_link}'s cache holds for these arguments, and returns its value."));
    let doc_put = doc(format!(
        "Stores `value` as {fn_link}'s result for these arguments (priming the cache), replacing any \
         cached one."
    ));
    quote! {
        #doc_peek
        #[allow(clippy::needless_pass_by_value, clippy::ptr_arg, unused_variables)]
        #vis #peek_sig {
            #key_binding
            #peek
        }
        #doc_remove
        #[allow(clippy::needless_pass_by_value, clippy::ptr_arg, unused_variables)]
        #vis #remove_sig {
            #key_binding
            #remove
        }
        #doc_put
        #[allow(clippy::needless_pass_by_value, clippy::ptr_arg, unused_variables)]
        #vis #put_sig {
            #key_binding
            let __memo_cache = &#cache;
            #register
            #put
        }
    }
}

/// Puts `cfgs` on each item of `items`.
fn add_cfgs(cfgs: &[&Attribute], items: TokenStream) -> TokenStream {
    if cfgs.is_empty() {
        return items;
    }
    let items: syn::File = match syn::parse2(quote!(impl X { #items })) {
        Ok(file) => file,
        Err(error) => return error.to_compile_error(),
    };
    let Some(syn::Item::Impl(block)) = items.items.into_iter().next() else {
        return TokenStream::new();
    };
    block.items.into_iter().map(|item| quote!(#(#cfgs)* #item)).collect()
}

/// A key part: the argument borrowed as itself, or a float by value. `arg` checks that the
/// argument can be a key, so it is spanned on the user's type.
fn part(input: &Input) -> TokenStream {
    let at = |span: Span| Ident::new(&input.name.to_string(), span);
    match &input.kind {
        InputKind::SelfRef | InputKind::SelfOther => {
            quote_spanned!(input.span=> ::memo::__private::arg(self))
        }
        InputKind::Value(ty) if is_float(ty) => {
            let name = at(ty.span());
            quote_spanned!(ty.span()=> ::memo::__private::Float(#name))
        }
        InputKind::Ref { elem, .. } if is_float(elem) => {
            let name = at(elem.span());
            quote_spanned!(elem.span()=> ::memo::__private::Float(*#name))
        }
        InputKind::Value(ty) => match optional_ref(ty) {
            Some(elem) => {
                let name = at(elem.span());
                quote_spanned!(elem.span()=> ::memo::__private::optional(#name))
            }
            None => {
                let name = at(ty.span());
                quote_spanned!(ty.span()=> ::memo::__private::arg(&#name))
            }
        },
        InputKind::Ref { elem, .. } => {
            let name = at(elem.span());
            quote_spanned!(elem.span()=> ::memo::__private::arg(#name))
        }
    }
}

/// The stored form of a key part, for the `static` of a non-generic function.
fn owned_type(input: &Input) -> TokenStream {
    match &input.kind {
        InputKind::Value(ty) | InputKind::Ref { elem: ty, .. } if is_float(ty) => {
            quote!(<::memo::__private::Float<#ty> as ::memo::__private::KeyParts>::Owned)
        }
        InputKind::Value(ty) => match optional_ref(ty) {
            Some(elem) => {
                quote_spanned!(elem.span()=> ::core::option::Option<<#elem as ::std::borrow::ToOwned>::Owned>)
            }
            None => ty.to_token_stream(),
        },
        InputKind::Ref { elem, .. } => quote_spanned!(elem.span()=> <#elem as ::std::borrow::ToOwned>::Owned),
        InputKind::SelfRef | InputKind::SelfOther => quote!(Self),
    }
}

/// The cached type, and the span to blame when it cannot be cached: the return type, or the
/// `Ok` type of a `Result` (its first type argument, or the `IsResult` projection).
fn value_type(output: &Output) -> (TokenStream, Span) {
    match output {
        Output::Unit => (quote!(()), Span::call_site()),
        Output::Plain(ty) => (ty.to_token_stream(), ty.span()),
        Output::Result(ty) => match first_type_argument(ty) {
            Some(ok) => (ok.to_token_stream(), ok.span()),
            None => (quote_spanned!(ty.span()=> <#ty as ::memo::__private::IsResult>::Ok), ty.span()),
        },
    }
}

fn first_type_argument(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// The instantiation's identity: `Self` for methods, and every type and const parameter.
fn tag(function: &Function) -> TokenStream {
    let instantiation = instantiation(function);
    quote!(::memo::__private::TypeId::of::<#instantiation>())
}

/// The instantiation's name, as a shared tier keys it: `TypeId`s differ between builds.
fn type_name(function: &Function) -> TokenStream {
    let instantiation = instantiation(function);
    quote!(::memo::__private::type_name::<#instantiation>())
}

/// A tuple of `Self` (for methods) and every type and const parameter.
fn instantiation(function: &Function) -> TokenStream {
    let this = function.is_method().then(|| quote!(Self,));
    let params = function.sig.generics.params.iter().filter_map(|param| match param {
        GenericParam::Type(param) => Some(param.ident.to_token_stream()),
        GenericParam::Const(param) => {
            let ident = &param.ident;
            Some(quote!([(); #ident]))
        }
        GenericParam::Lifetime(_) => None,
    });
    quote!((#this #(#params,)*))
}

/// `::<T, N>` for the call to `uncached`, unless `impl Trait` arguments forbid naming them.
fn turbofish(function: &Function) -> TokenStream {
    let params: Vec<_> = function
        .sig
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(param) => Some(&param.ident),
            GenericParam::Const(param) => Some(&param.ident),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    if params.is_empty() || function.has_impl_trait_arg() {
        TokenStream::new()
    } else {
        quote!(::<#(#params),*>)
    }
}

/// The wrapper's signature: arguments bound to plain names, and, where one cache serves
/// several instantiations, `Send + 'static` bounds on what it stores or is tagged with.
fn wrapper_signature(function: &Function, options: &Options) -> Signature {
    let mut sig = function.sig.clone();
    for (arg, input) in sig.inputs.iter_mut().zip(&function.inputs) {
        if let FnArg::Typed(typed) = arg {
            *typed.pat = Pat::Ident(PatIdent {
                attrs: Vec::new(),
                by_ref: None,
                mutability: None,
                ident: input.name.clone(),
                subpat: None,
            });
        }
    }
    // A trait impl's method cannot add bounds to the trait's signature: there, what the cache
    // needs (`Self: 'static`, `Send + 'static` parameters) is checked where the wrapper uses it.
    if function.is_generic() && function.place != Place::TraitImpl {
        struct SendStaticImplTrait;
        impl VisitMut for SendStaticImplTrait {
            fn visit_type_impl_trait_mut(&mut self, ty: &mut TypeImplTrait) {
                ty.bounds.push(parse_quote!(::core::marker::Send));
                ty.bounds.push(parse_quote!('static));
            }
        }
        for (arg, input) in sig.inputs.iter_mut().zip(&function.inputs) {
            if let (FnArg::Typed(typed), false) = (arg, options.ignore.contains(&input.name)) {
                SendStaticImplTrait.visit_type_mut(&mut typed.ty);
            }
        }
        // Bounds go where the user put the parameter's own (clippy's `multiple_bound_locations`).
        let where_clause = sig.generics.where_clause.get_or_insert_with(|| parse_quote!(where));
        for param in sig.generics.params.iter_mut() {
            let GenericParam::Type(param) = param else {
                continue;
            };
            let ident = &param.ident;
            let bounds: [TypeParamBound; 2] = [parse_quote!(::core::marker::Send), parse_quote!('static)];
            let in_where = where_clause.predicates.iter_mut().find_map(|predicate| match predicate {
                WherePredicate::Type(predicate) if matches!(&predicate.bounded_ty, Type::Path(path) if path.path.is_ident(ident)) => {
                    Some(predicate)
                }
                _ => None,
            });
            match in_where {
                Some(predicate) => predicate.bounds.extend(bounds),
                None => param.bounds.extend(bounds),
            }
        }
        if function.is_method() {
            where_clause.predicates.push(parse_quote!(Self: 'static));
        }
        if where_clause.predicates.is_empty() {
            sig.generics.where_clause = None;
        }
    }
    sig
}
