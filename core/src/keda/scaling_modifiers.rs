//! `spec.advanced.scalingModifiers`: a formula over the trigger values (spec §1.1, §7).
//!
//! The formula language is the subset of expr-lang/expr (v1.17.8, as KEDA pins it) that
//! scaling formulas use: int and float numbers, `+ - * / % ** ^`, comparisons, `&& || !`
//! (and `and or not`), `c ? a : b`, nil coalescing `??`, `true false nil`, and the functions
//! `abs ceil floor round min max float int`. Precedences follow expr (`??` binds tightest,
//! then `**`, unary operators, `* / %`, `+ -`, comparisons, `&&`, `||`, then `?:`).
//! Evaluation never panics: type errors, unknown functions and integer division by zero are
//! [`KedaError::Formula`] errors.

use std::collections::BTreeMap;

use super::KedaError;
use super::goparse::go_f64_to_i64;

/// A value inside formula evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FormulaValue {
    /// An integer (literals without a fraction; `int()`).
    Int(i64),
    /// A float (every trigger value).
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// `nil` (a missing trigger, or one past its fallback threshold).
    Nil,
}

impl FormulaValue {
    fn num(self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(i as f64),
            Self::Float(f) => Some(f),
            _ => None,
        }
    }
    fn type_name(self) -> &'static str {
        match self {
            Self::Int(_) => "int",
            Self::Float(_) => "float64",
            Self::Bool(_) => "bool",
            Self::Nil => "<nil>",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    And,
    Or,
    Coalesce,
}

impl Op {
    /// (precedence, right associative)
    const fn prec(self) -> (u16, bool) {
        match self {
            Self::Or => (10, false),
            Self::And => (15, false),
            Self::Eq | Self::Ne | Self::Lt | Self::Gt | Self::Le | Self::Ge => (20, false),
            Self::Add | Self::Sub => (30, false),
            Self::Mul | Self::Div | Self::Mod => (60, false),
            Self::Pow => (100, true),
            Self::Coalesce => (500, false),
        }
    }
}

