//! Fitting a network to a signal: Adam on the mean squared error over the
//! training samples, with the PSNR on training and held-out samples logged.

use super::signal::Signal;
use super::split::{pick, psnr, Split};
use crate::config::{NetConfig, Precision};
use crate::jet::{mse_and_gradient, predict, Batch, Targets};
use crate::net::{save, Network, SavedNet};
use crate::scalar::Real;
use crate::train::Adam;
use dfdx::prelude::{Cpu, Device};
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Training samples up to which every step uses all of them. Each step costs
/// time in proportion to its batch; up to this size (a 256 × 256 picture, 8 s
/// of 4 kHz audio) a full-batch step takes well under a second on one core
/// and its exact gradient lets Adam's decaying rate settle, so minibatches
/// would only add noise. Larger signals train on random minibatches of this
/// size, so that a step's time stays bounded.
pub const FULL_BATCH_LIMIT: usize = 16384;

/// Optimization settings of a fit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FitTrain {
    /// Adam steps.
    pub steps: usize,
    /// Initial Adam learning rate.
    pub lr: f64,
    /// Learning rate at the end, as a fraction of `lr` (exponential decay).
    pub lr_final_fraction: f64,
    /// Stop after this many seconds of training (results are still written).
    pub max_seconds: Option<f64>,
    /// Samples per step (default: all, up to [`FULL_BATCH_LIMIT`]).
    pub batch_size: Option<usize>,
    /// Measure the PSNR every this many steps.
    pub eval_every: usize,
}

impl Default for FitTrain {
    fn default() -> Self {
        Self {
            steps: 1500,
            lr: 3e-3,
            lr_final_fraction: 0.1,
            max_seconds: None,
            batch_size: None,
            eval_every: 50,
        }
    }
}

/// Everything that determines a fit besides the signal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FitConfig {
    pub network: NetConfig,
    pub train: FitTrain,
}

impl Default for FitConfig {
    /// f32: signals are stored at 8 to 16 bits, and f32 steps take about
    /// half the time of f64 ones. Width 64, depth 3 and 1500 steps fit a
    /// 128 × 128 picture or 1 s of 16 kHz audio in about a minute or less
    /// on one core (measured on tests/data/astronaut_128.png and
    /// center_16k.wav).
    fn default() -> Self {
        Self {
            network: NetConfig {
                precision: Precision::F32,
                width: 64,
                depth: 3,
                ..NetConfig::default()
            },
            train: FitTrain::default(),
        }
    }
}

/// How to run a fit.
#[derive(Clone, Debug, Default)]
pub struct FitOptions {
    /// Show a progress bar on the terminal.
    pub progress: bool,
    /// Set (e.g. by Ctrl-C) to end training early; results are still kept.
    pub stop: Arc<AtomicBool>,
}

/// One row of the history.
#[derive(Clone, Debug, PartialEq)]
pub struct FitRecord {
    pub step: usize,
    pub seconds: f64,
    /// Mean squared error of the step's batch (all training samples when
    /// training full batch), before the step's update; the PSNRs are after it.
    pub loss: f64,
    pub psnr_train: f64,
    pub psnr_heldout: f64,
}

/// A trained fit.
#[derive(Clone, Debug)]
pub struct Fitted {
    pub network: SavedNet,
    pub n_params: usize,
    pub history: Vec<FitRecord>,
    pub steps: usize,
    pub seconds: f64,
    /// Why training ended (all steps done, time budget, interrupted).
    pub stopped_by: String,
    /// The network on every sample of the signal, per channel.
    pub prediction: Vec<Vec<f64>>,
    pub psnr_train: f64,
    pub psnr_heldout: f64,
}

/// Trains a network of `config.network` on the training samples of `split`.
pub fn fit(signal: &Signal, split: &Split, config: &FitConfig, options: &FitOptions) -> Fitted {
    match config.network.precision {
        Precision::F32 => fit_with::<f32>(signal, split, config, options),
        Precision::F64 => fit_with::<f64>(signal, split, config, options),
    }
}

