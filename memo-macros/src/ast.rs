//! A typed view of the memoized function: its arguments classified, its return type read.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{
    Attribute, Block, FnArg, GenericParam, Ident, ItemFn, Pat, PatIdent, ReturnType, Signature, Type,
    TypePath, TypeReference, Visibility,
};

/// The function under the attribute.
pub(crate) struct Function {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) block: Box<Block>,
    pub(crate) inputs: Vec<Input>,
    pub(crate) output: Output,
    /// Where the function and its companions go.
    pub(crate) place: Place,
}

/// Where a memoized function sits, as the macro's input says: the signature (`self` or
/// `Self`), or `#[memo::memoized]` on the enclosing `impl` block.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A free function: its companions are associated functions of a type named after it.
    Free,
    /// A function of an inherent `impl`: its companions sit beside it.
    Inherent,
    /// A method of a trait `impl`: its companions go to an inherent `impl` of the same type.
    TraitImpl,
}

/// One argument.
pub(crate) struct Input {
    /// The name the wrapper binds it to.
    pub(crate) name: Ident,
    pub(crate) kind: InputKind,
    /// The whole argument, to span what the expansion says about it.
    pub(crate) span: Span,
    /// The receiver or the argument's type, for errors.
    pub(crate) ty: TokenStream,
}

pub(crate) enum InputKind {
    /// `&self` or `self: &Self`.
    SelfRef,
    /// Any other receiver: `self`, `&mut self`, `self: Box<Self>`.
    SelfOther,
    /// An argument taken by value.
    Value(Box<Type>),
    /// `&T` (the referent is kept) or `&mut T`.
    Ref { elem: Box<Type>, mutable: bool },
}

/// What the function returns, and so what is cached.
#[derive(Clone)]
pub(crate) enum Output {
    /// No return type: `()` is cached.
    Unit,
    /// Cached as returned.
    Plain(Box<Type>),
    /// `Result`, or a generic `...Result<..>` (`io::Result<T>`, `IoResult<T>`): only `Ok` values
    /// are cached.
    Result(Box<Type>),
}

impl Function {
    /// `place`: where `#[memo::memoized]` found the function, or `None` for an attribute on
    /// its own, which places it by its signature.
    pub(crate) fn new(item: ItemFn, place: Option<Place>) -> Function {
        let inputs = item.sig.inputs.iter().enumerate().map(|(i, arg)| Input::new(i, arg)).collect();
        let output = match &item.sig.output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) if is_result(ty) => Output::Result(ty.clone()),
            ReturnType::Type(_, ty) => Output::Plain(ty.clone()),
        };
        let place = place.unwrap_or(match item.sig.receiver().is_some() || mentions_self(&item.sig) {
            true => Place::Inherent,
            false => Place::Free,
        });
        Function { attrs: item.attrs, vis: item.vis, sig: item.sig, block: item.block, inputs, output, place }
    }

    /// An associated function: its companions are `Type::f_cache_info()` and so on.
    pub(crate) fn is_method(&self) -> bool {
        self.place != Place::Free
    }

    /// Whether one cache serves several instantiations (type or const parameters, `impl Trait`
    /// arguments, or `Self` of a possibly generic impl): entries are then tagged by type.
    pub(crate) fn is_generic(&self) -> bool {
        self.is_method()
            || self.sig.generics.params.iter().any(|p| !matches!(p, GenericParam::Lifetime(_)))
            || self.has_impl_trait_arg()
    }

    pub(crate) fn has_impl_trait_arg(&self) -> bool {
        self.inputs.iter().any(|input| match &input.kind {
            InputKind::Value(ty) | InputKind::Ref { elem: ty, .. } => contains_impl_trait(ty),
            _ => false,
        })
    }
}

impl Input {
    fn new(index: usize, arg: &FnArg) -> Input {
        match arg {
            FnArg::Receiver(receiver) => {
                let by_ref = matches!(&*receiver.ty, Type::Reference(r) if r.mutability.is_none());
                Input {
                    name: Ident::new("self", receiver.self_token.span),
                    kind: if by_ref { InputKind::SelfRef } else { InputKind::SelfOther },
                    span: syn::spanned::Spanned::span(receiver),
                    ty: receiver.to_token_stream(),
                }
            }
            FnArg::Typed(typed) => {
                let name = match &*typed.pat {
                    Pat::Ident(PatIdent { ident, subpat: None, by_ref: None, .. }) => ident.clone(),
                    _ => quote::format_ident!("__memo_arg{}", index),
                };
                let kind = match &*typed.ty {
                    Type::Reference(TypeReference { elem, mutability, .. }) => {
                        InputKind::Ref { elem: elem.clone(), mutable: mutability.is_some() }
                    }
                    ty => InputKind::Value(Box::new(ty.clone())),
                };
                Input { name, kind, span: syn::spanned::Spanned::span(typed), ty: typed.ty.to_token_stream() }
            }
        }
    }
}

/// `f32` or `f64`, written as such.
pub(crate) fn is_float(ty: &Type) -> bool {
    matches!(ty, Type::Path(TypePath { qself: None, path }) if path.is_ident("f32") || path.is_ident("f64"))
}

/// `T` of an `Option<&T>` (or `Option<&'a T>`) argument, which is keyed by the referent.
pub(crate) fn optional_ref(ty: &Type) -> Option<&Type> {
    let Type::Path(TypePath { qself: None, path }) = ty else { return None };
    let names: Vec<String> = path.segments.iter().map(|segment| segment.ident.to_string()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    if !matches!(names.as_slice(), ["Option"] | ["std" | "core", "option", "Option"]) {
        return None;
    }
    let last = path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [syn::GenericArgument::Type(Type::Reference(TypeReference { elem, mutability: None, .. }))] => {
            Some(elem)
        }
        _ => None,
    }
}

fn is_result(ty: &Type) -> bool {
    match ty {
        Type::Path(TypePath { path, .. }) => path.segments.last().is_some_and(|segment| {
            let name = segment.ident.to_string();
            name == "Result" || (name.ends_with("Result") && !segment.arguments.is_empty())
        }),
        Type::Group(group) => is_result(&group.elem),
        Type::Paren(paren) => is_result(&paren.elem),
        _ => false,
    }
}

fn mentions_self(sig: &Signature) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_ident(&mut self, ident: &Ident) {
            self.0 |= ident == "Self";
        }
    }
    let mut finder = Finder(false);
    finder.visit_signature(sig);
    finder.0
}

pub(crate) fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_type_impl_trait(&mut self, _: &syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}
