//! Report output: CSV/JSON writers, atomic writes, PNG pictures, errors.

use pinn::report::{
    chart_grid, curves, heatmaps, line_1d, slices, write_atomic, write_cells_csv, write_json,
    write_solution_csv, write_table_csv, Cell, Chart, OutputColumns, Panel, ReportError, Series,
    SeriesStyle,
};
use std::path::{Path, PathBuf};

/// A fresh, empty folder per test (tests run in parallel).
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pinn-report-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn missing_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "pinn-report-missing-{}/no/such/dir",
        std::process::id()
    ))
}

// ---- CSV -----------------------------------------------------------------

#[test]
fn solution_csv_header_and_rows_with_reference() {
    let dir = temp_dir("sol");
    let path = dir.join("solution.csv");
    let points = vec![vec![0.0, -1.0], vec![0.5, 0.25]];
    let outputs = [OutputColumns {
        name: "u".into(),
        pred: vec![1.5, -0.125],
        reference: Some(vec![1.0, -0.25]),
    }];
    write_solution_csv(&path, &names(&["t", "x"]), &points, &outputs).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    // err = pred − ref; all values exact in binary, so exact text.
    assert_eq!(
        text,
        "t,x,u,u_ref,u_err\n0,-1,1.5,1,0.5\n0.5,0.25,-0.125,-0.25,0.125\n"
    );
    assert_eq!(files_in(&dir), vec!["solution.csv"]);
}

#[test]
fn solution_csv_without_reference_omits_ref_and_err() {
    let dir = temp_dir("sol-noref");
    let path = dir.join("s.csv");
    let outputs = [
        OutputColumns {
            name: "u".into(),
            pred: vec![2.0],
            reference: None,
        },
        OutputColumns {
            name: "p".into(),
            pred: vec![3.0],
            reference: Some(vec![3.5]),
        },
    ];
    write_solution_csv(&path, &names(&["x"]), &[vec![0.75]], &outputs).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, "x,u,p,p_ref,p_err\n0.75,2,3,3.5,-0.5\n");
}

#[test]
fn solution_csv_rejects_mismatched_lengths() {
    let dir = temp_dir("sol-bad");
    let path = dir.join("s.csv");
    let outputs = [OutputColumns {
        name: "u".into(),
        pred: vec![1.0],
        reference: None,
    }];
    let err =
        write_solution_csv(&path, &names(&["x"]), &[vec![0.0], vec![1.0]], &outputs).unwrap_err();
    assert!(matches!(err, ReportError::Shape { .. }), "{err}");
    let err = write_solution_csv(&path, &names(&["t", "x"]), &[vec![0.0]], &[]).unwrap_err();
    assert!(matches!(err, ReportError::Shape { .. }), "{err}");
    assert!(files_in(&dir).is_empty());
}

#[test]
fn table_csv_round_trips_full_precision() {
    let dir = temp_dir("table");
    let path = dir.join("history.csv");
    let values = [
        0.1 + 0.2,
        1e-20,
        -3.0e300,
        std::f64::consts::PI,
        f64::NAN,
        12345.678,
    ];
    let rows = vec![values.to_vec()];
    let header = names(&["a", "b", "c", "d", "e", "weird,name"]);
    write_table_csv(&path, &header, &rows).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "a,b,c,d,e,\"weird,name\"");
    let row = lines.next().unwrap();
    // Small and huge magnitudes use exponent form, never 20 zeros.
    assert_eq!(
        row,
        "0.30000000000000004,1e-20,-3e300,3.141592653589793,NaN,12345.678"
    );
    let parsed: Vec<f64> = row.split(',').map(|c| c.parse().unwrap()).collect();
    for (p, v) in parsed.iter().zip(values) {
        assert!(p.to_bits() == v.to_bits() || (p.is_nan() && v.is_nan()));
    }
    let err = write_table_csv(&path, &header, &[vec![1.0]]).unwrap_err();
    assert!(matches!(err, ReportError::Shape { .. }));
}

