//! `pinn fit`: loading signals (and their errors), the split and PSNR, the
//! value-only gradient, a short fit, and the command line's run folders.

use crate::common::{pinn, sample_points, small_net};
use pinn::config::{NetKind, Precision};
use pinn::fit::signal::write_png;
use pinn::fit::{
    fit, psnr, Colour, FitConfig, FitOptions, LoadOptions, Signal, SignalError, SignalKind, Split,
};
use pinn::jet::{mse_and_gradient, Batch, Targets};
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn csv_error(text: &str, options: &LoadOptions) -> SignalError {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.csv", text);
    Signal::load(&path, options).expect_err("the file is invalid")
}

/// sin(2π·3t) on 201 samples of t ∈ [0, 1], as a CSV-like signal.
fn sine_signal() -> Signal {
    let t: Vec<f64> = (0..201).map(|i| i as f64 / 200.0).collect();
    let u = t
        .iter()
        .map(|t| (2.0 * std::f64::consts::PI * 3.0 * t).sin())
        .collect();
    Signal {
        name: "sine".into(),
        kind: SignalKind::Table {
            column: "u".into(),
            time_column: Some("t".into()),
        },
        axis_names: vec!["t".into()],
        axes: vec![t],
        channel_names: vec!["u".into()],
        channels: vec![u],
    }
}

#[test]
fn the_split_trains_on_even_indices_along_every_axis() {
    let s = Split::every_other(&[5]);
    assert_eq!((s.train, s.heldout), (vec![0, 2, 4], vec![1, 3]));
    let s = Split::every_other(&[4, 4]);
    assert_eq!(s.train, vec![0, 2, 8, 10]);
    assert_eq!(s.heldout.len(), 12);
}

#[test]
fn psnr_of_a_known_error() {
    // Peak-to-peak 1, every prediction 0.1 off: RMSE 0.1, PSNR 20 dB.
    let truth = vec![vec![0.0, 1.0, 0.5, 0.25]];
    let pred = vec![vec![0.1, 0.9, 0.6, 0.15]];
    let p = psnr(&truth, &pred, &[0, 1, 2, 3], 1.0);
    assert!((p - 20.0).abs() < 1e-9, "{p}");
    // Half the error: +6.02 dB.
    let pred = vec![vec![0.05, 0.95, 0.55, 0.2]];
    let p = psnr(&truth, &pred, &[0, 1, 2, 3], 1.0);
    assert!((p - 26.0206).abs() < 1e-3, "{p}");
    assert!(psnr(&truth, &truth, &[0], 1.0).is_infinite());
}

#[test]
fn the_value_gradient_matches_finite_differences() {
    let mut net = small_net(NetKind::SimpleSine, 2.0, 3);
    let points = sample_points();
    let batch = Batch::new(&net, &points);
    let targets = Targets::new(
        &net,
        &[vec![0.3, -0.2, 0.5, 0.1], vec![1.0, 0.0, -1.0, 0.4]],
    );
    let (_, grad) = mse_and_gradient(&net, &batch, &targets);
    assert!(
        grad.iter().all(|g| *g != 0.0),
        "a parameter got no gradient"
    );
    let params = net.flat_params();
    let h = 1e-6;
    for k in (0..params.len()).step_by(17) {
        let mut loss_at = |v: f64| {
            let mut p = params.clone();
            p[k] = v;
            net.set_flat_params(&p);
            mse_and_gradient(&net, &batch, &targets).0
        };
        let fd = (loss_at(params[k] + h) - loss_at(params[k] - h)) / (2.0 * h);
        assert!(
            (fd - grad[k]).abs() < 1e-6 * (1.0 + fd.abs()),
            "parameter {k}: finite difference {fd}, gradient {}",
            grad[k]
        );
    }
}

