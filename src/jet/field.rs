//! Network outputs and their derivatives on a batch, as an expression [`Field`].

use super::hard::{HardCache, HardJets};
use super::{output_jet, Elementwise, Tracer};
use crate::expr::{max_takes_second, min_takes_second, Field, Func};
use crate::multi_index::MultiIndex;
use crate::net::{Mat, Network, Vector};
use crate::scalar::{real, Real};
use dfdx::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// A fixed set of points, prepared once for repeated passes.
#[derive(Clone, Debug)]
pub struct Batch<E: Real> {
    /// Normalized coordinates, N × d.
    pub x: Mat<E>,
    /// Physical coordinates, one vector per input.
    pub coords: Vec<Vector<E>>,
    /// Outward unit normal components, one vector per input, for points on
    /// faces (see [`Batch::with_normals`]); None in the interior.
    pub normals: Option<Vec<Vector<E>>>,
    /// The jets of the network's hard constraints at these points.
    hard: HardCache<E>,
}

impl<E: Real> Batch<E>
where
    Cpu: Device<E>,
{
    pub fn new(net: &Network<E>, points: &[Vec<f64>]) -> Self {
        let coords = (0..net.n_inputs())
            .map(|i| {
                let v: Vec<E> = points.iter().map(|p| real(p[i])).collect();
                net.dev.tensor_from_vec(v, (points.len(),))
            })
            .collect();
        Self {
            x: net.normalize(points),
            coords,
            normals: None,
            hard: HardCache::new(net.hard.is_some(), points),
        }
    }

    /// The same points with their outward normals (one per point, one
    /// component per input), read by `u_n` in conditions.
    pub fn with_normals(mut self, net: &Network<E>, normals: &[Vec<f64>]) -> Self {
        let columns = (0..net.n_inputs())
            .map(|i| {
                let v: Vec<E> = normals.iter().map(|n| real(n[i])).collect();
                net.dev.tensor_from_vec(v, (normals.len(),))
            })
            .collect();
        self.normals = Some(columns);
        self
    }

    pub fn len(&self) -> usize {
        self.x.shape().0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The points in physical coordinates, from the batch's own copies.
    fn points(&self) -> Vec<Vec<f64>> {
        let columns: Vec<Vec<E>> = self.coords.iter().map(|c| c.as_vec()).collect();
        (0..self.len())
            .map(|r| columns.iter().map(|c| c[r].into()).collect())
            .collect()
    }
}

/// Outputs of a network on a batch, with the derivatives of `index`.
///
/// The output layer runs once on the whole stacked jet; each output
/// derivative is then picked out on first use and cached, so an expression
/// may read `u_x` many times. A network with hard constraints gives its
/// constrained outputs u = g + d·N and their exact derivatives ([`super::hard`]).
pub struct Outputs<E: Real> {
    index: Vec<MultiIndex>,
    /// Output-layer result without bias, N·K × outputs.
    y: Mat<E>,
    bias: Vector<E>,
    coords: Vec<Vector<E>>,
    normals: Option<Vec<Vector<E>>>,
    hard: Option<Arc<HardJets<E>>>,
    /// The outputs as read (constrained where the network says so).
    cache: HashMap<(usize, MultiIndex), Vector<E>>,
    /// The network's own outputs, by (output, position in the index).
    raw: HashMap<(usize, usize), Vector<E>>,
}

impl<E: Real> Outputs<E>
where
    Cpu: Device<E>,
{
    /// Runs the network once for the multi-indices `index` (closed under
    /// sub-multisets, sorted by order).
    pub fn new<T: Tape<E, Cpu>>(
        tr: &mut Tracer<E, T>,
        net: &Network<E>,
        batch: &Batch<E>,
        index: &[MultiIndex],
    ) -> Self {
        let (y, bias) = output_jet(tr, net, &batch.x, index);
        let hard = net
            .hard
            .as_ref()
            .map(|h| batch.hard.get(h, index, || batch.points(), &net.dev));
        Self {
            index: index.to_vec(),
            y,
            bias,
            coords: batch.coords.clone(),
            normals: batch.normals.clone(),
            hard,
            cache: HashMap::new(),
            raw: HashMap::new(),
        }
    }

    /// D_d of output `out` at every point of the batch.
    pub fn get<T: Tape<E, Cpu>>(
        &mut self,
        tr: &mut Tracer<E, T>,
        out: usize,
        d: &MultiIndex,
    ) -> Vector<E> {
        if let Some(v) = self.cache.get(&(out, d.clone())) {
            return v.clone();
        }
        let k = self
            .index
            .iter()
            .position(|m| m == d)
            .unwrap_or_else(|| panic!("derivative {d} was not requested from the jet"));
        let hard = self.hard.clone();
        let v = match hard.as_ref().and_then(|h| h.outputs[out].as_ref()) {
            None => self.raw(tr, out, k),
            Some(jets) => {
                let mut sum: Option<Vector<E>> = jets[k].offset.clone();
                for (gamma, coef) in &jets[k].terms {
                    let n = self.raw(tr, out, *gamma);
                    let term = tr.mul(&n, coef);
                    sum = Some(match sum {
                        Some(s) => tr.add(&term, &s),
                        None => term,
                    });
                }
                sum.unwrap_or_else(|| tr.filled(self.len(), 0.0))
            }
        };
        self.cache.insert((out, d.clone()), v.clone());
        v
    }

    /// D_{index[k]} of the network's own output `out`.
    fn raw<T: Tape<E, Cpu>>(&mut self, tr: &mut Tracer<E, T>, out: usize, k: usize) -> Vector<E> {
        if let Some(v) = self.raw.get(&(out, k)) {
            return v.clone();
        }
        let v = tr.pick(&self.y, &self.bias, self.index.len(), k, out);
        self.raw.insert((out, k), v.clone());
        v
    }

    fn len(&self) -> usize {
        self.coords.first().map_or(0, |v| v.shape().0)
    }
}

/// A value of a [`JetField`]: a tensor with a key that says which values are
/// the very same tensor. dfdx's binary ops refuse the same tensor on both
/// sides (their gradients would alias), so `u * u` must become `u²`.
#[derive(Clone, Debug)]
pub struct Node<E: Real> {
    key: usize,
    pub value: Vector<E>,
}

/// What a value read by a [`JetField`] is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Slot {
    Input(usize),
    Output(usize, MultiIndex),
    Unknown(usize),
    /// Component of the outward normal along an input.
    Normal(usize),
}