/// The bytes every CSV writer produced before it moved onto the csv crate
/// (recorded from the hand-written writer): quoting only where a cell needs
/// it, `\n` line ends, shortest round-trip numbers, exponents outside
/// [1e-5, 1e16).
#[test]
fn csv_writers_keep_their_bytes() {
    let dir = temp_dir("bytes");
    let table = dir.join("table.csv");
    let header = names(&[
        "x",
        "a,b",
        "say \"hi\"",
        "line\nbreak",
        "cr\rhere",
        " spaced ",
    ]);
    let rows = vec![
        vec![
            1e-300,
            0.1,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ],
        vec![1e16, 9999999999999998.0, 1e-5, 9.99e-6, 0.0, -1.5e300],
    ];
    write_table_csv(&table, &header, &rows).unwrap();
    assert_eq!(
        std::fs::read_to_string(&table).unwrap(),
        "x,\"a,b\",\"say \"\"hi\"\"\",\"line\nbreak\",\"cr\rhere\", spaced \n\
         1e-300,0.1,-0,NaN,inf,-inf\n\
         1e16,9999999999999998,0.00001,9.99e-6,0,-1.5e300\n"
    );

    let cells = dir.join("cells.csv");
    let rows = vec![
        vec![
            Cell::Text("tab\there".into()),
            Cell::Number(0.1 + 0.2),
            Cell::Text(String::new()),
        ],
        vec![
            Cell::Text("#hash".into()),
            Cell::Number(f64::MIN_POSITIVE),
            Cell::Text("ünï, ok".into()),
        ],
        vec![
            Cell::Text(String::new()),
            Cell::Number(-0.0),
            Cell::Text("\"".into()),
        ],
    ];
    write_cells_csv(&cells, &names(&["name", "value", "note"]), &rows).unwrap();
    assert_eq!(
        std::fs::read_to_string(&cells).unwrap(),
        "name,value,note\n\
         tab\there,0.30000000000000004,\n\
         #hash,2.2250738585072014e-308,\"ünï, ok\"\n\
         ,-0,\"\"\"\"\n"
    );

    let solution = dir.join("solution.csv");
    let outputs = [
        OutputColumns {
            name: "u".into(),
            pred: vec![0.1, 2.0],
            reference: Some(vec![0.2, f64::NAN]),
        },
        OutputColumns {
            name: "p\"q".into(),
            pred: vec![1.0, -0.0],
            reference: None,
        },
    ];
    let points = vec![vec![0.0, -1e-7], vec![1e20, 0.5]];
    write_solution_csv(&solution, &names(&["t", "x,y"]), &points, &outputs).unwrap();
    assert_eq!(
        std::fs::read_to_string(&solution).unwrap(),
        "t,\"x,y\",u,u_ref,u_err,\"p\"\"q\"\n\
         0,-1e-7,0.1,0.2,-0.1,1\n\
         1e20,0.5,2,NaN,NaN,-0\n"
    );
}

/// A line with no text (one empty header name) is written `""`, which CSV
/// readers keep as a record; a bare blank line they would skip.
#[test]
fn csv_writers_keep_a_lone_empty_cell() {
    let dir = temp_dir("lone-empty");
    let path = dir.join("t.csv");
    write_table_csv(&path, &names(&[""]), &[vec![1.0]]).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "\"\"\n1\n");
    let rows = vec![vec![Cell::Text(String::new())]];
    write_cells_csv(&path, &names(&["name"]), &rows).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "name\n\"\"\n");
}

// ---- atomic writes and JSON ----------------------------------------------

#[test]
fn write_atomic_replaces_existing_file_and_leaves_no_temp() {
    let dir = temp_dir("atomic");
    let path = dir.join("out.txt");
    std::fs::write(&path, "old contents that are longer").unwrap();
    write_atomic(&path, |w| w.write_all(b"new")).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    assert_eq!(files_in(&dir), vec!["out.txt"]);
}

