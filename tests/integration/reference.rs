//! Reference solutions: quadrature, Cole–Hopf Burgers, CSV tables, grids.

use pinn::reference::{
    detect_grid, gauss_hermite, grid_points, load_table, BurgersColeHopf, ReferenceError,
    ReferenceSolution, Table,
};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pinn-ref-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

// ---- Gauss–Hermite -------------------------------------------------------

#[test]
fn gauss_hermite_5_matches_abramowitz_stegun_table_25_10() {
    // Abramowitz & Stegun, Table 25.10 (n = 5), 15 significant digits;
    // tolerance 1e-12 leaves room for the table's last-digit rounding.
    let nodes_pos = [0.0, 0.958_572_464_613_819, 2.020_182_870_456_086];
    let weights_pos = [
        0.945_308_720_482_942,
        0.393_619_323_152_241,
        0.019_953_242_059_046,
    ];
    let (x, w) = gauss_hermite(5);
    assert_eq!(x.len(), 5);
    // Sorted ascending: index 2 is the centre, 3 and 4 the positive nodes.
    for k in 0..3 {
        assert!(
            (x[2 + k] - nodes_pos[k]).abs() < 1e-12,
            "node {k}: {}",
            x[2 + k]
        );
        assert!(
            (x[2 - k] + nodes_pos[k]).abs() < 1e-12,
            "node -{k}: {}",
            x[2 - k]
        );
        assert!(
            (w[2 + k] - weights_pos[k]).abs() < 1e-12,
            "weight {k}: {}",
            w[2 + k]
        );
        assert!(
            (w[2 - k] - weights_pos[k]).abs() < 1e-12,
            "weight -{k}: {}",
            w[2 - k]
        );
    }
}

#[test]
fn gauss_hermite_20_outer_node_and_tiny_weight_match_abramowitz_stegun() {
    // A&S Table 25.10 (n = 20): x = 5.38748 08900 11233,
    // w = 2.22939 36455 34e-13. The weight is checked relative (1e-10), which
    // eigenvector-based weights (absolute error ~1e-16) would fail.
    let (x, w) = gauss_hermite(20);
    assert!((x[19] - 5.387_480_890_011_233).abs() < 1e-12, "{}", x[19]);
    assert!(
        (w[19] / 2.229_393_645_534e-13 - 1.0).abs() < 1e-10,
        "{}",
        w[19]
    );
}

#[test]
fn regression_tiny_outer_weights_keep_relative_precision() {
    // ∫ e^{−s²} e^{2as} ds = sqrt(π) e^{a²} (complete the square). For a = 8
    // the integrand peaks at s = 8, where the 100-point weights are ~1e-30
    // and below; weights read from eigenvectors were off by orders of
    // magnitude there and broke Cole–Hopf near the Burgers shock. Relative
    // tolerance 1e-12 (measured ~4e-15).
    let (x, w) = gauss_hermite(100);
    for a in [2.0f64, 5.0, 8.0] {
        let q: f64 = x.iter().zip(&w).map(|(s, w)| w * (2.0 * a * s).exp()).sum();
        let exact = PI.sqrt() * (a * a).exp();
        assert!((q / exact - 1.0).abs() < 1e-12, "a={a}: {q} vs {exact}");
    }
}

#[test]
fn gauss_hermite_large_n_underflows_gracefully() {
    // n = 1000: outer weights fall below f64's range (true ~e^{-2000}) and
    // must come out as 0, never NaN; the sum is still sqrt(π) to 1e-13.
    let (_, w) = gauss_hermite(1000);
    assert!(w.iter().all(|w| w.is_finite() && *w >= 0.0));
    assert!((w.iter().sum::<f64>() / PI.sqrt() - 1.0).abs() < 1e-13);
}

#[test]
fn gauss_hermite_weights_sum_to_sqrt_pi() {
    // ∫ e^{-s²} ds = sqrt(π); relative tolerance 1e-13 (eigen-solve rounding).
    for n in [1, 2, 5, 20, 100] {
        let (x, w) = gauss_hermite(n);
        assert!(
            x.windows(2).all(|p| p[0] < p[1]),
            "n={n}: nodes not ascending"
        );
        let sum: f64 = w.iter().sum();
        assert!((sum / PI.sqrt() - 1.0).abs() < 1e-13, "n={n}: sum {sum}");
    }
}