const UNARY_PREC: u16 = 90;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Abs,
    Ceil,
    Floor,
    Round,
    Min,
    Max,
    Float,
    Int,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Lit(FormulaValue),
    Var(usize),
    Neg(Box<Self>),
    Plus(Box<Self>),
    Not(Box<Self>),
    Bin(Op, Box<Self>, Box<Self>),
    Cond(Box<Self>, Box<Self>, Box<Self>),
    Call(Func, Vec<Self>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(FormulaValue),
    Ident(String),
    Sym(&'static str),
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    const SYMS: [&str; 22] = [
        "**", "==", "!=", "<=", ">=", "&&", "||", "??", "+", "-", "*", "/", "%", "^", "<", ">",
        "!", "?", ":", "(", ")", ",",
    ];
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            let mut is_float = false;
            if c == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
                i += 2;
                while b
                    .get(i)
                    .is_some_and(|c| c.is_ascii_hexdigit() || *c == b'_')
                {
                    i += 1;
                }
                let text: String = src.get(start + 2..i).unwrap_or("").replace('_', "");
                let v =
                    i64::from_str_radix(&text, 16).map_err(|_| format!("bad number {text:?}"))?;
                out.push(Tok::Num(FormulaValue::Int(v)));
                continue;
            }
            while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
                i += 1;
            }
            if b.get(i) == Some(&b'.') && b.get(i + 1) != Some(&b'.') {
                is_float = true;
                i += 1;
                while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
                    i += 1;
                }
            }
            if matches!(b.get(i), Some(b'e' | b'E')) {
                is_float = true;
                i += 1;
                if matches!(b.get(i), Some(b'+' | b'-')) {
                    i += 1;
                }
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            let text: String = src.get(start..i).unwrap_or("").replace('_', "");
            let v = if is_float {
                FormulaValue::Float(text.parse().map_err(|_| format!("bad number {text:?}"))?)
            } else {
                FormulaValue::Int(text.parse().map_err(|_| format!("bad number {text:?}"))?)
            };
            out.push(Tok::Num(v));
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let start = i;
            while b
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$')
            {
                i += 1;
            }
            out.push(Tok::Ident(src.get(start..i).unwrap_or("").to_owned()));
        } else {
            let rest = src.get(i..).unwrap_or("");
            let sym = SYMS.iter().find(|s| rest.starts_with(**s)).ok_or_else(|| {
                format!(
                    "unexpected character {:?}",
                    rest.chars().next().unwrap_or(' ')
                )
            })?;
            out.push(Tok::Sym(sym));
            i += sym.len();
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    vars: &'a mut Vec<String>,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }
    fn expect(&mut self, s: &str) -> Result<(), String> {
        if self.is_sym(s) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {s:?} at token {}", self.pos))
        }
    }
    fn bin_op(&self) -> Option<Op> {
        Some(match self.peek()? {
            Tok::Sym(s) => match *s {
                "+" => Op::Add,
                "-" => Op::Sub,
                "*" => Op::Mul,
                "/" => Op::Div,
                "%" => Op::Mod,
                "**" | "^" => Op::Pow,
                "==" => Op::Eq,
                "!=" => Op::Ne,
                "<" => Op::Lt,
                ">" => Op::Gt,
                "<=" => Op::Le,
                ">=" => Op::Ge,
                "&&" => Op::And,
                "||" => Op::Or,
                "??" => Op::Coalesce,
                _ => return None,
            },
            Tok::Ident(s) if s == "and" => Op::And,
            Tok::Ident(s) if s == "or" => Op::Or,
            _ => return None,
        })
    }

    fn expr(&mut self, min_prec: u16) -> Result<Node, String> {
        self.depth += 1;
        if self.depth > 200 {
            return Err("expression nested too deeply".to_owned());
        }
        let mut left = self.unary()?;
        while let Some(op) = self.bin_op() {
            let (prec, right_assoc) = op.prec();
            if prec < min_prec {
                break;
            }
            self.pos += 1;
            let right = self.expr(if right_assoc { prec } else { prec + 1 })?;
            left = Node::Bin(op, Box::new(left), Box::new(right));
        }
        if min_prec == 0 {
            while self.is_sym("?") {
                self.pos += 1;
                let a = self.expr(0)?;
                self.expect(":")?;
                let b = self.expr(0)?;
                left = Node::Cond(Box::new(left), Box::new(a), Box::new(b));
            }
        }
        self.depth -= 1;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, String> {
        let tok = self
            .peek()
            .cloned()
            .ok_or_else(|| "unexpected end of formula".to_owned())?;
        self.pos += 1;
        match tok {
            Tok::Sym("-") => Ok(Node::Neg(Box::new(self.expr(UNARY_PREC)?))),
            Tok::Sym("+") => Ok(Node::Plus(Box::new(self.expr(UNARY_PREC)?))),
            Tok::Sym("!") => Ok(Node::Not(Box::new(self.expr(UNARY_PREC)?))),
            Tok::Ident(s) if s == "not" => Ok(Node::Not(Box::new(self.expr(UNARY_PREC)?))),
            Tok::Sym("(") => {
                let e = self.expr(0)?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Num(v) => Ok(Node::Lit(v)),
            Tok::Ident(name) => match name.as_str() {
                "true" => Ok(Node::Lit(FormulaValue::Bool(true))),
                "false" => Ok(Node::Lit(FormulaValue::Bool(false))),
                "nil" => Ok(Node::Lit(FormulaValue::Nil)),
                _ if self.is_sym("(") => {
                    self.pos += 1;
                    let f = match name.as_str() {
                        "abs" => Func::Abs,
                        "ceil" => Func::Ceil,
                        "floor" => Func::Floor,
                        "round" => Func::Round,
                        "min" => Func::Min,
                        "max" => Func::Max,
                        "float" => Func::Float,
                        "int" => Func::Int,
                        _ => return Err(format!("unknown function {name}")),
                    };
                    let mut args = Vec::new();
                    if !self.is_sym(")") {
                        loop {
                            args.push(self.expr(0)?);
                            if self.is_sym(",") {
                                self.pos += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    self.expect(")")?;
                    let arity_ok = match f {
                        Func::Min | Func::Max => !args.is_empty(),
                        _ => args.len() == 1,
                    };
                    if !arity_ok {
                        return Err(format!("wrong number of arguments for {name}"));
                    }
                    Ok(Node::Call(f, args))
                }
                _ => {
                    let idx = match self.vars.iter().position(|v| *v == name) {
                        Some(i) => i,
                        None => {
                            self.vars.push(name);
                            self.vars.len() - 1
                        }
                    };
                    Ok(Node::Var(idx))
                }
            },
            Tok::Sym(s) => Err(format!("unexpected {s:?}")),
        }
    }
}

/// A compiled scaling-modifiers formula.
///
/// ```
/// use std::collections::BTreeMap;
/// use tidescale::keda::Formula;
/// let f = Formula::compile("trigger1 + trigger2").unwrap();
/// let vals = BTreeMap::from([("trigger1".to_owned(), Some(2.0)), ("trigger2".to_owned(), Some(5.0))]);
/// assert_eq!(f.evaluate(&vals).unwrap(), Some(7.0));
/// let f = Formula::compile("a ?? 5").unwrap();
/// assert_eq!(f.evaluate(&BTreeMap::new()).unwrap(), Some(5.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    source: String,
    root: Node,
    vars: Vec<String>,
    /// KEDA wraps the formula in `float(...)` unless it contains `??`.
    cast_to_float: bool,
}

impl Formula {
    /// Parses a formula.
    pub fn compile(source: &str) -> Result<Self, KedaError> {
        let err = |reason: String| KedaError::Formula {
            formula: source.to_owned(),
            reason,
        };
        let toks = tokenize(source).map_err(err)?;
        let mut vars = Vec::new();
        let mut p = Parser {
            toks,
            pos: 0,
            vars: &mut vars,
            depth: 0,
        };
        let root = p.expr(0).map_err(err)?;
        if p.pos != p.toks.len() {
            return Err(err(format!("unexpected token at position {}", p.pos)));
        }
        Ok(Self {
            source: source.to_owned(),
            root,
            vars,
            cast_to_float: !source.contains("??"),
        })
    }

    /// The formula text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The variable (trigger) names the formula reads, in order of first use.
    pub fn variables(&self) -> &[String] {
        &self.vars
    }

    /// Evaluates with trigger values by name (`None` or absent: nil). Returns `None` only for a
    /// nil result of a formula using `??`; a non-numeric result is an error.
    pub fn evaluate(
        &self,
        values: &BTreeMap<String, Option<f64>>,
    ) -> Result<Option<f64>, KedaError> {
        let env: Vec<FormulaValue> = self
            .vars
            .iter()
            .map(|v| match values.get(v) {
                Some(Some(f)) => FormulaValue::Float(*f),
                _ => FormulaValue::Nil,
            })
            .collect();
        self.evaluate_env(&env)
    }

    /// Evaluates with values given in the order of [`Formula::variables`].
    pub fn evaluate_env(&self, env: &[FormulaValue]) -> Result<Option<f64>, KedaError> {
        let err = |reason: String| KedaError::Formula {
            formula: self.source.clone(),
            reason,
        };
        let v = eval(&self.root, env).map_err(err)?;
        match v {
            FormulaValue::Int(i) => Ok(Some(i as f64)),
            FormulaValue::Float(f) => Ok(Some(f)),
            FormulaValue::Nil if !self.cast_to_float => Ok(None),
            other => Err(err(format!(
                "the formula evaluated to {}, not a number",
                other.type_name()
            ))),
        }
    }

    /// KEDA's admission check: run once with every variable set to -1.
    pub fn validate(&self) -> Result<(), KedaError> {
        let env = vec![FormulaValue::Float(-1.0); self.vars.len()];
        self.evaluate_env(&env).map(|_| ())
    }
}

/// The composite metric in milli-units: `int64(result * 1000)` (truncation), or for a nil
/// result `fallbackReplicas * target`.
///
/// ```
/// assert_eq!(tidescale::keda::scaling_modifiers::composite_milli(Some(0.8000000000000002), None, 1.0), Some(800));
/// assert_eq!(tidescale::keda::scaling_modifiers::composite_milli(None, Some(7), 2.0), Some(14000));
/// ```
pub fn composite_milli(
    result: Option<f64>,
    fallback_replicas: Option<i32>,
    target: f64,
) -> Option<i64> {
    match result {
        Some(v) => Some(go_f64_to_i64(v * 1000.0)),
        None => fallback_replicas.map(|r| go_f64_to_i64(f64::from(r) * target * 1000.0)),
    }
}

/// The value a trigger contributes to the formula: `AsApproximateFloat64` of its metric, or
/// nil when `fallback.behavior` is `scalingModifiers` and the trigger's failures are strictly
/// above the threshold (the health status itself is not consulted).
///
/// ```
/// use tidescale::keda::{Fallback, FallbackBehavior, HealthStatus, HealthState};
/// use tidescale::keda::scaling_modifiers::formula_input;
/// let fb = Fallback { failure_threshold: 3, replicas: 5, behavior: FallbackBehavior::ScalingModifiers };
/// let h = |n| HealthStatus { number_of_failures: n, status: HealthState::Failing };
/// assert_eq!(formula_input(700, Some(&fb), Some(&h(3))), Some(0.7000000000000001));
/// assert_eq!(formula_input(700, Some(&fb), Some(&h(4))), None);
/// ```
pub fn formula_input(
    metric_milli: i64,
    fallback: Option<&super::Fallback>,
    health: Option<&super::HealthStatus>,
) -> Option<f64> {
    let past = match (fallback, health) {
        (Some(f), Some(h)) => {
            f.behavior == super::FallbackBehavior::ScalingModifiers
                && h.number_of_failures > f.failure_threshold
        }
        _ => false,
    };
    (!past).then(|| super::approx_f64(metric_milli))
}

fn eval(n: &Node, env: &[FormulaValue]) -> Result<FormulaValue, String> {
    use FormulaValue::{Bool, Float, Int, Nil};
    Ok(match n {
        Node::Lit(v) => *v,
        Node::Var(i) => env.get(*i).copied().unwrap_or(Nil),
        Node::Neg(a) => match eval(a, env)? {
            Int(i) => Int(i.wrapping_neg()),
            Float(f) => Float(-f),
            o => return Err(format!("invalid operation: -{}", o.type_name())),
        },
        Node::Plus(a) => match eval(a, env)? {
            v @ (Int(_) | Float(_)) => v,
            o => return Err(format!("invalid operation: +{}", o.type_name())),
        },
        Node::Not(a) => match eval(a, env)? {
            Bool(b) => Bool(!b),
            o => return Err(format!("invalid operation: !{}", o.type_name())),
        },
        Node::Cond(c, a, b) => match eval(c, env)? {
            Bool(true) => eval(a, env)?,
            Bool(false) => eval(b, env)?,
            o => return Err(format!("non-bool {} used as condition", o.type_name())),
        },
        Node::Bin(Op::Coalesce, a, b) => match eval(a, env)? {
            Nil => eval(b, env)?,
            v => v,
        },
        Node::Bin(op @ (Op::And | Op::Or), a, b) => {
            let l = match eval(a, env)? {
                Bool(x) => x,
                o => return Err(format!("invalid operation: {} in {op:?}", o.type_name())),
            };
            if (*op == Op::And && !l) || (*op == Op::Or && l) {
                return Ok(Bool(l));
            }
            match eval(b, env)? {
                Bool(x) => Bool(x),
                o => return Err(format!("invalid operation: {} in {op:?}", o.type_name())),
            }
        }
        Node::Bin(op, a, b) => binary(*op, eval(a, env)?, eval(b, env)?)?,
        Node::Call(f, args) => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, env)?);
            }
            call(*f, &vals)?
        }
    })
}