#[test]
fn write_atomic_failure_keeps_old_file_and_cleans_up() {
    let dir = temp_dir("atomic-fail");
    let path = dir.join("out.txt");
    std::fs::write(&path, "old").unwrap();
    let err = write_atomic(&path, |w| {
        w.write_all(b"partial")?;
        Err(std::io::Error::other("disk on fire"))
    })
    .unwrap_err();
    assert!(err.to_string().contains("out.txt"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(files_in(&dir), vec!["out.txt"]);
}

/// An atomic write's file gets a new file's permissions (the temporary
/// file's would be owner-only), and its errors name the target, not the
/// temporary file.
#[test]
fn write_atomic_keeps_new_file_permissions_and_plain_errors() {
    let dir = temp_dir("atomic-mode");
    let path = dir.join("out.txt");
    write_atomic(&path, |w| w.write_all(b"x")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let plain = dir.join("plain.txt");
        std::fs::write(&plain, "x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&path), mode(&plain));
    }
    let missing = missing_dir().join("a.txt");
    let e = write_atomic(&missing, |w| w.write_all(b"x")).unwrap_err();
    let ReportError::Io { path, source } = &e else {
        panic!("{e}");
    };
    assert_eq!(
        (path, source.kind()),
        (&missing, std::io::ErrorKind::NotFound)
    );
    // The system's message alone (no "at path" naming the temporary file).
    assert!(!source.to_string().contains("a.txt"), "{e}");
    assert_eq!(
        e.to_string(),
        format!("cannot write {}: {source}", missing.display())
    );
}

#[test]
fn write_json_pretty_and_parses_back() {
    let dir = temp_dir("json");
    let path = dir.join("metrics.json");
    let value = serde_json::json!({ "rel_l2": 1.5e-3, "steps": 2000, "name": "burgers" });
    write_json(&path, &value).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\n  \"rel_l2\""), "not pretty: {text}");
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back, value);
}

#[test]
fn unwritable_folder_is_an_error_for_every_writer() {
    let dir = missing_dir();
    let is_io = |e: &ReportError| matches!(e, ReportError::Io { .. });
    let e = write_json(dir.join("a.json"), &serde_json::json!(1)).unwrap_err();
    assert!(is_io(&e) && e.to_string().contains("a.json"), "{e}");
    let e = write_table_csv(dir.join("a.csv"), &names(&["x"]), &[vec![1.0]]).unwrap_err();
    assert!(is_io(&e), "{e}");
    let e = write_atomic(dir.join("a.txt"), |w| w.write_all(b"x")).unwrap_err();
    assert!(is_io(&e), "{e}");
    let x = [0.0, 1.0];
    let e = line_1d(dir.join("a.png"), "t", ("x", &x), "u", &x, None).unwrap_err();
    assert!(
        matches!(e, ReportError::Plot { .. }) && e.to_string().contains("a.png"),
        "{e}"
    );
}

// ---- pictures ------------------------------------------------------------

/// Checks the PNG signature and reads the IHDR size (PNG spec, section 11.2.2:
/// width and height are the big-endian u32s at bytes 16..24).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    // A blank white picture compresses to ~1 KB; drawn ones are far larger.
    assert!(
        bytes.len() > 5_000,
        "{}: only {} bytes",
        path.display(),
        bytes.len()
    );
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

fn burgers_like_grid() -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..20).map(|i| i as f64 / 19.0).collect();
    let x: Vec<f64> = (0..40).map(|i| -1.0 + 2.0 * i as f64 / 39.0).collect();
    let mut pred = Vec::new();
    let mut reference = Vec::new();
    for &ti in &t {
        for &xi in &x {
            let r = -(std::f64::consts::PI * xi).sin() * (-ti).exp();
            reference.push(r);
            pred.push(r + 0.01 * xi * ti);
        }
    }
    (t, x, pred, reference)
}

