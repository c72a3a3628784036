//! The ω rule (README, "ω from the kernel bandwidth", **The rule**):
//! ω = 2π·f_max/κ in normalized input coordinates.
//!
//! f_max comes from two limits per input direction:
//! - point-limited: the highest frequency the training points pin down for
//!   a network that must also be right *between* them: a period of at least
//!   [`SAMPLES_PER_PERIOD`] point spacings, a quarter of their Nyquist
//!   frequency 1/(2Δ) (Δ the spacing along the direction);
//! - signal-limited: the frequency below which [`DATA_SHARE`] of the energy
//!   of the known data varying along the direction lies (initial and
//!   boundary values, source terms, a signal to fit), from its FFT.
//!
//! A direction along which known data varies asks for min(signal, point
//! limit): the network must resolve the data, and cannot resolve more than
//! its points pin down. f_max is the largest such demand over the
//! directions; with no data at all, the smallest point limit for a signal
//! (the points are all there is to go by), and [`NO_DATA_FREQUENCY`] for an
//! equation, whose points say nothing about its solution (a 1D problem's
//! 4096 points would otherwise ask for 256 cycles per unit). κ is the measured slope of the kernel's
//! [`DEFAULT_SHARE`] (99%) band against ω (see [`super::kappa`]), so the
//! kernel's band then just covers f_max.
//!
//! Why a quarter of the Nyquist frequency and not the Nyquist frequency
//! itself: a trained network interpolates between its points like a kernel
//! smoother with its NTK, and a kernel whose 99% band reaches the Nyquist
//! frequency has a main lobe narrower than one point spacing (for a
//! Gaussian-shaped spectrum the lobe's standard deviation is ~0.6 spacings):
//! it fits the points and misses between them (astronaut photo at ω = 29:
//! 28.8 dB PSNR on the training pixels, 15.0 dB on the held-out ones). At eight
//! spacings per period the lobe spans about two spacings either side.
//!
//! Why 85% of the data's energy and not 99%: the band should hold the bulk
//! of what is to be learned. Real signals keep a thin tail of energy up to
//! the Nyquist frequency (the last percent of a voice or a photo lies there),
//! and a band stretched over that tail buys little of it back between the
//! points while interpolating the bulk worse (speech clip: 30.8 dB held-out
//! with the band at 0.125 of the Nyquist frequency, 29.6 dB at 0.25, where
//! 99% of its energy lies below 0.58). A smooth tone is unaffected: its 85%
//! and 99% frequencies lie in the same DFT bin.
//!
//! Both constants are measurements, not derivations: `cargo bench --bench
//! omega -- calibrate` fits three signals (two photos, a voice) with the
//! band at fractions of the Nyquist frequency (1/16 to 1/2); of the data
//! shares 80, 85, 90, 95 and 99% and those fractions as the limit, 85% and
//! a quarter give the smallest worst shortfall against each signal's best
//! fraction (0.65 dB), and six further signals that took no part in the
//! choice check it (README, "ω from the kernel bandwidth").

use super::dispersion::implied_frequencies;
use super::kappa::{kappa_for, omega_at};
use super::measure::DEFAULT_SHARE;
use super::spectrum::EnergySpectrum;
use crate::config::NetConfig;
use crate::expr::PointEval;
use crate::geometry::Region;
use crate::problem::Problem;
use crate::reference::grid_index;

/// Point spacings per period of the highest frequency the points may ask
/// for (8: a quarter of the Nyquist frequency; see the module notes).
pub const SAMPLES_PER_PERIOD: f64 = 8.0;

/// f_max of an equation none of whose known data varies and whose linear
/// part implies nothing (a steady viscous shock with constant boundary
/// values): one cycle per normalized unit, two periods across the domain,
/// the scale of a solution that only its equation shapes. Measured on the
/// steady Burgers file of benches/problems: the point limit's ω = 293 ended
/// at 1.1 relative L2 in 120 s, ω = 1.14 (this frequency) at 3.8e-2 in 60 s.
pub const NO_DATA_FREQUENCY: f64 = 1.0;

/// Share of the known data's spectral energy the kernel's band must cover
/// (see the module notes).
pub const DATA_SHARE: f64 = 0.85;

/// What limits the frequency along one input direction.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Direction {
    pub input: String,
    /// Nyquist frequency of the training points, cycles per normalized unit.
    pub nyquist: f64,
    /// Frequency below which [`DATA_SHARE`] of the known data's energy
    /// along this direction lies (None: no known data varies along it).
    pub signal: Option<f64>,
    /// Frequency the equation's dispersion relation carries into this
    /// direction from the others' data, where no data varies along it
    /// (see [`super::dispersion`]).
    pub implied: Option<f64>,
}

impl Direction {
    /// The highest frequency the points pin down: a period of
    /// [`SAMPLES_PER_PERIOD`] spacings.
    pub fn point_limit(&self) -> f64 {
        self.nyquist * 2.0 / SAMPLES_PER_PERIOD
    }

    /// What this direction asks of the kernel's band, if anything.
    fn demand(&self) -> Option<f64> {
        self.signal
            .or(self.implied)
            .map(|s| s.min(self.point_limit()))
    }
}

