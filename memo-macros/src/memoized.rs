//! `#[memo::memoized]` on an `impl` block: memoizes its `#[lru_cache]` and `#[cache]`
//! functions knowing where they sit. A method of a trait impl keeps its signature there; its
//! companions, `uncached` and cache go to an inherent `impl` of the same type beside it.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, ImplItem, ItemFn, ItemImpl, Meta};

use crate::ast::Place;
use crate::attr::Kind;
use crate::expand::{Expansion, memoize_fn, with_error};

pub(crate) fn memoized(args: TokenStream, item: TokenStream) -> TokenStream {
    if !args.is_empty() {
        let error = syn::Error::new_spanned(
            args,
            "`#[memo::memoized]` takes no options; give them to `#[lru_cache(..)]` on each function",
        );
        return with_error(error, item);
    }
    let mut block: ItemImpl = match syn::parse2(item.clone()) {
        Ok(block) => block,
        Err(_) => {
            let message = "`#[memo::memoized]` applies to `impl` blocks; on a function, use `#[lru_cache]` or `#[cache]`";
            return with_error(syn::Error::new(Span::call_site(), message), item);
        }
    };
    let place = match block.trait_ {
        Some(_) => Place::TraitImpl,
        None => Place::Inherent,
    };
    let mut errors = TokenStream::new();
    let mut beside = TokenStream::new();
    let mut items = Vec::with_capacity(block.items.len());
    for item in std::mem::take(&mut block.items) {
        let ImplItem::Fn(mut method) = item else {
            items.push(item);
            continue;
        };
        let Some((at, kind)) =
            method.attrs.iter().enumerate().find_map(|(at, attr)| Some((at, memo_kind(attr)?)))
        else {
            items.push(ImplItem::Fn(method));
            continue;
        };
        // Taken off the method, so that on an error the method stays as written without it.
        let args = match method.attrs.remove(at).meta {
            Meta::List(list) => list.tokens,
            _ => TokenStream::new(),
        };
        let function = ItemFn {
            attrs: method.attrs.clone(),
            vis: method.vis.clone(),
            sig: method.sig.clone(),
            block: Box::new(method.block.clone()),
        };
        match memoize_fn(kind, args, function, Some(place)) {
            Ok(Expansion { wrapper, companions }) => {
                items.push(ImplItem::Verbatim(wrapper));
                match place {
                    Place::TraitImpl => beside.extend(companions),
                    _ => items.push(ImplItem::Verbatim(companions)),
                }
            }
            Err(error) => {
                errors.extend(error.to_compile_error());
                items.push(ImplItem::Fn(method));
            }
        }
    }
    block.items = items;
    let beside = (!beside.is_empty()).then(|| {
        let ItemImpl { generics, self_ty, .. } = &block;
        let (impl_generics, _, where_clause) = generics.split_for_impl();
        quote! {
            #[allow(dead_code)]
            impl #impl_generics #self_ty #where_clause {
                #beside
            }
        }
    });
    quote!(#errors #block #beside)
}

/// The attribute's kind, if it is memo's: `lru_cache`, `cache`, or either under `memo::`.
fn memo_kind(attr: &Attribute) -> Option<Kind> {
    let path = attr.path();
    let names: Vec<String> = path.segments.iter().map(|segment| segment.ident.to_string()).collect();
    let name = match names.as_slice() {
        [name] => name,
        [memo, name] if memo == "memo" => name,
        _ => return None,
    };
    match name.as_str() {
        "lru_cache" => Some(Kind::LruCache),
        "cache" => Some(Kind::Cache),
        _ => None,
    }
}
