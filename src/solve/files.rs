//! The run folder: configuration, history, solution, metrics, model, pictures.

use super::{planes, EvaluationPoints, HistoryLog, SolveError, Trained};
use crate::config::RunConfig;
use crate::net::SavedNet;
use crate::problem::{FileRole, Problem, Reference};
use crate::reference::detect_grid;
use crate::report::{curves, heatmaps, line_1d, slices, Panel};
use crate::report::{
    write_bytes_atomic, write_json, write_solution_csv, write_table_csv, OutputColumns, ReportError,
};
use crate::train::{Outcome, Phase, PinnRecord, Snapshot};
use std::path::{Path, PathBuf};

pub struct RunFolder {
    dir: PathBuf,
}

/// One history row: step, seconds, quasi_newton (0/1: the phase), total loss, each term, each
/// unknown coefficient, then per-output relative L2 and the max abs error
/// (NaN without a reference).
pub fn history_row(r: &PinnRecord) -> Vec<f64> {
    let mut row = vec![
        r.step as f64,
        r.seconds,
        f64::from(u8::from(r.phase == Phase::QuasiNewton)),
        r.total,
        r.validation,
    ];
    row.extend(&r.losses);
    row.extend(&r.measure.unknowns);
    if let Some(e) = &r.measure.errors {
        row.extend(&e.rel_l2);
        row.push(e.max_abs);
    }
    row
}