/// The chosen ω and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OmegaChoice {
    pub omega: f64,
    /// Bandwidth per unit ω of this network (rad per normalized unit).
    pub kappa: f64,
    /// Energy share of the kernel's spectrum that defines its band (κ).
    pub kernel_share: f64,
    /// Energy share of the known data behind the signal frequencies.
    pub data_share: f64,
    /// The frequency the band is set to, cycles per normalized unit.
    pub f_max: f64,
    pub directions: Vec<Direction>,
}

impl OmegaChoice {
    /// ω for a network of `net`'s kind and size from per-direction limits.
    pub fn from_directions(directions: Vec<Direction>, net: &NetConfig) -> Self {
        Self::or_else(directions, net, f64::INFINITY)
    }

    /// As [`Self::from_directions`], with f_max at most `nothing_known` when
    /// no direction asks for anything.
    fn or_else(directions: Vec<Direction>, net: &NetConfig, nothing_known: f64) -> Self {
        let demanded = directions.iter().filter_map(Direction::demand);
        let f_max = demanded.reduce(f64::max).unwrap_or_else(|| {
            directions
                .iter()
                .map(Direction::point_limit)
                .fold(nothing_known, f64::min)
        });
        let kappa = kappa_for(net, directions.len());
        Self {
            omega: omega_at(f_max, kappa),
            kappa,
            kernel_share: DEFAULT_SHARE,
            data_share: DATA_SHARE,
            f_max,
            directions,
        }
    }

    /// ω for a problem's collocation density and known data.
    pub fn for_problem(problem: &Problem, net: &NetConfig, interior_points: usize) -> Self {
        let nyquist = nyquist_of_box(interior_points, problem.pde.inputs.len());
        let signals = data_frequencies(problem);
        let implied = implied_frequencies(problem, &signals);
        let directions = problem
            .pde
            .inputs
            .iter()
            .zip(signals)
            .zip(implied)
            .map(|((input, signal), implied)| Direction {
                input: input.clone(),
                nyquist,
                implied: if signal.is_none() { implied } else { None },
                signal,
            })
            .collect();
        Self::or_else(directions, net, NO_DATA_FREQUENCY)
    }

    /// ω for fitting samples on a uniform grid (row-major over `shape`, last
    /// axis fastest, sample `spacing` per axis in normalized units): the
    /// Nyquist frequency of that grid and the fields' energy-share frequency
    /// per axis.
    pub fn for_grid(
        axis_names: &[String],
        shape: &[usize],
        spacing: &[f64],
        fields: &[&[f64]],
        net: &NetConfig,
    ) -> Self {
        let signals = grid_frequencies(shape, spacing, fields);
        let directions = axis_names
            .iter()
            .zip(spacing)
            .zip(signals)
            .map(|((input, d), signal)| Direction {
                input: input.clone(),
                nyquist: 0.5 / d,
                signal,
                implied: None,
            })
            .collect();
        Self::from_directions(directions, net)
    }

    /// Multi-line account of the choice, for the terminal.
    pub fn describe(&self) -> String {
        let mut out = format!(
            "ω = {:.4} (auto: 2π·f_max/κ, f_max = {:.4} cycles per normalized unit, κ = {:.4} for the kernel's {}% band)",
            self.omega,
            self.f_max,
            self.kappa,
            self.kernel_share * 100.0
        );
        for d in &self.directions {
            let signal = d.signal.map_or_else(
                || match d.implied {
                    Some(f) => format!(
                        "no known data varies; the equation carries {f:.4} into it from the \
                         other directions (dispersion of its linear part)"
                    ),
                    None => "no known data varies".into(),
                },
                |s| {
                    format!(
                        "{}% of the data's energy below {s:.4}",
                        self.data_share * 100.0
                    )
                },
            );
            out.push_str(&format!(
                "\n  {}: {signal}, limit of the points {:.4} (Nyquist {:.4} / {})",
                d.input,
                d.point_limit(),
                d.nyquist,
                SAMPLES_PER_PERIOD / 2.0
            ));
        }
        out
    }
}

/// Nyquist frequency of `n` points spread evenly over the normalized box
/// [−1, 1]^dim: n^(1/dim) points per direction over length 2.
pub fn nyquist_of_box(n: usize, dim: usize) -> f64 {
    let per_direction = (n.max(1) as f64).powf(1.0 / dim.max(1) as f64);
    per_direction / 4.0
}

/// Grid points per free direction when sampling known data: fine enough for
/// any data a network of this size can learn, small enough to be instant.
fn grid_size(free: usize) -> usize {
    match free {
        0 | 1 => 512,
        2 => 64,
        _ => 16,
    }
}

