//! The floating-point types networks and jets run in (f32, f64), and what
//! the jets need of them beyond arithmetic: direct access to dfdx's gradient
//! buffers, for the fused ops' hand-written backward passes, and the error
//! function.

use dfdx::prelude::*;

/// Floating-point types the network runs in (f32, f64).
pub trait Real:
    Dtype + Into<f64> + num_traits::Float + GradBuffer + crate::simd::SinCos + 'static
{
    /// The error function, which `num_traits::Float` lacks (libm's, in the
    /// type's own precision).
    fn erf(self) -> Self;
}
impl Real for f32 {
    fn erf(self) -> f32 {
        libm::erff(self)
    }
}
impl Real for f64 {
    fn erf(self) -> f64 {
        libm::erf(self)
    }
}

/// Converts a number to the network's float type (rounding for f32).
pub fn real<E: Real>(v: f64) -> E {
    // FromPrimitive::from_f64 cannot fail for f32 or f64 (it rounds or is exact).
    E::from_f64(v).unwrap_or_default()
}

/// Mutable access to a gradient buffer as a plain slice.
///
/// Generic code bounded by `Cpu: Device<E>` cannot see that dfdx's CPU
/// storage is a `Vec<E>`, so each float type provides the access itself.
pub trait GradBuffer: dfdx::dtypes::Unit {
    fn grad_mut<'a, S: Shape>(
        grads: &'a mut Gradients<Self, Cpu>,
        t: &Tensor<S, Self, Cpu>,
    ) -> Result<&'a mut [Self], CpuError>;

    /// Moves the gradient of `t` out (leaving it empty): for an op's own
    /// output, whose gradient nothing reads after the op's backward.
    fn take_grad<S: Shape>(
        grads: &mut Gradients<Self, Cpu>,
        t: &Tensor<S, Self, Cpu>,
    ) -> Result<Vec<Self>, CpuError>;
}

macro_rules! grad_buffer {
    ($t:ty) => {
        impl GradBuffer for $t {
            fn grad_mut<'a, S: Shape>(
                grads: &'a mut Gradients<$t, Cpu>,
                t: &Tensor<S, $t, Cpu>,
            ) -> Result<&'a mut [$t], CpuError> {
                Ok(grads.get_or_alloc_mut(t)?.as_mut_slice())
            }

            fn take_grad<S: Shape>(
                grads: &mut Gradients<$t, Cpu>,
                t: &Tensor<S, $t, Cpu>,
            ) -> Result<Vec<$t>, CpuError> {
                Ok(std::mem::take::<Vec<$t>>(grads.get_or_alloc_mut(t)?))
            }
        }
    };
}
grad_buffer!(f32);
grad_buffer!(f64);