fn fit_with<E: Real>(
    signal: &Signal,
    split: &Split,
    config: &FitConfig,
    options: &FitOptions,
) -> Fitted
where
    Cpu: Device<E>,
{
    let start = Instant::now();
    let train = &config.train;
    let mut net = Network::<E>::new(&config.network, &signal.domain(), signal.channels.len());
    let scorer = Scorer::new(signal, split);
    let mut feeder = Feeder::new(&net, signal, split, train.batch_size);
    let bar = progress_bar(options.progress, train.steps);
    let mut adam = Adam::new(net.n_params());
    let mut params = net.flat_params();
    let mut history = Vec::new();
    // The latest evaluated (step, prediction), reused at the end.
    let mut last: Option<(usize, Vec<Vec<f64>>)> = None;
    let mut stopped_by = "all steps done".to_string();
    let mut done = 0;
    for step in 1..=train.steps {
        let elapsed = start.elapsed().as_secs_f64();
        if let Some(reason) = stop_reason(options, train, elapsed) {
            stopped_by = reason.into();
            break;
        }
        let (batch, targets) = feeder.next(&net);
        let (loss, grad) = mse_and_gradient(&net, &batch, &targets);
        adam.step(&mut params, &grad, learning_rate(train, step, elapsed));
        net.set_flat_params(&params);
        done = step;
        if step == 1 || step % train.eval_every.max(1) == 0 {
            let prediction = record(&mut history, &scorer, &net, step, start, loss);
            last = Some((step, prediction));
            show(&bar, history.last());
        }
    }
    let prediction = match last {
        Some((step, prediction)) if step == done => prediction,
        _ => {
            let loss = history.last().map_or(f64::NAN, |r| r.loss);
            record(&mut history, &scorer, &net, done, start, loss)
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let final_record = history.last().cloned().expect("a record at the end");
    Fitted {
        network: save(&net),
        n_params: net.n_params(),
        steps: done,
        seconds: start.elapsed().as_secs_f64(),
        stopped_by,
        prediction,
        psnr_train: final_record.psnr_train,
        psnr_heldout: final_record.psnr_heldout,
        history,
    }
}

/// Why training must end before this step, if it must.
fn stop_reason(options: &FitOptions, train: &FitTrain, elapsed: f64) -> Option<&'static str> {
    if options.stop.load(Ordering::Relaxed) {
        Some("interrupted")
    } else if train.max_seconds.is_some_and(|s| elapsed >= s) {
        Some("time budget")
    } else {
        None
    }
}

/// Exponential decay from lr to lr·lr_final_fraction, paced by whichever
/// budget (steps or seconds) will run out first, so that a time-limited
/// run still ends at the small rate.
fn learning_rate(train: &FitTrain, step: usize, elapsed: f64) -> f64 {
    let by_steps = (step - 1) as f64 / train.steps as f64;
    let by_time = train.max_seconds.map_or(0.0, |s| elapsed / s);
    train.lr * train.lr_final_fraction.powf(by_steps.max(by_time).min(1.0))
}

/// Evaluates the network on every sample, appends a history row and
/// returns the prediction.
fn record<E: Real>(
    history: &mut Vec<FitRecord>,
    scorer: &Scorer<'_>,
    net: &Network<E>,
    step: usize,
    start: Instant,
    loss: f64,
) -> Vec<Vec<f64>>
where
    Cpu: Device<E>,
{
    let prediction = predict(net, &scorer.points);
    let (psnr_train, psnr_heldout) = scorer.score(&prediction);
    history.push(FitRecord {
        step,
        seconds: start.elapsed().as_secs_f64(),
        loss,
        psnr_train,
        psnr_heldout,
    });
    prediction
}

/// The signal's samples and split, for scoring predictions.
struct Scorer<'a> {
    signal: &'a Signal,
    split: &'a Split,
    points: Vec<Vec<f64>>,
    peak: f64,
}

impl<'a> Scorer<'a> {
    fn new(signal: &'a Signal, split: &'a Split) -> Self {
        Self {
            signal,
            split,
            points: signal.points(),
            peak: signal.peak_to_peak(),
        }
    }

    /// PSNR on the training and on the held-out samples.
    fn score(&self, prediction: &[Vec<f64>]) -> (f64, f64) {
        let truth = &self.signal.channels;
        (
            psnr(truth, prediction, &self.split.train, self.peak),
            psnr(truth, prediction, &self.split.heldout, self.peak),
        )
    }
}

/// Hands out each step's batch: the whole training set, prepared once, or
/// random minibatches that visit every sample once per epoch.
struct Feeder<E: Real> {
    points: Vec<Vec<f64>>,
    values: Vec<Vec<f64>>,
    full: Option<(Batch<E>, Targets<E>)>,
    batch_size: usize,
    order: Vec<usize>,
    at: usize,
    rng: StdRng,
}

impl<E: Real> Feeder<E>
where
    Cpu: Device<E>,
{
    fn new(net: &Network<E>, signal: &Signal, split: &Split, batch_size: Option<usize>) -> Self {
        let points: Vec<Vec<f64>> = split.train.iter().map(|&i| signal.point(i)).collect();
        let values = pick(&signal.channels, &split.train);
        let n = points.len();
        let batch_size = batch_size.unwrap_or(FULL_BATCH_LIMIT).clamp(1, n.max(1));
        let full =
            (batch_size == n).then(|| (Batch::new(net, &points), Targets::new(net, &values)));
        Self {
            points,
            values,
            full,
            batch_size,
            order: (0..n).collect(),
            at: n,
            rng: StdRng::seed_from_u64(net.config.seed),
        }
    }

    fn next(&mut self, net: &Network<E>) -> (Batch<E>, Targets<E>) {
        if let Some(full) = &self.full {
            return full.clone();
        }
        if self.at + self.batch_size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.at = 0;
        }
        let chosen = &self.order[self.at..self.at + self.batch_size];
        self.at += self.batch_size;
        let points: Vec<Vec<f64>> = chosen.iter().map(|&i| self.points[i].clone()).collect();
        let values = pick(&self.values, chosen);
        (Batch::new(net, &points), Targets::new(net, &values))
    }
}

fn progress_bar(show: bool, steps: usize) -> Option<ProgressBar> {
    show.then(|| crate::train::progress_bar(steps))
}

fn show(bar: &Option<ProgressBar>, r: Option<&FitRecord>) {
    if let (Some(bar), Some(r)) = (bar, r) {
        bar.set_position(r.step as u64);
        bar.set_message(format!(
            "loss {:.2e} | PSNR train {:.2} dB, held-out {:.2} dB",
            r.loss, r.psnr_train, r.psnr_heldout
        ));
    }
}
