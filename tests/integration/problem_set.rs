//! The problem set under benches/problems (equation files written as a new
//! user would, each with an exact solution; `cargo bench --bench defaults`
//! runs them): every file is accepted, and its reference satisfies its own
//! residuals and conditions, with derivatives by central differences of the
//! reference expressions (independent of the network's jets).

use crate::common::reference_residuals;
use pinn::problem::EquationFile;
use std::path::PathBuf;

fn problem_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/problems");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("benches/problems")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_reference_of_the_problem_set_satisfies_its_equations() {
    let files = problem_files();
    assert!(files.len() >= 8, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let file = EquationFile::from_toml(&text, &path.display().to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        let order = file
            .problem
            .pde
            .terms
            .iter()
            .flat_map(|(t, _)| t.expr.output_derivatives())
            .map(|(_, d)| d.order())
            .max()
            .unwrap_or(0);
        // Nested central differences: truncation ~ h², rounding ~ ε/h^order.
        let h = [1e-4, 1e-4, 1e-4, 1e-4, 1e-3][order];
        for (term, r, size) in reference_residuals(&file.problem, h) {
            // A wrong source or boundary formula leaves a residual of the
            // order of the term's data or derivatives; differences leave
            // ~1e-5 of them at most (the Airy wave's u_t, 242 rad per unit
            // of t: h²/6·242³ = 0.02 of 242).
            assert!(
                r <= 2e-4 * size.max(1.0),
                "{}: {term}: residual {r:.3e} (data {size:.3e})",
                path.display()
            );
        }
    }
}

#[test]
fn the_check_sees_a_one_percent_error_in_a_coefficient() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/problems/wave.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("c = 3 }"));
    let wrong = text.replace("c = 3 }", "c = 3.03 }");
    let file = EquationFile::from_toml(&wrong, "wave.toml").expect("accepted");
    let worst = reference_residuals(&file.problem, 1e-4);
    let (_, r, size) = worst.iter().find(|(n, ..)| n == "wave").expect("wave");
    assert!(*r > 1e-2 * size, "{worst:?}");
}