/// Per input, the highest energy-share frequency of the known data of any
/// term along it (cycles per normalized unit); None where no data varies.
/// Known data is a term with every network output set to zero: the
/// prescribed values of a condition, the source of a residual.
pub fn data_frequencies(problem: &Problem) -> Vec<Option<f64>> {
    let dim = problem.pde.inputs.len();
    let mut out: Vec<Option<f64>> = vec![None; dim];
    // Conditions a hard constraint satisfies still say what the solution holds.
    for (term, region) in problem.pde.terms.iter().chain(&problem.pde.satisfied) {
        // Each face is a region of its own: the data on x = −1 and x = 1 need
        // not join up.
        let fixed: Vec<Option<usize>> = match region {
            Region::Interior => vec![None],
            Region::Faces(faces) | Region::FacesWhere { faces, .. } => {
                faces.iter().map(|f| Some(f.input)).collect()
            }
            // On a shape's part the data is read over the box, as a
            // residual's source is.
            Region::Parts(_) | Region::PartsWhere { .. } => vec![None],
            // Periodicity prescribes no values.
            Region::Periodic { .. } => continue,
        };
        for (k, held) in fixed.iter().enumerate() {
            let value_of = |u: &[f64]| -> f64 {
                let x = physical(problem, region, k, u);
                term.expr.eval(&mut PointEval::data_part(&x))
            };
            for (i, f) in directional_frequencies(dim, *held, &value_of)
                .into_iter()
                .enumerate()
            {
                if let Some(f) = f {
                    out[i] = Some(out[i].map_or(f, |o: f64| o.max(f)));
                }
            }
        }
    }
    out
}

/// Physical coordinates of normalized `u` ∈ [−1, 1]^dim, with the input of
/// face `k` of `region` (if any) held at its bound.
fn physical(problem: &Problem, region: &Region, k: usize, u: &[f64]) -> Vec<f64> {
    let mut x: Vec<f64> = problem
        .pde
        .domain
        .iter()
        .zip(u)
        .map(|([lo, hi], u)| lo + (hi - lo) * (u + 1.0) / 2.0)
        .collect();
    if let Region::Faces(faces) | Region::FacesWhere { faces, .. } = region {
        let f = faces[k];
        let [lo, hi] = problem.pde.domain[f.input];
        x[f.input] = if f.upper { hi } else { lo };
    }
    x
}

/// Energy-share frequency along each free direction of `value_of` sampled on
/// a uniform grid over [−1, 1]^dim (the `held` input fixed). None where no
/// data varies.
fn directional_frequencies(
    dim: usize,
    held: Option<usize>,
    value_of: &dyn Fn(&[f64]) -> f64,
) -> Vec<Option<f64>> {
    let free: Vec<usize> = (0..dim).filter(|&i| Some(i) != held).collect();
    let n = grid_size(free.len());
    let spacing = 2.0 / (n - 1) as f64;
    let shape = vec![n; free.len()];
    let values: Vec<f64> = (0..n.pow(free.len() as u32))
        .map(|flat| {
            let mut u = vec![0.0; dim];
            for (&i, k) in free.iter().zip(grid_index(&shape, flat)) {
                u[i] = -1.0 + spacing * k as f64;
            }
            value_of(&u)
        })
        .collect();
    let mut out = vec![None; dim];
    for (&i, f) in free.iter().zip(grid_frequencies(
        &shape,
        &vec![spacing; free.len()],
        &[&values],
    )) {
        out[i] = f;
    }
    out
}

/// Per axis of a row-major grid (last axis fastest) of `shape` with sample
/// `spacing`, the frequency below which [`DATA_SHARE`] of the energy lies, from every
/// grid line along the axis in every field, energies averaged. None along
/// an axis where no line varies (or any value is not finite).
pub fn grid_frequencies(shape: &[usize], spacing: &[f64], fields: &[&[f64]]) -> Vec<Option<f64>> {
    grid_spectra(shape, spacing, fields)
        .into_iter()
        .map(|s| s.map(|s| s.share_frequency(DATA_SHARE)))
        .collect()
}

/// Per axis (as [`grid_frequencies`]), the mean energy spectrum of the grid
/// lines along it; None where no line varies or a value is not finite.
pub fn grid_spectra(
    shape: &[usize],
    spacing: &[f64],
    fields: &[&[f64]],
) -> Vec<Option<EnergySpectrum>> {
    let total: usize = shape.iter().product();
    let finite = fields.iter().all(|f| f.iter().all(|v| v.is_finite()));
    (0..shape.len())
        .map(|axis| {
            let n = shape[axis];
            if !finite || n < 2 {
                return None;
            }
            let stride: usize = shape[axis + 1..].iter().product();
            let lines: Vec<Vec<f64>> = fields
                .iter()
                .flat_map(|f| {
                    (0..total)
                        .filter(move |flat| (flat / stride).is_multiple_of(n))
                        .map(move |start| (0..n).map(|j| f[start + j * stride]).collect())
                })
                .collect();
            if lines.iter().all(|l: &Vec<f64>| is_flat(l)) {
                return None;
            }
            Some(EnergySpectrum::mean_of(
                lines.iter().map(Vec::as_slice),
                spacing[axis],
            ))
        })
        .collect()
}

/// A line with no variation worth a frequency (relative to its size).
fn is_flat(line: &[f64]) -> bool {
    let mean = line.iter().sum::<f64>() / line.len() as f64;
    let scale = line.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    line.iter()
        .all(|v| (v - mean).abs() <= 1e-12 * scale.max(f64::MIN_POSITIVE))
}