/// An expression [`Field`] over a batch: inputs, outputs and derivatives,
/// and the unknown coefficients.
pub struct JetField<'a, E: Real, T> {
    tr: &'a mut Tracer<E, T>,
    outputs: &'a mut Outputs<E>,
    /// Values of the unknown coefficients (see [`Tracer::unknown_values`]).
    unknowns: &'a [Tensor<(), E, Cpu>],
    /// Keys of values read from the batch.
    keys: HashMap<Slot, usize>,
    next_key: usize,
}

impl<'a, E: Real, T: Tape<E, Cpu>> JetField<'a, E, T>
where
    Cpu: Device<E>,
{
    pub fn new(tr: &'a mut Tracer<E, T>, outputs: &'a mut Outputs<E>) -> Self {
        Self {
            tr,
            outputs,
            unknowns: &[],
            keys: HashMap::new(),
            next_key: 0,
        }
    }

    /// The same field with values for the unknown coefficients.
    pub fn with_unknowns(mut self, unknowns: &'a [Tensor<(), E, Cpu>]) -> Self {
        self.unknowns = unknowns;
        self
    }

    fn fresh(&mut self, value: Vector<E>) -> Node<E> {
        self.next_key += 1;
        Node {
            key: self.next_key,
            value,
        }
    }

    fn read(&mut self, slot: Slot, value: Vector<E>) -> Node<E> {
        let next = self.next_key + 1;
        let key = *self.keys.entry(slot).or_insert(next);
        self.next_key = self.next_key.max(key);
        Node { key, value }
    }

    fn n(&self) -> usize {
        self.outputs.len()
    }
}