fn binary(op: Op, l: FormulaValue, r: FormulaValue) -> Result<FormulaValue, String> {
    use FormulaValue::{Bool, Float, Int, Nil};
    let bad = || {
        format!(
            "invalid operation: {} {op:?} {}",
            l.type_name(),
            r.type_name()
        )
    };
    Ok(match (op, l, r) {
        (Op::Add, Int(a), Int(b)) => Int(a.wrapping_add(b)),
        (Op::Sub, Int(a), Int(b)) => Int(a.wrapping_sub(b)),
        (Op::Mul, Int(a), Int(b)) => Int(a.wrapping_mul(b)),
        (Op::Mod, Int(_), Int(0)) => return Err("integer divide by zero".to_owned()),
        (Op::Mod, Int(a), Int(b)) => Int(a.wrapping_rem(b)),
        (Op::Mod, _, _) => return Err(bad()),
        (Op::Eq | Op::Ne, _, _) => {
            let eq = match (l.num(), r.num()) {
                (Some(a), Some(b)) => a == b,
                _ => match (l, r) {
                    (Bool(a), Bool(b)) => a == b,
                    (Nil, Nil) => true,
                    _ => false,
                },
            };
            Bool(if op == Op::Eq { eq } else { !eq })
        }
        _ => {
            let (a, b) = (l.num().ok_or_else(bad)?, r.num().ok_or_else(bad)?);
            match op {
                Op::Add => Float(a + b),
                Op::Sub => Float(a - b),
                Op::Mul => Float(a * b),
                Op::Div => Float(a / b),
                Op::Pow => Float(a.powf(b)),
                Op::Lt => Bool(a < b),
                Op::Gt => Bool(a > b),
                Op::Le => Bool(a <= b),
                Op::Ge => Bool(a >= b),
                _ => return Err(bad()),
            }
        }
    })
}