#[test]
fn a_short_fit_reproduces_a_sine_between_its_samples() {
    let signal = sine_signal();
    let mut config = FitConfig::default();
    config.network.width = 32;
    config.network.depth = 2;
    config.network.omega = pinn::config::Omega::Value(5.0);
    config.network.precision = Precision::F64;
    config.train.steps = 400;
    config.train.eval_every = 100;
    let split = Split::every_other(&signal.shape());
    let fitted = fit(&signal, &split, &config, &FitOptions::default());
    assert!(fitted.psnr_heldout > 40.0, "{fitted:?}");
    assert_eq!(fitted.history.last().map(|r| r.step), Some(400));
    assert_eq!(fitted.prediction[0].len(), 201);
}

#[test]
fn grey_and_rgb_pictures_round_trip_through_png() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (5, 3);
    // Values on the 8-bit grid, so writing and reading back is exact.
    let level = |k: usize| 2.0 * ((k * 37) % 256) as f64 / 255.0 - 1.0;
    for channels in [1, 3] {
        let planes: Vec<Vec<f64>> = (0..channels)
            .map(|c| (0..w * h).map(|i| level(i + 7 * c)).collect())
            .collect();
        let path = dir.path().join(format!("p{channels}.png"));
        write_png(&path, w, h, &planes).unwrap();
        let s = Signal::load(&path, &LoadOptions::default()).unwrap();
        let colour = if channels == 1 {
            Colour::Grey
        } else {
            Colour::Rgb
        };
        assert_eq!(s.kind, SignalKind::Picture { colour });
        assert_eq!(s.shape(), vec![w, h]);
        for (got, want) in s.channels.iter().zip(&planes) {
            for (g, v) in got.iter().zip(want) {
                assert!((g - v).abs() < 1e-6, "{g} vs {v}");
            }
        }
    }
}

#[test]
fn a_picture_loads_upright_with_y_up() {
    // 2 × 2: top-left red, everything else black.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tl.png");
    let mut img = image::RgbImage::new(2, 2);
    img.put_pixel(0, 0, image::Rgb([255, 0, 0]));
    img.save(&path).unwrap();
    let s = Signal::load(&path, &LoadOptions::default()).unwrap();
    // Sample (x = 0, y = 1) is the top-left pixel: index x·height + y = 1.
    assert_eq!(s.point(1), vec![0.0, 1.0]);
    assert_eq!(s.channels[0][1], 1.0);
    assert_eq!(s.channels[1][1], -1.0);
    assert_eq!(s.channels[0][0], -1.0);
}

fn write_wav(path: &Path, spec: hound::WavSpec, frames: usize, sample: impl Fn(usize) -> i32) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..frames * usize::from(spec.channels) {
        w.write_sample(sample(i)).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn wav_first_channel_scaled_with_time_in_seconds_and_a_segment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stereo.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 1000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    // Left: frame number × 10; right: its negative.
    write_wav(&path, spec, 2000, |i| {
        let v = (i / 2) as i32 * 10;
        if i % 2 == 0 {
            v
        } else {
            -v
        }
    });
    let s = Signal::load(&path, &LoadOptions::default()).unwrap();
    assert_eq!(s.kind, SignalKind::Audio { sample_rate: 1000 });
    assert_eq!(s.len(), 2000);
    assert_eq!(s.channels[0][3], 30.0 / 32768.0);
    assert_eq!(s.axes[0][3], 0.003);
    let segment = LoadOptions {
        start: Some(0.5),
        duration: Some(0.25),
        ..LoadOptions::default()
    };
    let s = Signal::load(&path, &segment).unwrap();
    assert_eq!(s.len(), 250);
    assert_eq!(s.axes[0][0], 0.5);
    assert_eq!(s.channels[0][0], 5000.0 / 32768.0);
    let past_end = LoadOptions {
        start: Some(3.0),
        ..LoadOptions::default()
    };
    let err = Signal::load(&path, &past_end).unwrap_err().to_string();
    assert!(
        err.contains("--start 3") && err.contains("stereo.wav"),
        "{err}"
    );
}