impl<E: Real, T: Tape<E, Cpu>> Field for JetField<'_, E, T>
where
    Cpu: Device<E>,
{
    type V = Node<E>;

    fn input(&mut self, i: usize) -> Node<E> {
        let v = self.outputs.coords[i].clone();
        self.read(Slot::Input(i), v)
    }
    fn output(&mut self, out: usize, d: &MultiIndex) -> Node<E> {
        let v = self.outputs.get(self.tr, out, d);
        self.read(Slot::Output(out, d.clone()), v)
    }
    fn unknown(&mut self, k: usize) -> Node<E> {
        let c = self
            .unknowns
            .get(k)
            .expect("unknown coefficients are given to a field whose terms read them");
        let n = self.n();
        let v = self.tr.broadcast(c, n);
        self.read(Slot::Unknown(k), v)
    }
    fn normal(&mut self, i: usize) -> Node<E> {
        match self.outputs.normals.as_ref().map(|n| n[i].clone()) {
            Some(v) => self.read(Slot::Normal(i), v),
            // Not on a face: no normal; the parser keeps u_n out of residuals.
            None => self.constant(0.0),
        }
    }
    fn constant(&mut self, c: f64) -> Node<E> {
        let v = self.tr.filled(self.n(), c);
        self.fresh(v)
    }
    fn add(&mut self, a: &Node<E>, b: &Node<E>) -> Node<E> {
        let v = if a.key == b.key {
            self.tr.mul_scalar(&a.value, 2.0)
        } else {
            self.tr.add(&a.value, &b.value)
        };
        self.fresh(v)
    }
    fn sub(&mut self, a: &Node<E>, b: &Node<E>) -> Node<E> {
        let v = if a.key == b.key {
            self.tr.mul_scalar(&a.value, 0.0)
        } else {
            self.tr.sub(&a.value, &b.value)
        };
        self.fresh(v)
    }
    fn mul(&mut self, a: &Node<E>, b: &Node<E>) -> Node<E> {
        let v = if a.key == b.key {
            self.tr.unary(&a.value, |t| t.square())
        } else {
            self.tr.mul(&a.value, &b.value)
        };
        self.fresh(v)
    }
    fn div(&mut self, a: &Node<E>, b: &Node<E>) -> Node<E> {
        let v = if a.key == b.key {
            let z = self.tr.mul_scalar(&a.value, 0.0);
            self.tr.add_scalar(&z, 1.0)
        } else {
            self.tr.div(&a.value, &b.value)
        };
        self.fresh(v)
    }
    fn neg(&mut self, a: &Node<E>) -> Node<E> {
        let v = self.tr.neg(&a.value);
        self.fresh(v)
    }
    fn add_scalar(&mut self, a: &Node<E>, c: f64) -> Node<E> {
        let v = self.tr.add_scalar(&a.value, c);
        self.fresh(v)
    }
    fn mul_scalar(&mut self, a: &Node<E>, c: f64) -> Node<E> {
        let v = self.tr.mul_scalar(&a.value, c);
        self.fresh(v)
    }
    fn powi(&mut self, a: &Node<E>, n: i32) -> Node<E> {
        let v = match n {
            1 => return a.clone(),
            2 => self.tr.unary(&a.value, |t| t.square()),
            _ => self.tr.unary(&a.value, |t| t.powi(n)),
        };
        self.fresh(v)
    }
    fn powf(&mut self, a: &Node<E>, p: f64) -> Node<E> {
        let v = self.tr.unary(&a.value, |t| t.powf(p));
        self.fresh(v)
    }
    fn func(&mut self, f: Func, a: &Node<E>) -> Node<E> {
        let x = &a.value;
        let v = match f {
            Func::Sin => self.tr.unary(x, |t| t.sin()),
            Func::Cos => self.tr.unary(x, |t| t.cos()),
            Func::Tan => {
                let s = self.tr.unary(x, |t| t.sin());
                let c = self.tr.unary(x, |t| t.cos());
                self.tr.div(&s, &c)
            }
            Func::Exp => self.tr.unary(x, |t| t.exp()),
            Func::Log => self.tr.unary(x, |t| t.ln()),
            Func::Sqrt => self.tr.unary(x, |t| t.sqrt()),
            Func::Tanh => self.tr.unary(x, |t| t.tanh()),
            Func::Abs => self.tr.unary(x, |t| t.abs()),
            Func::Sinh => self.smooth(x, E::sinh, E::cosh),
            Func::Cosh => self.smooth(x, E::cosh, E::sinh),
            // sech' = −sech·tanh; beyond cosh's overflow both are exactly 0.
            Func::Sech => self.smooth(x, |v| v.cosh().recip(), |v| -v.tanh() / v.cosh()),
            Func::Atan => self.smooth(x, E::atan, |v| (E::one() + v * v).recip()),
            Func::Erf => self.smooth(x, E::erf, |v| {
                real::<E>(std::f64::consts::FRAC_2_SQRT_PI) * (-v * v).exp()
            }),
        };
        self.fresh(v)
    }
    fn min(&mut self, a: &Node<E>, b: &Node<E>) -> Node<E> {
        self.extremum(a, b, min_takes_second)
    }
    fn max(&mut self, a: &Node<E>, b: &Node<E>) -> Node<E> {
        self.extremum(a, b, max_takes_second)
    }
}