fn call(f: Func, args: &[FormulaValue]) -> Result<FormulaValue, String> {
    use FormulaValue::{Float, Int};
    let bad = |v: FormulaValue| format!("invalid argument for {f:?} (type {})", v.type_name());
    let one = args.first().copied().unwrap_or(FormulaValue::Nil);
    Ok(match f {
        Func::Abs => match one {
            Int(i) => Int(i.wrapping_abs()),
            Float(x) => Float(x.abs()),
            o => return Err(bad(o)),
        },
        Func::Ceil | Func::Floor | Func::Round => {
            let x = one.num().ok_or_else(|| bad(one))?;
            Float(match f {
                Func::Ceil => x.ceil(),
                Func::Floor => x.floor(),
                // Go math.Round: half away from zero, like Rust's round.
                _ => x.round(),
            })
        }
        Func::Float => Float(one.num().ok_or_else(|| bad(one))?),
        Func::Int => match one {
            Int(i) => Int(i),
            Float(x) => Int(go_f64_to_i64(x)),
            o => return Err(bad(o)),
        },
        Func::Min | Func::Max => {
            let mut best = one;
            let mut best_n = one.num().ok_or_else(|| bad(one))?;
            for &v in args.iter().skip(1) {
                let n = v.num().ok_or_else(|| bad(v))?;
                if (f == Func::Min && n < best_n) || (f == Func::Max && n > best_n) {
                    best = v;
                    best_n = n;
                }
            }
            best
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(src: &str, vals: &[(&str, Option<f64>)]) -> Result<Option<f64>, KedaError> {
        let m: BTreeMap<String, Option<f64>> =
            vals.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        Formula::compile(src)?.evaluate(&m)
    }

    #[test]
    fn precedence_and_types() {
        assert_eq!(ev("1 + 2 * 3", &[]).unwrap(), Some(7.0));
        assert_eq!(ev("-2 ** 2", &[]).unwrap(), Some(-4.0));
        assert_eq!(ev("2 ** 3 ** 2", &[]).unwrap(), Some(512.0));
        assert_eq!(ev("7 / 2", &[]).unwrap(), Some(3.5));
        assert_eq!(ev("7 % 4", &[]).unwrap(), Some(3.0));
        assert_eq!(ev("a > 3 ? a : 0", &[("a", Some(5.0))]).unwrap(), Some(5.0));
        assert_eq!(ev("a ?? b + 1", &[("b", Some(1.0))]).unwrap(), Some(2.0));
        assert_eq!(ev("min(a, 2, 9)", &[("a", Some(4.0))]).unwrap(), Some(2.0));
        assert_eq!(ev("int(2.9) + 1", &[]).unwrap(), Some(3.0));
        assert_eq!(ev("a ?? b", &[]).unwrap(), None);
    }

    #[test]
    fn errors_not_panics() {
        for bad in [
            "", "1 +", "(1", "foo(1)", "1 2", "a.b", "1 % 0", "1.5 % 2", "true", "a + 1", "!1",
            "abs()", "min()",
        ] {
            assert!(ev(bad, &[]).is_err(), "{bad}");
        }
        let deep = "(".repeat(10_000);
        assert!(ev(&deep, &[]).is_err());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn random_formulas_never_panic(s in "[a-c0-9+*/%()?:!<>=&|. -]{0,30}", a in any::<f64>()) {
            if let Ok(f) = Formula::compile(&s) {
                let vals = BTreeMap::from([("a".to_owned(), Some(a))]);
                let _ = f.evaluate(&vals);
                let _ = f.validate();
            }
        }
    }
}