#[test]
fn wav_round_trips_through_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mono.wav");
    let samples: Vec<f64> = (0..300)
        .map(|i| ((i * 997) % 65536) as f64 / 32768.0 - 1.0)
        .collect();
    pinn::fit::signal::write_wav(&path, 8000, &samples).unwrap();
    let s = Signal::load(&path, &LoadOptions::default()).unwrap();
    assert_eq!(s.channels[0], samples);
    assert_eq!(s.axes[0][1], 1.0 / 8000.0);
}

#[test]
fn csv_column_with_a_time_column_or_unit_spacing() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "s.csv",
        "t, u, v\n0.0, 1, 5\n0.5, 2, 6\n1.0, 3, 7\n",
    );
    let timed = LoadOptions {
        column: Some("v".into()),
        time_column: Some("t".into()),
        ..LoadOptions::default()
    };
    let s = Signal::load(&path, &timed).unwrap();
    assert_eq!(s.axes[0], vec![0.0, 0.5, 1.0]);
    assert_eq!(s.channels[0], vec![5.0, 6.0, 7.0]);
    let single = write(dir.path(), "one.csv", "u\n4\n5\n");
    let s = Signal::load(&single, &LoadOptions::default()).unwrap();
    assert_eq!(s.axes[0], vec![0.0, 1.0]);
    assert_eq!(s.axis_names[0], "row");
}

#[test]
fn a_non_numeric_cell_is_reported_with_line_and_column() {
    let options = LoadOptions {
        column: Some("u".into()),
        ..LoadOptions::default()
    };
    let err = csv_error("t,u\n0,1\n1,abc\n", &options).to_string();
    assert!(
        err.contains("line 3") && err.contains("column `u`") && err.contains("`abc`"),
        "{err}"
    );
    let err = csv_error("t,u\n0,\n", &options).to_string();
    assert!(
        err.contains("line 2") && err.contains("empty cell"),
        "{err}"
    );
}

#[test]
fn csv_structure_errors_name_the_file_and_the_problem() {
    let pick_v = LoadOptions {
        column: Some("v".into()),
        ..LoadOptions::default()
    };
    let err = csv_error("t,u\n0,1\n", &pick_v).to_string();
    assert!(
        err.contains("no column `v`") && err.contains("t, u"),
        "{err}"
    );
    let err = csv_error("t,u\n", &LoadOptions::default()).to_string();
    assert!(err.contains("--column"), "{err}");
    let err = csv_error("u\n", &LoadOptions::default()).to_string();
    assert!(err.contains("no data rows"), "{err}");
    let err = csv_error("u\n1\n2,3\n", &LoadOptions::default()).to_string();
    assert!(err.contains("s.csv") && err.contains("line 3"), "{err}");
    let timed = LoadOptions {
        time_column: Some("t".into()),
        ..LoadOptions::default()
    };
    let err = csv_error("t,u\n1,1\n0,2\n", &timed).to_string();
    assert!(err.contains("strictly increasing"), "{err}");
}

#[test]
fn missing_files_unknown_formats_and_misplaced_options_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.wav");
    let err = Signal::load(&missing, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, SignalError::Io { .. }), "{err}");
    assert!(err.to_string().contains("nope.wav"), "{err}");
    let txt = write(dir.path(), "s.txt", "1\n");
    let err = Signal::load(&txt, &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("`.txt`"), "{err}");
    let csv = write(dir.path(), "s.csv", "u\n1\n2\n");
    let start = LoadOptions {
        start: Some(1.0),
        ..LoadOptions::default()
    };
    let err = Signal::load(&csv, &start).unwrap_err().to_string();
    assert!(err.contains("--start") && err.contains("CSV"), "{err}");
    let fake_png = write(dir.path(), "fake.png", "not a picture");
    let err = Signal::load(&fake_png, &LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("fake.png"), "{err}");
}

fn sine_csv(dir: &Path, n: usize) -> PathBuf {
    let mut text = String::from("t,u\n");
    for i in 0..n {
        let t = i as f64 / (n - 1) as f64;
        text.push_str(&format!("{t},{}\n", (6.0 * t).sin()));
    }
    write(dir, "sine.csv", &text)
}