fn history_header(problem: &Problem, names: &[String], with_errors: bool) -> Vec<String> {
    let mut h: Vec<String> = ["step", "seconds", "quasi_newton", "loss", "val_loss"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(names.iter().map(|n| format!("loss_{n}")));
    h.extend(problem.pde.unknowns.iter().map(|u| u.name.clone()));
    if with_errors {
        h.extend(problem.pde.outputs.iter().map(|o| format!("rel_l2_{o}")));
        h.push("max_abs_err".into());
    }
    h
}

/// Marks a folder as made by `pinn solve` (written first), so that
/// `--force` empties only run folders, never a folder of the user's files.
pub const RUN_MARKER: &str = ".pinn-run";

/// Written last: a run folder without it is one whose run was killed.
pub const COMPLETION_MARKER: &str = "metrics.json";

impl RunFolder {
    /// Creates the folder and writes what defines the run: the equation file
    /// (naming the folder's own copies of its data files) and the resolved
    /// configuration, so `pinn solve DIR/problem.toml --config
    /// DIR/config.toml` repeats it wherever the original files are.
    ///
    /// An existing folder must be empty, or a run folder and `force` set (it
    /// is emptied first); anything else is refused, so a run never replaces
    /// files it did not write.
    pub fn create(
        dir: &Path,
        problem: &Problem,
        config: &RunConfig,
        force: bool,
    ) -> Result<Self, SolveError> {
        prepare_dir(dir, force)?;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ReportError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        write_bytes_atomic(dir.join(RUN_MARKER), b"a run folder of pinn solve\n")?;
        let config_text = toml::to_string(config).unwrap_or_default();
        write_bytes_atomic(dir.join("config.toml"), config_text.as_bytes())?;
        write_bytes_atomic(
            dir.join("problem.toml"),
            problem.text_with_copies().as_bytes(),
        )?;
        for file in &problem.named_files {
            let path = dir.join(file.role.copy_path());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            match file.role {
                FileRole::Observations => {
                    if let Some(o) = &problem.observations {
                        let (header, rows) = o.table(&problem.pde.inputs, &problem.pde.outputs);
                        write_table_csv(&path, &header, &rows)?;
                    }
                }
                FileRole::Reference => {
                    if let Some(Reference::Csv { path: source }) = &problem.evaluation.reference {
                        let bytes = std::fs::read(source).map_err(io(source))?;
                        write_bytes_atomic(&path, &bytes)?;
                    }
                }
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// The folder of a run made earlier (to finish a resumed run in it).
    pub fn open(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    pub fn history_log(&self, problem: &Problem, names: &[String]) -> HistoryLog {
        HistoryLog {
            path: self.dir.join("history.csv"),
            // Error columns only where there is a reference to measure them.
            header: history_header(problem, names, problem.evaluation.reference.is_some()),
            rows: Vec::new(),
        }
    }

    /// Every result of a training run: history, solution, model, metrics, pictures.
    pub fn write_results(&self, problem: &Problem, trained: &Trained) -> Result<(), ReportError> {
        let (eval, pred, outcome) = (&trained.eval, &trained.prediction, &trained.outcome);
        let names = &trained.names;
        let with_errors = eval.reference.is_some();
        let rows: Vec<Vec<f64>> = outcome.history.iter().map(history_row).collect();
        write_table_csv(
            self.dir.join("history.csv"),
            &history_header(problem, names, with_errors),
            &rows,
        )?;
        let columns: Vec<OutputColumns> = problem
            .pde
            .outputs
            .iter()
            .enumerate()
            .map(|(j, name)| OutputColumns {
                name: name.clone(),
                pred: pred[j].clone(),
                reference: eval.reference.as_ref().map(|r| r[j].clone()),
            })
            .collect();
        write_solution_csv(
            self.dir.join("solution.csv"),
            &problem.pde.inputs,
            &eval.points,
            &columns,
        )?;
        let saved = trained.net.save();
        let model = serde_json::to_value(&saved).unwrap_or_default();
        write_json(self.dir.join("model.json"), &model)?;
        super::unknowns::picture(self.dir.join("unknowns.png"), problem, &outcome.history)?;
        self.pictures(problem, eval, pred, outcome, names)?;
        let predict_at = |points: &[Vec<f64>]| {
            let mut values = trained.net.predict(points);
            super::mask_outside(problem, points, &mut values);
            values
        };
        self.field_pictures(problem, eval, pred, &predict_at)?;
        // Last: its presence tells a finished run from a killed one.
        write_json(
            self.dir.join(COMPLETION_MARKER),
            &metrics(problem, &saved, trained),
        )
    }

    /// Heatmaps and slices per output on a plane of the solution, speed and
    /// arrows of a declared velocity, and a scattered reference's points.
    fn field_pictures(
        &self,
        problem: &Problem,
        eval: &EvaluationPoints,
        pred: &[Vec<f64>],
        predict: planes::Predict,
    ) -> Result<(), ReportError> {
        if !detect_grid(&eval.points, problem.pde.inputs.len()).is_tensor_grid {
            let path = self.dir.join("reference_points.png");
            planes::scattered_comparison(&path, problem, eval, pred, predict)?;
        }
        let Some(plane) = planes::plane(problem, eval, pred, predict) else {
            return Ok(());
        };
        for (j, out) in problem.pde.outputs.iter().enumerate() {
            let reference = plane.reference.as_ref().map(|r| r[j].as_slice());
            self.output_pictures(problem, &plane, out, &plane.pred[j], reference)?;
        }
        match problem.evaluation.velocity {
            Some(velocity) => self.speed_picture(problem, &plane, velocity),
            None => Ok(()),
        }
    }

    /// Speed |(u, v)| with arrows: prediction, reference and the magnitude
    /// of the velocity error.
    fn speed_picture(
        &self,
        problem: &Problem,
        plane: &planes::Plane,
        (iu, iv): (usize, usize),
    ) -> Result<(), ReportError> {
        let speed = |f: &[Vec<f64>]| -> Vec<f64> {
            f[iu].iter().zip(&f[iv]).map(|(a, b)| a.hypot(*b)).collect()
        };
        let pred_speed = speed(&plane.pred);
        let mut panels =
            vec![Panel::field("prediction", &pred_speed)
                .with_arrows(&plane.pred[iu], &plane.pred[iv])];
        let (ref_speed, error);
        if let Some(r) = &plane.reference {
            ref_speed = speed(r);
            let du: Vec<Vec<f64>> = [iu, iv]
                .iter()
                .map(|&j| {
                    plane.pred[j]
                        .iter()
                        .zip(&r[j])
                        .map(|(a, b)| a - b)
                        .collect()
                })
                .collect();
            error = du[0]
                .iter()
                .zip(&du[1])
                .map(|(a, b)| a.hypot(*b))
                .collect::<Vec<f64>>();
            panels.push(Panel::field("reference", &ref_speed).with_arrows(&r[iu], &r[iv]));
            panels.push(Panel::error("|velocity error|", &error));
        }
        let panels: Vec<Panel> = panels
            .into_iter()
            .map(|p| p.with_outline(&plane.outline))
            .collect();
        let (u, v) = (&problem.pde.outputs[iu], &problem.pde.outputs[iv]);
        heatmaps(
            self.dir.join("speed.png"),
            &format!("{}: speed |({u}, {v})|{}", problem.name, plane.label),
            (&plane.x.0, &plane.x.1),
            (&plane.y.0, &plane.y.1),
            &panels,
        )
    }

    fn pictures(
        &self,
        problem: &Problem,
        eval: &EvaluationPoints,
        pred: &[Vec<f64>],
        outcome: &Outcome<Snapshot>,
        names: &[String],
    ) -> Result<(), ReportError> {
        let steps: Vec<f64> = outcome.history.iter().map(|r| r.step as f64).collect();
        let mut series: Vec<(String, Vec<f64>)> = vec![(
            "loss".into(),
            outcome.history.iter().map(|r| r.total).collect(),
        )];
        series.push((
            "held-out loss".into(),
            outcome.history.iter().map(|r| r.validation).collect(),
        ));
        for (k, n) in names.iter().enumerate() {
            series.push((
                format!("loss {n}"),
                outcome.history.iter().map(|r| r.losses[k]).collect(),
            ));
        }
        for (j, o) in problem.pde.outputs.iter().enumerate() {
            let rel: Vec<f64> = outcome
                .history
                .iter()
                .map(|r| r.measure.errors.as_ref().map_or(f64::NAN, |e| e.rel_l2[j]))
                .collect();
            if rel.iter().any(|v| v.is_finite()) {
                series.push((format!("rel L2 {o}"), rel));
            }
        }
        let series_ref: Vec<(&str, &[f64])> = series
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_slice()))
            .collect();
        curves(
            self.dir.join("history.png"),
            &format!("{}: training history", problem.title),
            ("step", &steps),
            "loss / error",
            &series_ref,
            true,
        )?;

        let grid = detect_grid(&eval.points, problem.pde.inputs.len());
        if !grid.is_tensor_grid || problem.pde.inputs.len() != 1 {
            return Ok(());
        }
        for (j, out) in problem.pde.outputs.iter().enumerate() {
            let reference = eval.reference.as_ref().map(|r| r[j].as_slice());
            line_1d(
                self.dir.join(format!("{out}.png")),
                &format!("{}: {out}", problem.title),
                (&problem.pde.inputs[0], &grid.axes[0]),
                out,
                &pred[j],
                reference,
            )?;
        }
        Ok(())
    }

    /// Heatmaps (prediction, reference, error) and slices of one output.
    fn output_pictures(
        &self,
        problem: &Problem,
        plane: &planes::Plane,
        out: &str,
        pred: &[f64],
        reference: Option<&[f64]>,
    ) -> Result<(), ReportError> {
        let (xs, ys) = (&plane.x.1, &plane.y.1);
        let (xn, yn) = (plane.x.0.as_str(), plane.y.0.as_str());
        let mut panels = vec![Panel::field("prediction", pred)];
        let err: Vec<f64>;
        if let Some(r) = reference {
            err = pred.iter().zip(r).map(|(p, r)| (p - r).abs()).collect();
            panels.push(Panel::field("reference", r));
            panels.push(Panel::error("|error|", &err));
        }
        let panels: Vec<Panel> = panels
            .into_iter()
            .map(|p| p.with_outline(&plane.outline))
            .collect();
        heatmaps(
            self.dir.join(format!("{out}.png")),
            &format!("{}: {out}{}", problem.title, plane.label),
            (xn, xs),
            (yn, ys),
            &panels,
        )?;
        // Slices at a quarter, half and three quarters of the first input's range.
        let ny = ys.len();
        let picks: Vec<usize> = [0.25, 0.5, 0.75]
            .iter()
            .map(|f| {
                let target = xs[0] + f * (xs[xs.len() - 1] - xs[0]);
                (0..xs.len())
                    .min_by(|&a, &b| (xs[a] - target).abs().total_cmp(&(xs[b] - target).abs()))
                    .unwrap_or(0)
            })
            .collect();
        let at: Vec<f64> = picks.iter().map(|&i| xs[i]).collect();
        let cut = |v: &[f64]| {
            picks
                .iter()
                .map(|&i| v[i * ny..(i + 1) * ny].to_vec())
                .collect::<Vec<_>>()
        };
        let ref_slices = reference.map(cut);
        slices(
            self.dir.join(format!("{out}_slices.png")),
            &format!("{}: {out} at fixed {xn}{}", problem.title, plane.label),
            (xn, &at),
            (yn, ys),
            out,
            &cut(pred),
            ref_slices.as_deref(),
        )
    }
}

fn metrics(problem: &Problem, net: &SavedNet, trained: &Trained) -> serde_json::Value {
    let (outcome, summary) = (&trained.outcome, &trained.summary);
    let last = outcome.history.last();
    let mut m = serde_json::json!({
        "problem": problem.name,
        "source": problem.source,
        "wall_seconds": summary.wall_seconds,
        "train_seconds": outcome.seconds,
        "steps": summary.adam_steps + summary.quasi_newton_iters,
        "adam_steps": summary.adam_steps,
        "quasi_newton_iters": summary.quasi_newton_iters,
        "quasi_newton_evaluations": outcome.evaluations(Phase::QuasiNewton),
        "quasi_newton": summary.quasi_newton,
        "stopped_by": outcome.stop.reason,
        "kept_step": outcome.kept_step,
        "network": net.config.kind,
        "omega": net.config.omega,
        "precision": net.config.precision,
        "n_params": trained.net.n_params(),
        "final_loss": last.map(|r| r.total),
    });
    if let Some(detail) = &outcome.stop.detail {
        m["stop_detail"] = serde_json::json!(detail);
    }
    if let Some(step) = summary.f64_from_step {
        m["f64_from_step"] = serde_json::json!(step);
    }
    if let Some(e) = &summary.errors {
        // An output whose reference is zero has no relative error: its RMS
        // error goes under its own name. NaN (undefined) is written as null.
        let by_output = |relative: bool| -> serde_json::Value {
            let map: serde_json::Map<String, serde_json::Value> = problem
                .pde
                .outputs
                .iter()
                .enumerate()
                .filter(|&(j, _)| e.zero_reference[j] != relative)
                .map(|(j, o)| {
                    let v = if relative { e.rel_l2[j] } else { e.rms[j] };
                    (o.clone(), finite_or_null(v))
                })
                .collect();
            serde_json::Value::Object(map)
        };
        m["rel_l2"] = by_output(true);
        if e.zero_reference.iter().any(|&z| z) {
            m["rms_err_zero_reference"] = by_output(false);
        }
        m["max_abs_err"] = finite_or_null(e.max_abs);
    }
    super::unknowns::metrics(problem, &summary.unknowns, &mut m);
    if let Some(choice) = &summary.omega_choice {
        m["omega_rule"] = serde_json::to_value(choice).unwrap_or_default();
    }
    if !summary.choices.is_empty() {
        m["chosen"] = serde_json::json!(summary.choices);
    }
    if !summary.quantities.is_empty() {
        let map: serde_json::Map<String, serde_json::Value> = summary
            .quantities
            .iter()
            .map(|q| {
                let entry = serde_json::json!({
                    "value": finite_or_null(q.value),
                    "reference": q.reference,
                    "relative_error": q.relative_error().map(finite_or_null),
                });
                (q.name.clone(), entry)
            })
            .collect();
        m["quantities"] = serde_json::Value::Object(map);
    }
    if let Some(hard) = &problem.pde.hard {
        let formulas: Vec<String> = (0..problem.pde.outputs.len())
            .filter_map(|j| hard.formula(j))
            .collect();
        m["hard_constraints"] = serde_json::json!(formulas);
    }
    m
}

/// A number for JSON: null when it is NaN or infinite (JSON has neither).
fn finite_or_null(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::Value::Null
    }
}

/// Makes sure `dir` may be written: missing, empty, or (with `force`) a run
/// folder, which is then emptied.
fn prepare_dir(dir: &Path, force: bool) -> Result<(), SolveError> {
    let entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(list) => list.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) if dir.exists() && !dir.is_dir() => {
            return Err(SolveError::Invalid(format!(
                "--out {}: not a folder ({e})",
                dir.display()
            )))
        }
        Err(source) => {
            return Err(ReportError::Io {
                path: dir.to_path_buf(),
                source,
            }
            .into())
        }
    };
    if entries.is_empty() {
        return Ok(());
    }
    let is_run = dir.join(RUN_MARKER).is_file();
    if !is_run {
        return Err(SolveError::Invalid(format!(
            "--out {}: the folder holds files that are not a run of pinn solve; \
             choose a new or empty folder",
            dir.display()
        )));
    }
    if !force {
        return Err(SolveError::Invalid(format!(
            "--out {}: holds an earlier run; use --force to replace it (the folder is emptied first)",
            dir.display()
        )));
    }
    for path in entries {
        // A link is removed, never followed: what it points to is not ours.
        let removed = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        removed.map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}