#[test]
fn heatmaps_png_has_expected_size_and_no_temp_files() {
    let dir = temp_dir("heat");
    let path = dir.join("heat.png");
    let (t, x, pred, reference) = burgers_like_grid();
    let err: Vec<f64> = pred
        .iter()
        .zip(&reference)
        .map(|(p, r)| (p - r).abs())
        .collect();
    let panels = [
        Panel::field("prediction", &pred),
        Panel::field("reference", &reference),
        Panel::error("|error|", &err),
    ];
    heatmaps(&path, "u(t, x)", ("t", &t), ("x", &x), &panels).unwrap();
    // 500 × 450 px per panel (heatmaps' documented layout).
    assert_eq!(png_size(&path), (1500, 450));
    // Replacing an existing picture works the same way.
    heatmaps(&path, "again", ("t", &t), ("x", &x), &panels[..1]).unwrap();
    assert_eq!(png_size(&path), (500, 450));
    assert_eq!(files_in(&dir), vec!["heat.png"]);
}

#[test]
fn heatmaps_reject_bad_shapes_without_writing() {
    let dir = temp_dir("heat-bad");
    let path = dir.join("h.png");
    let (t, x, pred, _) = burgers_like_grid();
    let short = &pred[..10];
    let e = heatmaps(&path, "", ("t", &t), ("x", &x), &[Panel::field("p", short)]).unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
    let rev: Vec<f64> = t.iter().rev().copied().collect();
    let e = heatmaps(
        &path,
        "",
        ("t", &rev),
        ("x", &x),
        &[Panel::field("p", &pred)],
    )
    .unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
    let e = heatmaps(&path, "", ("t", &t), ("x", &x), &[]).unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
    assert!(files_in(&dir).is_empty());
}

#[test]
fn heatmaps_tolerate_constant_and_non_finite_values() {
    let dir = temp_dir("heat-odd");
    let path = dir.join("h.png");
    let (t, x, _, _) = burgers_like_grid();
    let zeros = vec![0.0; t.len() * x.len()];
    let nans = vec![f64::NAN; t.len() * x.len()];
    let panels = [
        Panel::field("all NaN", &nans),
        Panel::error("exact", &zeros),
    ];
    heatmaps(&path, "odd", ("t", &t), ("x", &x), &panels).unwrap();
    assert_eq!(png_size(&path), (1000, 450));
}

#[test]
fn slices_png_has_expected_size() {
    let dir = temp_dir("slices");
    let path = dir.join("slices.png");
    let x: Vec<f64> = (0..101).map(|i| -1.0 + i as f64 / 50.0).collect();
    let ts = [0.25, 0.5, 0.75];
    let reference: Vec<Vec<f64>> = ts
        .iter()
        .map(|t| x.iter().map(|x| -(3.0 * x).sin() * t).collect())
        .collect();
    let pred: Vec<Vec<f64>> = reference
        .iter()
        .map(|r| r.iter().map(|v| v + 0.02).collect())
        .collect();
    slices(
        &path,
        "slices",
        ("t", &ts),
        ("x", &x),
        "u",
        &pred,
        Some(&reference),
    )
    .unwrap();
    // 460 × 430 px per slice (slices' documented layout).
    assert_eq!(png_size(&path), (1380, 430));
    let e = slices(&path, "bad", ("t", &ts[..2]), ("x", &x), "u", &pred, None).unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
}

