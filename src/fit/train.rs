//! Fitting a network to a signal: Adam on the mean squared error over the
//! training samples, with the PSNR on training and held-out samples logged.

use super::signal::Signal;
use super::split::{pick, psnr, Split};
use crate::config::{NetConfig, Precision};
use crate::jet::{mse, mse_and_gradient, predict, Batch, Targets};
use crate::net::{save, Network, SavedNet};
use crate::scalar::Real;
use crate::train::{
    AdamPhase, Decay, Driver, DriverSettings, Measure, Objective, Phase, ProgressObserver, Stop,
};
use dfdx::prelude::{Cpu, Device};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

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
    pub stop: Stop,
    /// The network on every sample of the signal, per channel.
    pub prediction: Vec<Vec<f64>>,
    pub psnr_train: f64,
    pub psnr_heldout: f64,
}

/// Trains a network of `config.network` on the training samples of `split`.
pub fn fit(signal: &Signal, split: &Split, config: &FitConfig, options: &FitOptions) -> Fitted {
    match config.network.precision {
        // Mixed switches a quasi-Newton phase, which a fit does not have.
        Precision::F32 | Precision::Mixed => fit_with::<f32>(signal, split, config, options),
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
    let train = &config.train;
    let mut net = Network::<E>::new(&config.network, &signal.domain(), signal.channels.len());
    let scorer = Rc::new(Scorer::new(signal, split));
    let loss = SignalLoss::new(&net, signal, split, train.batch_size);
    let settings = DriverSettings {
        record_every: train.eval_every.max(1),
        keep_best: false,
        max_seconds: train.max_seconds,
        stall_seconds: None,
    };
    let monitor = {
        let scorer = scorer.clone();
        move |net: &Network<E>| scorer.score(&predict(net, &scorer.points))
    };
    let mut driver = Driver::new(loss, settings, monitor).stop_flag(options.stop.clone());
    if options.progress {
        driver = driver.observer(ProgressObserver::new(train.steps));
    }
    let mut adam = AdamPhase {
        steps: train.steps,
        lr: train.lr,
        lr_final_fraction: train.lr_final_fraction,
        decay: Decay::OverStepsOrTime,
        // The next minibatch before every step (the first is drawn with the loss).
        resample_every: 1,
        rebalance_every: 0,
        budget_share: None,
    };
    let outcome = driver.run(&mut net, &mut [&mut adam]);
    let prediction = predict(&net, &scorer.points);
    let score = scorer.score(&prediction);
    Fitted {
        network: save(&net),
        n_params: net.n_params(),
        steps: outcome.steps(Phase::Adam),
        seconds: outcome.seconds,
        stop: outcome.stop.clone(),
        prediction,
        psnr_train: score.train,
        psnr_heldout: score.heldout,
        history: outcome
            .history
            .iter()
            .map(|r| FitRecord {
                step: r.step,
                seconds: r.seconds,
                loss: r.total,
                psnr_train: r.measure.train,
                psnr_heldout: r.measure.heldout,
            })
            .collect(),
    }
}

/// PSNR on the training and on the held-out samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Psnr {
    pub train: f64,
    pub heldout: f64,
}

impl Measure for Psnr {
    fn progress(&self) -> String {
        format!(
            "PSNR train {:.2} dB, held-out {:.2} dB",
            self.train, self.heldout
        )
    }
}

/// The signal's samples and split, for scoring predictions.
struct Scorer {
    signal: Signal,
    split: Split,
    points: Vec<Vec<f64>>,
    peak: f64,
}

impl Scorer {
    fn new(signal: &Signal, split: &Split) -> Self {
        Self {
            signal: signal.clone(),
            split: split.clone(),
            points: signal.points(),
            peak: signal.peak_to_peak(),
        }
    }

    fn score(&self, prediction: &[Vec<f64>]) -> Psnr {
        let truth = &self.signal.channels;
        Psnr {
            train: psnr(truth, prediction, &self.split.train, self.peak),
            heldout: psnr(truth, prediction, &self.split.heldout, self.peak),
        }
    }
}

/// The mean squared error of the network on the training samples: the
/// whole training set, prepared once, or random minibatches that visit
/// every sample once per epoch (the next one at each [`Objective::resample`]).
struct SignalLoss<E: Real> {
    points: Vec<Vec<f64>>,
    values: Vec<Vec<f64>>,
    batch: (Batch<E>, Targets<E>),
    full: bool,
    batch_size: usize,
    order: Vec<usize>,
    at: usize,
    rng: StdRng,
    names: Vec<String>,
}

impl<E: Real> SignalLoss<E>
where
    Cpu: Device<E>,
{
    fn new(net: &Network<E>, signal: &Signal, split: &Split, batch_size: Option<usize>) -> Self {
        let points: Vec<Vec<f64>> = split.train.iter().map(|&i| signal.point(i)).collect();
        let values = pick(&signal.channels, &split.train);
        let n = points.len();
        let batch_size = batch_size.unwrap_or(FULL_BATCH_LIMIT).clamp(1, n.max(1));
        let full = batch_size == n;
        let batch = (Batch::new(net, &points), Targets::new(net, &values));
        let mut loss = Self {
            points,
            values,
            batch,
            full,
            batch_size,
            order: (0..n).collect(),
            at: n,
            rng: StdRng::seed_from_u64(net.config.seed),
            names: vec!["mse".to_string()],
        };
        loss.next_batch(net);
        loss
    }

    /// Moves to the next minibatch (a new epoch's order when this one is used up).
    fn next_batch(&mut self, net: &Network<E>) {
        if self.full {
            return;
        }
        if self.at + self.batch_size > self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.at = 0;
        }
        let chosen = &self.order[self.at..self.at + self.batch_size];
        self.at += self.batch_size;
        let points: Vec<Vec<f64>> = chosen.iter().map(|&i| self.points[i].clone()).collect();
        let values = pick(&self.values, chosen);
        self.batch = (Batch::new(net, &points), Targets::new(net, &values));
    }
}

impl<E: Real> Objective<E> for SignalLoss<E>
where
    Cpu: Device<E>,
{
    fn names(&self) -> &[String] {
        &self.names
    }

    fn losses(&self, net: &Network<E>) -> Vec<f64> {
        vec![mse(net, &self.batch.0, &self.batch.1)]
    }

    fn losses_and_gradient(&self, net: &Network<E>) -> (Vec<f64>, Vec<f64>) {
        let (loss, grad) = mse_and_gradient(net, &self.batch.0, &self.batch.1);
        (vec![loss], grad)
    }

    fn total(&self, losses: &[f64]) -> f64 {
        losses[0]
    }

    fn resample(&mut self, net: &Network<E>) {
        self.next_batch(net);
    }
}