#[test]
fn gauss_hermite_exact_up_to_degree_2n_minus_1() {
    // ∫ s^{2k} e^{-s²} ds = sqrt(π) (2k−1)!! / 2^k (Gamma(k+1/2)); odd moments
    // vanish. The n-point rule is exact through degree 2n−1: relative 1e-12
    // for even moments, absolute 1e-12 × scale for odd ones.
    let even_moment = |k: u32| -> f64 {
        let double_fact: f64 = (1..=k).map(|j| (2 * j - 1) as f64).product();
        PI.sqrt() * double_fact / 2f64.powi(k as i32)
    };
    assert!((even_moment(2) - 3.0 * PI.sqrt() / 4.0).abs() < 1e-15);
    for n in [3usize, 5, 10] {
        let (x, w) = gauss_hermite(n);
        for deg in 0..(2 * n) {
            let q: f64 = x.iter().zip(&w).map(|(s, w)| w * s.powi(deg as i32)).sum();
            if deg % 2 == 1 {
                let scale = even_moment(deg as u32 / 2 + 1).max(1.0);
                assert!(q.abs() < 1e-12 * scale, "n={n} deg={deg}: {q}");
            } else {
                let exact = even_moment(deg as u32 / 2);
                assert!(
                    (q / exact - 1.0).abs() < 1e-12,
                    "n={n} deg={deg}: {q} vs {exact}"
                );
            }
        }
    }
}

// ---- Cole–Hopf Burgers ---------------------------------------------------

fn burgers_reference_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/burgers_reference.csv")
}

#[test]
fn cole_hopf_matches_published_burgers_grid() {
    // Source: tests/data/burgers_reference.csv (256 x × 100 t, ν = 0.01/π; SOURCES.md),
    // 100-node Gauss–Hermite agrees to 4.2e-11 (README, "Tests":
    // reference); tolerance 1e-8.
    let path = burgers_reference_csv();
    let table = load_table(&path, &names(&["t", "x"]), &names(&["u"])).unwrap();
    assert_eq!(table.points.len(), 256 * 100);
    let burgers = BurgersColeHopf::new(0.01 / PI);
    let mut max_diff: f64 = 0.0;
    for (p, u_ref) in table.points.iter().zip(&table.values[0]) {
        max_diff = max_diff.max((burgers.u(p[0], p[1]) - u_ref).abs());
    }
    println!("Cole–Hopf (100 nodes) vs burgers_reference.csv: max |diff| = {max_diff:.3e}");
    assert!(max_diff <= 1e-8, "max |diff| = {max_diff:e}");
}

#[test]
fn cole_hopf_initial_condition_symmetry_and_boundaries() {
    // u(0,x) = −sin(πx) exactly; the solution is odd in x and vanishes at
    // x = ±1 (periodic odd data), to quadrature rounding 1e-12.
    let b = BurgersColeHopf::new(0.01 / PI);
    assert_eq!(b.u(0.0, 0.5), -1.0);
    for t in [0.1, 0.5, 1.0] {
        for x in [0.1, 0.37, 0.9] {
            assert!((b.u(t, x) + b.u(t, -x)).abs() < 1e-12, "t={t} x={x}");
        }
        assert!(
            b.u(t, 1.0).abs() < 1e-12 && b.u(t, -1.0).abs() < 1e-12,
            "t={t}"
        );
    }
}

#[test]
fn cole_hopf_small_viscosity_does_not_overflow() {
    // 1/(2πν) = 5000 for ν = 1e-4/π: e^{5000} overflows without the shift.
    let b = BurgersColeHopf::with_nodes(1e-4 / PI, 200);
    for x in [-0.9, -0.2, 0.3, 0.8] {
        let u = b.u(0.5, x);
        assert!(u.is_finite() && u.abs() <= 1.0 + 1e-9, "x={x}: {u}");
    }
}

// ---- tables --------------------------------------------------------------

#[test]
fn table_columns_any_order_extra_columns_ignored() {
    let dir = temp_dir("order");
    let path = write_file(&dir, "t.csv", "u,note,x,t\n1.5,7,0.25,0\n-2e-3,8,0.5,1\n");
    let t = load_table(&path, &names(&["t", "x"]), &names(&["u"])).unwrap();
    assert_eq!(t.points, vec![vec![0.0, 0.25], vec![1.0, 0.5]]);
    assert_eq!(t.values, vec![vec![1.5, -2e-3]]);
}

fn load_err(text: &str, tag: &str) -> String {
    let dir = temp_dir(tag);
    let path = write_file(&dir, "bad.csv", text);
    let err = load_table(&path, &names(&["t", "x"]), &names(&["u"])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("bad.csv"),
        "error does not name the file: {msg}"
    );
    msg
}