#[test]
fn curves_log_scale_skips_non_positive_and_non_finite() {
    let dir = temp_dir("curves");
    let path = dir.join("history.png");
    let steps: Vec<f64> = (0..500).map(f64::from).collect();
    let loss: Vec<f64> = steps.iter().map(|s| (-s / 100.0).exp()).collect();
    let holes: Vec<f64> = steps
        .iter()
        .map(|s| match *s as u32 {
            100..=149 => f64::NAN,
            200 => 0.0,
            201 => -1.0,
            300 => f64::INFINITY,
            _ => 0.1 / (1.0 + s),
        })
        .collect();
    let series = [("loss", loss.as_slice()), ("error", holes.as_slice())];
    curves(&path, "history", ("step", &steps), "value", &series, true).unwrap();
    // 1000 × 600 px (curves' documented size).
    assert_eq!(png_size(&path), (1000, 600));
    curves(&path, "history", ("step", &steps), "value", &series, false).unwrap();
    assert_eq!(png_size(&path), (1000, 600));
    // Nothing drawable at all still gives a (mostly empty) picture, no panic.
    let nothing = vec![-1.0; steps.len()];
    curves(
        &path,
        "empty",
        ("step", &steps),
        "",
        &[("neg", &nothing)],
        true,
    )
    .unwrap();
    let e = curves(
        &path,
        "bad",
        ("step", &steps),
        "",
        &[("short", &loss[..3])],
        true,
    )
    .unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
}

#[test]
fn line_1d_png_has_expected_size() {
    let dir = temp_dir("line");
    let path = dir.join("u.png");
    let x: Vec<f64> = (0..200).map(|i| i as f64 / 199.0).collect();
    let r: Vec<f64> = x.iter().map(|x| (6.0 * x).sin()).collect();
    let p: Vec<f64> = r.iter().map(|v| v * 1.01).collect();
    line_1d(&path, "u(x)", ("x", &x), "u", &p, Some(&r)).unwrap();
    // 800 × 500 px (line_1d's documented size).
    assert_eq!(png_size(&path), (800, 500));
    let e = line_1d(&path, "u(x)", ("x", &x), "u", &p[..5], None).unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
}

#[test]
fn cells_csv_quotes_text_and_keeps_numbers_exact() {
    let dir = temp_dir("cells");
    let path = dir.join("t.csv");
    let rows = vec![
        vec![Cell::Text("simple-sine".into()), Cell::Number(0.1 + 0.2)],
        vec![Cell::Text("a, \"b\"".into()), Cell::Number(-1e-300)],
    ];
    write_cells_csv(&path, &names(&["net", "v"]), &rows).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "net,v\nsimple-sine,0.30000000000000004\n\"a, \"\"b\"\"\",-1e-300\n"
    );
    let short = vec![vec![Cell::Number(1.0)]];
    let e = write_cells_csv(&path, &names(&["a", "b"]), &short).unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
}

#[test]
fn chart_grid_has_cells_plus_title_and_rejects_bad_series() {
    let dir = temp_dir("grid");
    let path = dir.join("grid.png");
    let x: Vec<f64> = (0..50).map(|i| i as f64 / 10.0).collect();
    let chart = |style, log_y| Chart {
        caption: "panel".into(),
        x_name: "x".into(),
        y_name: "y".into(),
        series: vec![Series {
            name: "exp".into(),
            x: x.clone(),
            y: x.iter().map(|v| (-v).exp()).collect(),
            color: 0,
            style,
        }],
        log_y,
        legend: true,
    };
    let charts = [
        chart(SeriesStyle::Solid, false),
        chart(SeriesStyle::Dashed, true),
        chart(SeriesStyle::Markers, false),
    ];
    chart_grid(&path, "grid", (2, 2), (300, 200), &charts).unwrap();
    assert_eq!(png_size(&path), (600, 440));
    let mut bad = chart(SeriesStyle::Solid, false);
    bad.series[0].y.pop();
    let e = chart_grid(&path, "bad", (1, 1), (300, 200), &[bad]).unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
    let e = chart_grid(&path, "too many", (1, 2), (300, 200), &charts).unwrap_err();
    assert!(matches!(e, ReportError::Shape { .. }), "{e}");
}