#[test]
fn the_cli_writes_a_run_folder_for_a_csv_signal() {
    let dir = tempfile::tempdir().unwrap();
    let csv = sine_csv(dir.path(), 101);
    let out = dir.path().join("run");
    let args = [
        "fit",
        csv.to_str().unwrap(),
        "--column",
        "u",
        "--time-column",
        "t",
        "--omega",
        "3",
        "--width",
        "16",
        "--steps",
        "60",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    let (code, stdout, stderr) = pinn(&args);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("PSNR train") && stdout.contains("held-out"),
        "{stdout}"
    );
    for f in [
        "config.toml",
        "history.csv",
        "history.png",
        "metrics.json",
        "model.json",
        "reconstruction.csv",
        "fit.png",
        "error.png",
        "window.png",
    ] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let history = std::fs::read_to_string(out.join("history.csv")).unwrap();
    assert!(history.starts_with("step,seconds,loss,psnr_train,psnr_heldout\n"));
    let config = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(
        config.contains("column = \"u\"") && config.contains("omega = 3.0"),
        "{config}"
    );
}

/// `pinn fit FILE --compare` with tiny networks and five steps each.
fn compare_briefly(file: &Path, omega: &str, out: &Path) -> (i32, String, String) {
    let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
    let args = [
        "--compare",
        "--omega",
        omega,
        "--width",
        "8",
        "--steps",
        "5",
    ];
    let mut all = vec!["fit", file, "--out", out, "-q"];
    all.extend(args);
    pinn(&all)
}

#[test]
fn the_cli_compares_five_networks_on_a_picture() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("p.png");
    let grey: Vec<f64> = (0..64).map(|i| (i % 8) as f64 / 4.0 - 1.0).collect();
    write_png(&png, 8, 8, &[grey]).unwrap();
    let out = dir.path().join("cmp");
    let (code, stdout, stderr) = compare_briefly(&png, "4", &out);
    assert_eq!(code, 0, "{stderr}");
    let table = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows[0], "net,omega,psnr_train,psnr_heldout,seconds");
    let nets: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r.split(',').next().unwrap())
        .collect();
    assert_eq!(
        nets,
        [
            "simple-sine",
            "simple-sine-low",
            "simple-sine-high",
            "siren",
            "tanh"
        ]
    );
    assert!(rows[2].starts_with("simple-sine-low,0.4,") && rows[4].starts_with("siren,30,"));
    assert!(out.join("compare.png").is_file() && out.join("tanh/reconstruction.png").is_file());
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
}

#[test]
fn the_cli_compares_on_audio_with_zoomed_windows() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("a.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 400,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    write_wav(&wav, spec, 400, |i| {
        ((i as f64 * 0.3).sin() * 8000.0) as i32
    });
    let out = dir.path().join("cmp");
    let (code, _, stderr) = compare_briefly(&wav, "30", &out);
    assert_eq!(code, 0, "{stderr}");
    assert!(out.join("compare.png").is_file());
    assert!(out.join("simple-sine/reconstruction.wav").is_file());
}

#[test]
fn the_cli_picks_omega_by_the_rule_unless_given_and_reports_bad_cells() {
    let dir = tempfile::tempdir().unwrap();
    let csv = sine_csv(dir.path(), 11);
    let out = dir.path().join("auto");
    let (code, stdout, err) = pinn(&[
        "fit",
        csv.to_str().unwrap(),
        "--column",
        "u",
        "--steps",
        "20",
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("auto: 2π·f_max/κ"), "{stdout}");
    let (code, _, err) = pinn(&["fit", csv.to_str().unwrap(), "--omega", "fast", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("'auto'"), "{err}");
    let bad = write(dir.path(), "bad.csv", "u\n1\nx\n");
    let (code, _, err) = pinn(&["fit", bad.to_str().unwrap(), "--omega", "1", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("line 3") && !err.contains("panicked"), "{err}");
}