#[test]
fn table_errors_name_file_line_and_column() {
    let msg = load_err("t,x\n0,1\n", "missing");
    assert!(msg.contains("line 1") && msg.contains("`u`"), "{msg}");

    let msg = load_err("t,x,u\n0,1,2\n0,abc,3\n", "nan-text");
    assert!(
        msg.contains("line 3") && msg.contains("column 2") && msg.contains("abc"),
        "{msg}"
    );

    let msg = load_err("t,x,u\n0,1,2\n0,1,NaN\n", "nan");
    assert!(
        msg.contains("line 3") && msg.contains("`u`") && msg.contains("not finite"),
        "{msg}"
    );

    let msg = load_err("t,x,u\n0,1,inf\n", "inf");
    assert!(
        msg.contains("line 2") && msg.contains("not finite"),
        "{msg}"
    );

    let msg = load_err("t,x,u\n0,1,2\n0,1\n", "ragged");
    assert!(msg.contains("line 3"), "{msg}");

    let msg = load_err("t,x,u\n", "norows");
    assert!(msg.contains("no data rows"), "{msg}");

    let msg = load_err("t,x,u,u\n0,1,2,3\n", "dup");
    assert!(msg.contains("more than once"), "{msg}");
}

#[test]
fn table_missing_file_is_an_error() {
    let err = load_table("/nonexistent/pinn/ref.csv", &names(&["t"]), &names(&["u"])).unwrap_err();
    assert!(matches!(err, ReferenceError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/pinn/ref.csv"));
}

// ---- grids ---------------------------------------------------------------

#[test]
fn grid_points_row_major_last_input_fastest() {
    let g = grid_points(&[(0.0, 1.0, 2), (-1.0, 1.0, 3)]);
    let expected = vec![
        vec![0.0, -1.0],
        vec![0.0, 0.0],
        vec![0.0, 1.0],
        vec![1.0, -1.0],
        vec![1.0, 0.0],
        vec![1.0, 1.0],
    ];
    assert_eq!(g, expected);
    assert_eq!(grid_points(&[(2.0, 5.0, 1)]), vec![vec![2.0]]);
}

#[test]
fn detect_grid_recognises_burgers_table() {
    let path = burgers_reference_csv();
    let t = load_table(&path, &names(&["t", "x"]), &names(&["u"])).unwrap();
    let g = detect_grid(&t.points, 2);
    assert!(g.is_tensor_grid);
    assert_eq!(g.axes[0].len(), 100);
    assert_eq!(g.axes[1].len(), 256);
    assert_eq!((g.axes[1][0], g.axes[1][255]), (-1.0, 1.0));
}

#[test]
fn detect_grid_rejects_wrong_order_and_gaps() {
    // Column-major order: same unique values, not the row-major grid.
    let col_major = vec![
        vec![0.0, 0.0],
        vec![1.0, 0.0],
        vec![0.0, 1.0],
        vec![1.0, 1.0],
    ];
    let g = detect_grid(&col_major, 2);
    assert_eq!(g.axes, vec![vec![0.0, 1.0], vec![0.0, 1.0]]);
    assert!(!g.is_tensor_grid);
    let gap = vec![vec![0.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.0]];
    assert!(!detect_grid(&gap, 2).is_tensor_grid);
    assert!(!detect_grid(&[], 2).is_tensor_grid);
}

// ---- ReferenceSolution ---------------------------------------------------

#[test]
fn reference_solution_table_lookup_and_miss() {
    let table = Table {
        input_names: names(&["x"]),
        output_names: names(&["u", "v"]),
        points: vec![vec![0.0], vec![0.5], vec![1.0]],
        values: vec![vec![1.0, 2.0, 3.0], vec![-1.0, -2.0, -3.0]],
    };
    let r = ReferenceSolution::Table(table);
    assert_eq!(r.n_outputs(), 2);
    // −0 is the same point as +0.
    let v = r.eval_points(&[vec![1.0], vec![-0.0]]).unwrap();
    assert_eq!(v, vec![vec![3.0, 1.0], vec![-3.0, -1.0]]);
    let err = r.eval_points(&[vec![0.25]]).unwrap_err();
    assert!(matches!(err, ReferenceError::PointNotInTable { .. }));
}

#[test]
fn reference_solution_burgers_and_exprs() {
    use pinn::expr::{BinOp, Expr, Func};
    let b = BurgersColeHopf::new(0.01 / PI);
    let r = ReferenceSolution::BurgersColeHopf(b.clone());
    let pts = vec![vec![0.0, 0.5], vec![0.3, -0.4]];
    let v = r.eval_points(&pts).unwrap();
    assert_eq!(v, vec![vec![-1.0, b.u(0.3, -0.4)]]);

    // sin(x0) * x1 at two points, evaluated exactly as f64.
    let e = Expr::Bin(
        BinOp::Mul,
        Box::new(Expr::Call(Func::Sin, Box::new(Expr::Input(0)))),
        Box::new(Expr::Input(1)),
    );
    let r = ReferenceSolution::Exprs(vec![e]);
    let v = r.eval_points(&pts).unwrap();
    assert_eq!(v, vec![vec![0.0, 0.3f64.sin() * -0.4]]);
}
