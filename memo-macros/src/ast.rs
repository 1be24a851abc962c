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
    /// Takes `self`, names `Self`, or sits in an `impl` block: an associated function.
    pub(crate) is_method: bool,
    /// Sits in a trait's `impl` block, where no companion can go.
    pub(crate) in_trait_impl: bool,
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
    pub(crate) fn new(item: ItemFn) -> Function {
        let inputs = item.sig.inputs.iter().enumerate().map(|(i, arg)| Input::new(i, arg)).collect();
        let output = match &item.sig.output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) if is_result(ty) => Output::Result(ty.clone()),
            ReturnType::Type(_, ty) => Output::Plain(ty.clone()),
        };
        let block = enclosing_block();
        let is_method =
            item.sig.receiver().is_some() || mentions_self(&item.sig) || block != Enclosing::Other;
        let in_trait_impl = block == Enclosing::TraitImpl;
        Function {
            attrs: item.attrs,
            vis: item.vis,
            sig: item.sig,
            block: item.block,
            inputs,
            output,
            is_method,
            in_trait_impl,
        }
    }

    /// Whether one cache serves several instantiations (type or const parameters, `impl Trait`
    /// arguments, or `Self` of a possibly generic impl): entries are then tagged by type.
    pub(crate) fn is_generic(&self) -> bool {
        self.is_method
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

/// The kind of block a function sits directly in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Enclosing {
    Impl,
    TraitImpl,
    /// A module, a function body, or unknown.
    Other,
}

/// Where the function under the attribute sits. A macro cannot see where it is used, so this
/// reads the source file of the call; code it cannot read (generated code) counts as `Other`.
fn enclosing_block() -> Enclosing {
    let site = proc_macro::Span::call_site();
    let Some(text) = site.local_file().and_then(|path| std::fs::read_to_string(path).ok()) else {
        return Enclosing::Other;
    };
    let offset: usize = text.split_inclusive('\n').take(site.line().saturating_sub(1)).map(str::len).sum();
    block_at_end(&text[..offset.min(text.len())])
}

/// The kind of the innermost block left open at the end of `source`. Skips comments, string
/// and char literals.
fn block_at_end(source: &str) -> Enclosing {
    let bytes = source.as_bytes();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = source[i..].find('\n').map_or(bytes.len(), |end| i + end);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = source[i + 2..].find("*/").map_or(bytes.len(), |end| i + 2 + end + 1);
            }
            b'"' => {
                let hashes = source[..i].bytes().rev().take_while(|&b| b == b'#').count();
                let raw = source[..i - hashes].ends_with('r');
                i += 1;
                while i < bytes.len() {
                    if !raw && bytes[i] == b'\\' {
                        i += 1;
                    } else if bytes[i] == b'"' && source[i + 1..].bytes().take(hashes).all(|b| b == b'#') {
                        i += hashes;
                        break;
                    }
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal ('x', '\n'), not a lifetime ('a).
                let close = if bytes.get(i + 1) == Some(&b'\\') {
                    source[i + 2..].find('\'').map(|end| i + 2 + end)
                } else {
                    source[i + 1..]
                        .char_indices()
                        .nth(1)
                        .filter(|&(_, c)| c == '\'')
                        .map(|(end, _)| i + 1 + end)
                };
                if let Some(close) = close {
                    i = close;
                }
            }
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let Some(&brace) = open.last() else { return Enclosing::Other };
    // What opens the block: the first keyword after the previous item or statement.
    let header = source[..brace].rsplit(['{', '}', ';']).next().unwrap_or_default();
    let words: Vec<&str> = header
        .lines()
        .flat_map(|line| line.split("//").next().unwrap_or_default().split_whitespace())
        .collect();
    let keywords =
        ["impl", "fn", "mod", "trait", "struct", "enum", "union", "match", "if", "while", "for", "loop"];
    let is_keyword = |word: &str, k: &str| word == k || word.starts_with(&format!("{k}<"));
    match words.iter().position(|word| keywords.iter().any(|k| is_keyword(word, k))) {
        Some(at) if is_keyword(words[at], "impl") => {
            match words[at..].iter().take_while(|word| **word != "where").any(|word| *word == "for") {
                true => Enclosing::TraitImpl,
                false => Enclosing::Impl,
            }
        }
        _ => Enclosing::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::{Enclosing, block_at_end};

    fn is_impl(source: &str) -> bool {
        block_at_end(source) == Enclosing::Impl
    }

    #[test]
    fn finds_the_enclosing_impl_block() {
        assert!(is_impl("struct S;\nimpl S {\n    "));
        assert!(is_impl("impl<T: Clone> S<T> where T: Copy {\n fn a() {}\n "));
        assert!(is_impl("unsafe impl S { // a { in a comment\n /* } */ const C: &str = \"}\"; "));
        assert!(is_impl("impl S { const C: char = '}'; fn f<'a>(x: &'a str) {} "));
        assert!(!is_impl("fn main() {\n    "));
        assert!(!is_impl("impl S { fn f() { "));
        assert!(!is_impl("mod m { "));
        assert!(!is_impl(""));
        assert!(!is_impl("impl S {} fn g() {}\n"));
        assert!(is_impl("impl S { const R: &str = r#\"{\"#; "));
        assert!(is_impl("/// Helpers: fn and mod words in a doc.\n#[derive(Debug, Clone)]\nimpl S {\n"));
        assert!(!is_impl("fn f(x: impl Display) {\n"));
        assert_eq!(block_at_end("impl<T> From<T> for S<T> where T: Copy {\n"), Enclosing::TraitImpl);
        assert_eq!(block_at_end("impl<F> S<F> where F: for<'a> Fn(&'a u8) {\n"), Enclosing::Impl);
    }
}