impl<E: Real, T: Tape<E, Cpu>> JetField<'_, E, T>
where
    Cpu: Device<E>,
{
    /// A function dfdx has no op for, from its value and derivative.
    fn smooth(&mut self, x: &Vector<E>, value: fn(E) -> E, derivative: fn(E) -> E) -> Vector<E> {
        self.tr.elementwise(x, Elementwise { value, derivative })
    }

    /// `min` or `max` by `take_b`; `min(u, u)` is `u` itself (dfdx refuses
    /// one tensor on both sides of an op).
    fn extremum(&mut self, a: &Node<E>, b: &Node<E>, take_b: fn(E, E) -> bool) -> Node<E> {
        if a.key == b.key {
            return a.clone();
        }
        let v = self.tr.select(&a.value, &b.value, take_b);
        self.fresh(v)
    }
}

/// Network outputs (values only) at `points`, per output, evaluated in chunks
/// without recording a tape.
pub fn predict<E: Real>(net: &Network<E>, points: &[Vec<f64>]) -> Vec<Vec<f64>>
where
    Cpu: Device<E>,
{
    let mut out = vec![Vec::with_capacity(points.len()); net.n_outputs()];
    let value = [MultiIndex::value()];
    for chunk in points.chunks(8192) {
        let mut tr = super::Evaluating::<E>::new(&net.dev);
        let batch = Batch::new(net, chunk);
        let mut outputs = Outputs::new(&mut tr, net, &batch, &value);
        for (j, col) in out.iter_mut().enumerate() {
            let v = outputs.get(&mut tr, j, &MultiIndex::value());
            col.extend(v.as_vec().into_iter().map(Into::<f64>::into));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! The hand-written functions and `min`/`max` on a batch of chosen
    //! arguments (an input coordinate, so nothing stands between the op and
    //! the gradient), against f64 values and finite differences.
    use super::*;
    use crate::config::{NetConfig, Omega};
    use crate::expr::{BinOp, Expr};
    use crate::jet::Recording;

    /// Values of `expr` (of inputs only) at `points` and the gradient of
    /// their sum with respect to each input coordinate, in precision `E`.
    fn value_and_input_gradients<E: Real>(
        expr: &Expr,
        points: &[Vec<f64>],
    ) -> (Vec<f64>, Vec<Vec<f64>>)
    where
        Cpu: Device<E>,
    {
        let config = NetConfig {
            width: 2,
            depth: 1,
            omega: Omega::Value(1.0),
            ..NetConfig::default()
        };
        let dim = points[0].len();
        let net = Network::<E>::new(&config, &vec![[-1.0, 1.0]; dim], 1);
        let mut tr = Recording::<E>::new(&net.dev);
        let batch = Batch::new(&net, points);
        let mut outputs = Outputs::new(&mut tr, &net, &batch, &[MultiIndex::value()]);
        let v = expr.eval(&mut JetField::new(&mut tr, &mut outputs)).value;
        let values = v.as_vec().into_iter().map(Into::into).collect();
        let mut grads = tr.on(&v).sum::<(), _>().backward();
        let per_input = batch
            .coords
            .iter()
            .map(|c| {
                grads.try_alloc_for(c).expect("cpu allocation");
                grads.get(c).as_vec().into_iter().map(Into::into).collect()
            })
            .collect();
        (values, per_input)
    }

    /// f'(x) by central differences with one Richardson step (error O(h⁴)).
    fn richardson(f: impl Fn(f64) -> f64, x: f64) -> f64 {
        let h = 1e-3 * x.abs().max(1.0);
        let central = |h: f64| (f(x + h) - f(x - h)) / (2.0 * h);
        (4.0 * central(h / 2.0) - central(h)) / 3.0
    }

    fn relative(a: f64, b: f64) -> f64 {
        (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE)
    }

    /// Each function near 0, at moderate arguments of both signs and at a
    /// large one where its value saturates or grows like e^|x|. Tolerances:
    /// `value` relative to the f64 function at the same (rounded) argument,
    /// `slope` relative to the Richardson difference (in f64 its rounding,
    /// ε/(h·|f'/f|), is about 4e-7 for erf at 4).
    fn check_functions<E: Real>(value: f64, slope: f64)
    where
        Cpu: Device<E>,
    {
        let common = [0.0, 1e-3, -0.4, 0.9, -3.7];
        let cases = [
            (Func::Sinh, 20.0),
            (Func::Cosh, 20.0),
            (Func::Sech, 20.0),
            (Func::Atan, 1e3),
            (Func::Erf, 4.0),
        ];
        for (f, large) in cases {
            // The argument the network's precision holds, exactly in f64.
            let xs: Vec<f64> = common
                .iter()
                .chain(&[large, -large])
                .map(|&x| real::<E>(x).into())
                .collect();
            let points: Vec<Vec<f64>> = xs.iter().map(|&x| vec![x]).collect();
            let expr = Expr::Call(f, Box::new(Expr::Input(0)));
            let (got, grads) = value_and_input_gradients::<E>(&expr, &points);
            for ((&x, v), g) in xs.iter().zip(&got).zip(&grads[0]) {
                let (want, fd) = (f.apply(x), richardson(|x| f.apply(x), x));
                assert!(relative(*v, want) <= value, "{f:?}({x}) = {v}, want {want}");
                assert!(
                    relative(*g, fd) <= slope,
                    "{f:?}'({x}) = {g}, finite differences {fd}"
                );
            }
        }
    }

    #[test]
    fn functions_and_derivatives_match_finite_differences_in_f64() {
        check_functions::<f64>(1e-15, 1e-6);
    }

    #[test]
    fn functions_and_derivatives_match_finite_differences_in_f32() {
        // f32 rounding of the value (~1e-7) and of exp(−x²) at x² ≈ 14 (~1e-6).
        check_functions::<f32>(1e-6, 1e-5);
    }

    #[test]
    fn saturated_functions_have_zero_not_nan_gradients() {
        // Beyond cosh's overflow (|x| ≈ 710 in f64, 89 in f32) sech and its
        // derivative are 0; erf is ±1 with derivative 0 long before.
        let points = vec![vec![800.0], vec![-800.0], vec![30.0]];
        for f in [Func::Sech, Func::Erf, Func::Atan] {
            let expr = Expr::Call(f, Box::new(Expr::Input(0)));
            let (values, grads) = value_and_input_gradients::<f64>(&expr, &points);
            let (f32_values, f32_grads) = value_and_input_gradients::<f32>(&expr, &points);
            for v in values
                .iter()
                .chain(&grads[0])
                .chain(&f32_values)
                .chain(&f32_grads[0])
            {
                assert!(
                    v.is_finite(),
                    "{f:?}: {values:?} {grads:?} {f32_values:?} {f32_grads:?}"
                );
            }
        }
    }

    #[test]
    fn min_and_max_take_one_argument_and_its_gradient_ties_the_first() {
        // (a, b) with b below, above and equal to a.
        let points = vec![vec![0.5, -0.25], vec![-0.5, 0.75], vec![0.125, 0.125]];
        let ab = |op| Expr::Bin(op, Box::new(Expr::Input(0)), Box::new(Expr::Input(1)));
        let (values, grads) = value_and_input_gradients::<f64>(&ab(BinOp::Min), &points);
        assert_eq!(values, vec![-0.25, -0.5, 0.125]);
        assert_eq!(grads, vec![vec![0.0, 1.0, 1.0], vec![1.0, 0.0, 0.0]]);
        let (values, grads) = value_and_input_gradients::<f32>(&ab(BinOp::Max), &points);
        assert_eq!(values, vec![0.5, 0.75, 0.125]);
        assert_eq!(grads, vec![vec![1.0, 0.0, 1.0], vec![0.0, 1.0, 0.0]]);
        // min(a, a) is a, with the whole gradient.
        let aa = Expr::Bin(
            BinOp::Max,
            Box::new(Expr::Input(0)),
            Box::new(Expr::Input(0)),
        );
        let (values, grads) = value_and_input_gradients::<f64>(&aa, &points);
        assert_eq!(values, vec![0.5, -0.5, 0.125]);
        assert_eq!(grads[0], vec![1.0; 3]);
    }
}
