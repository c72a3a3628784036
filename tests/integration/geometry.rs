//! Domains beyond boxes: sampled areas and boundary lengths against closed
//! forms, outward normals of every primitive and of combinations (a hole's
//! normals point into it), conditions on curved parts through the whole
//! loss pipeline with a network set to the exact solution, masked
//! evaluation, and malformed geometry reported at file:line:column.

use pinn::geometry::{Geometry, Primitive, Region, Shape};
use std::f64::consts::PI;

use crate::common::{pinn, refused};
use crate::conditions::{assert_exact_but, plane_wave_net, problem, shifted_losses};

fn geometry(primitives: Vec<Primitive>, shape: Shape) -> Geometry {
    let names = (0..primitives.len()).map(|k| format!("p{k}")).collect();
    let space = (0..primitives[0].dim()).collect();
    Geometry::new(space, names, primitives, shape, String::new())
}

fn square() -> Primitive {
    rect(&[-1.0, -1.0], &[1.0, 1.0])
}

fn rect(lo: &[f64], hi: &[f64]) -> Primitive {
    Primitive::Rectangle {
        lo: lo.to_vec(),
        hi: hi.to_vec(),
    }
}

fn ellipse(center: [f64; 2], radii: [f64; 2]) -> Primitive {
    Primitive::Ellipse { center, radii }
}

fn disk(c: [f64; 2], r: f64) -> Primitive {
    Primitive::Ball {
        center: c.to_vec(),
        radius: r,
    }
}

fn minus(a: usize, b: usize) -> Shape {
    Shape::Difference(Box::new(Shape::Primitive(a)), Box::new(Shape::Primitive(b)))
}

fn plus(a: usize, b: usize) -> Shape {
    Shape::Union(Box::new(Shape::Primitive(a)), Box::new(Shape::Primitive(b)))
}

/// Sobol estimates (2^16 points of the bounding box) against closed forms:
/// the quasi-Monte Carlo error is ~1e-4 of the box here.
#[test]
fn areas_match_closed_forms() {
    let cases: Vec<(&str, Geometry, f64)> = vec![
        (
            "disk",
            geometry(vec![disk([0.0, 0.0], 0.7)], Shape::Primitive(0)),
            PI * 0.49,
        ),
        (
            "square minus disk",
            geometry(vec![square(), disk([0.2, -0.1], 0.4)], minus(0, 1)),
            4.0 - PI * 0.16,
        ),
        (
            "ellipse",
            geometry(vec![ellipse([1.0, 2.0], [2.0, 0.5])], Shape::Primitive(0)),
            PI,
        ),
        (
            "L-shaped polygon",
            geometry(
                vec![Primitive::Polygon {
                    vertices: vec![
                        [0.0, 0.0],
                        [2.0, 0.0],
                        [2.0, 1.0],
                        [1.0, 1.0],
                        [1.0, 2.0],
                        [0.0, 2.0],
                    ],
                }],
                Shape::Primitive(0),
            ),
            3.0,
        ),
        (
            "two overlapping disks",
            geometry(
                vec![disk([0.0, 0.0], 1.0), disk([1.0, 0.0], 1.0)],
                plus(0, 1),
            ),
            // Two unit disks at distance 1 overlap in 2π/3 − √3/2.
            2.0 * PI - (2.0 * PI / 3.0 - 3f64.sqrt() / 2.0),
        ),
        (
            "ball",
            geometry(
                vec![Primitive::Ball {
                    center: vec![0.0, 0.0, 0.0],
                    radius: 1.0,
                }],
                Shape::Primitive(0),
            ),
            4.0 * PI / 3.0,
        ),
    ];
    for (name, g, exact) in cases {
        let box_volume: f64 = g.bounds().iter().map(|[lo, hi]| hi - lo).product();
        let err = (g.volume - exact).abs() / box_volume;
        assert!(err < 2e-3, "{name}: {} vs {exact}", g.volume);
    }
}

/// Interior points of a disk lie in it and are uniform by area: the inner
/// disk of half the area holds half of them (20,000 draws; ±0.007 at 2σ
/// for random points, less for Sobol's).
#[test]
fn interior_points_fill_the_shape_uniformly() {
    let text = r#"
name = "disk"
inputs = ["x", "y"]
outputs = ["u"]
[geometry]
plate = { disk = [0, 0], radius = 1 }
[residuals]
pde = "u_xx + u_yy"
[[conditions]]
on = "boundary"
require = "u = 0"
"#;
    let p = problem(text);
    let points = p.pde.sampler(3).draw(&Region::Interior, 20_000);
    assert_eq!(points.len(), 20_000);
    assert!(points.iter().all(|q| q[0].hypot(q[1]) <= 1.0 + 1e-12));
    // Uniform by area: the inner disk of radius 1/√2 holds half of them.
    let inner = points
        .iter()
        .filter(|q| q[0].hypot(q[1]) < 0.5f64.sqrt())
        .count();
    let share = inner as f64 / 20_000.0;
    assert!((share - 0.5).abs() < 0.02, "{share}");
}

/// Boundary lengths (the sampler's weights) against closed forms, hole and
/// union included: shared edges are counted once and inner ones not at all.
#[test]
fn boundary_lengths_match_closed_forms() {
    let hole = geometry(vec![square(), disk([0.0, 0.0], 0.3)], minus(0, 1));
    assert!((hole.part_measure(0) - 8.0).abs() < 1e-12);
    assert!((hole.part_measure(1) - 2.0 * PI * 0.3).abs() < 1e-12);
    // Two unit squares side by side: the shared edge x = 1 is inside.
    let side = geometry(
        vec![
            rect(&[0.0, 0.0], &[1.0, 1.0]),
            rect(&[1.0, 0.0], &[2.0, 1.0]),
        ],
        plus(0, 1),
    );
    assert!((side.part_measure(0) + side.part_measure(1) - 6.0).abs() < 1e-3);
    // An L from two overlapping rectangles that share the edge x = 0 from 0
    // to 1: perimeter 8, the common stretch once.
    let l = geometry(
        vec![
            rect(&[0.0, 0.0], &[2.0, 1.0]),
            rect(&[0.0, 0.0], &[1.0, 2.0]),
        ],
        plus(0, 1),
    );
    let total = l.part_measure(0) + l.part_measure(1);
    assert!((total - 8.0).abs() < 2e-3, "{total}");
    // Two unit circles at distance 1: each keeps 2/3 of its circumference.
    let lens = geometry(
        vec![disk([0.0, 0.0], 1.0), disk([1.0, 0.0], 1.0)],
        plus(0, 1),
    );
    assert!((lens.part_measure(0) - 4.0 * PI / 3.0).abs() < 2e-3);
    // The ellipse's perimeter, against the Gauss–Kummer series.
    let (a, b) = (2.0f64, 0.5f64);
    let e = geometry(vec![ellipse([0.0, 0.0], [a, b])], Shape::Primitive(0));
    let exact_perimeter = ellipse_perimeter(a, b);
    assert!(
        (e.part_measure(0) - exact_perimeter).abs() < 1e-9 * exact_perimeter,
        "{}",
        e.part_measure(0)
    );
}

/// Outward normals at points drawn on each primitive's boundary, and after
/// a difference (the hole's point into it, toward its centre) and a union.
#[test]
fn normals_point_out_of_the_shape() {
    let text = r#"
name = "normals"
inputs = ["x", "y"]
outputs = ["u"]
[geometry]
plate = { rectangle = [[-1, -1], [1, 1]] }
hole = { disk = [0.2, 0.1], radius = 0.3 }
bump = { ellipse = [1, 0], radii = [0.5, 0.25] }
notch = { polygon = [[-1.2, -0.2], [-0.8, -0.2], [-0.8, 0.2], [-1.2, 0.2]] }
shape = "plate + bump - hole - notch"
[residuals]
pde = "u_xx + u_yy"
[[conditions]]
name = "hole"
on = "hole"
require = "u = 0"
[[conditions]]
name = "bump"
on = "bump"
require = "u = 0"
[[conditions]]
name = "notch"
on = "notch"
require = "u = 0"
[[conditions]]
name = "plate"
on = "plate"
require = "u = 0"
"#;
    let p = problem(text);
    let mut sampler = p.pde.sampler(5);
    for (term, region) in &p.pde.terms[1..] {
        let points = sampler.draw(region, 400);
        assert!(points.len() >= 390, "{}: {}", term.name, points.len());
        let normals = sampler.normals(region, &points);
        for (q, n) in points.iter().zip(&normals) {
            assert!(
                (n[0].hypot(n[1]) - 1.0).abs() < 1e-12,
                "{}: {n:?}",
                term.name
            );
            // One step out along the normal leaves the shape, one step in stays.
            let out = [q[0] + 1e-4 * n[0], q[1] + 1e-4 * n[1]];
            let inn = [q[0] - 1e-4 * n[0], q[1] - 1e-4 * n[1]];
            assert!(
                !p.pde.inside(&out) && p.pde.inside(&inn),
                "{} at {q:?}: {n:?}",
                term.name
            );
            match term.name.as_str() {
                "hole" => {
                    // Into the hole: toward its centre.
                    let (dx, dy) = (q[0] - 0.2, q[1] - 0.1);
                    assert!((n[0] * dx + n[1] * dy) / dx.hypot(dy) < -1.0 + 1e-9);
                }
                "bump" => {
                    // (x − 1)/a², y/b², normalized: the ellipse's gradient.
                    let (gx, gy) = ((q[0] - 1.0) / 0.25, q[1] / 0.0625);
                    let g = gx.hypot(gy);
                    assert!((n[0] - gx / g).abs() < 1e-9 && (n[1] - gy / g).abs() < 1e-9);
                    assert!(
                        q[0] > 1.0,
                        "the bump's boundary inside the plate is not boundary"
                    );
                }
                "notch" => assert!(
                    q[0] >= -1.0 - 1e-12,
                    "the notch outside the plate is not boundary"
                ),
                _ => {}
            }
        }
    }
}

/// u = sin(x + 2y) + 0.5 on a square with a hole (centre (0.2, 0.1), radius
/// 0.3) and a polygon cut: on the hole the outward normal is −(p − c)/r, so
/// u_n = −((x − 0.2)·cos(x + 2y) + (y − 0.1)·2cos(x + 2y))/0.3.
const HOLE: &str = r#"
name = "hole"
inputs = ["x", "y"]
outputs = ["u"]
constants = { r = 0.3 }
[geometry]
plate = { rectangle = [[-1, -1], [1, 1]] }
hole = { disk = [0.2, 0.1], radius = "r" }
cut = { polygon = [[0.5, 1.2], [1.2, 0.5], [1.2, 1.2]] }
shape = "plate - hole - cut"
[residuals]
pde = "u_xx + u_yy + 5 * (u - 0.5)"
[[conditions]]
name = "dirichlet"
on = "boundary"
require = "u = sin(x + 2 * y) + 0.5"
[[conditions]]
name = "neumann"
on = "hole"
require = "u_n = -((x - 0.2) * cos(x + 2 * y) + (y - 0.1) * 2 * cos(x + 2 * y)) / r"
[[conditions]]
name = "robin"
on = "cut"
require = "u_n + 3 * u = (cos(x + 2 * y) + 2 * cos(x + 2 * y)) / sqrt(2) + 3 * (sin(x + 2 * y) + 0.5)"
[[conditions]]
name = "wrong_sign"
on = "hole"
require = "u_n = ((x - 0.2) * cos(x + 2 * y) + (y - 0.1) * 2 * cos(x + 2 * y)) / r"
[[conditions]]
name = "walls"
on = "x = -1, y = -1"
require = "u = sin(x + 2 * y) + 0.5"
[reference]
u = "sin(x + 2 * y) + 0.5"
"#;

#[test]
fn conditions_on_curved_parts_vanish_on_the_exact_solution() {
    let p = problem(HOLE);
    // (2 u_n)² over the hole with the normal pointing out of it: far from 0.
    assert_exact_but(&p, "wrong_sign");
    let l = shifted_losses(&p);
    assert!((l["walls"] - 0.01).abs() < 1e-12, "{l:?}");
    assert!(l["neumann"] < 1e-24, "{l:?}");
}

/// Points of the box outside the shape are left out of the errors.
#[test]
fn evaluation_is_masked_to_the_shape() {
    let p = problem(HOLE);
    let eval = pinn::solve::evaluation(&p).expect("evaluation");
    let reference = eval.reference.expect("a reference");
    let outside: Vec<bool> = eval.points.iter().map(|q| !p.pde.inside(q)).collect();
    assert!(outside.iter().any(|o| *o) && !outside.iter().all(|o| *o));
    for (k, out) in outside.iter().enumerate() {
        assert_eq!(reference[0][k].is_nan(), *out, "{:?}", eval.points[k]);
    }
}

#[test]
fn pinn_check_describes_every_part_and_its_normal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hole.toml");
    std::fs::write(&path, HOLE).unwrap();
    let (code, out, err) = pinn(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("hole (disk of radius 0.3 at (0.2, 0.1); 1.884956 long"),
        "{out}"
    );
    assert!(out.contains("outward normal into it (a hole"), "{out}");
    assert!(out.contains("plate (rectangle (-1, -1) to (1, 1)"), "{out}");
}

/// Malformed geometry: an error at the offending text, exit code 2.
#[test]
fn malformed_geometry_is_refused_with_its_place() {
    let base = |geometry: &str, on: &str| {
        format!(
            "name = \"g\"\ninputs = [\"x\", \"y\"]\noutputs = [\"u\"]\n[geometry]\n{geometry}\n[residuals]\npde = \"u_xx + u_yy\"\n[[conditions]]\non = \"{on}\"\nrequire = \"u = 0\"\n"
        )
    };
    let cases = [
        (base("a = { triangle = [0, 0] }", "boundary"), "g.toml:5:7: error: unknown shape"),
        (
            base("a = { disk = [0, 0], radius = 1 }\nb = { disk = [5, 0], radius = 1 }\nshape = \"a & b\"", "boundary"),
            "g.toml:7:9: error: the shape is empty",
        ),
        (
            base("a = { polygon = [[0, 0], [1, 1], [1, 0], [0, 1]] }", "boundary"),
            "g.toml:5:17: error: the polygon crosses itself",
        ),
        (
            base("a = { polygon = [[0, 0], [1, 0], [1, 0], [0, 1]] }", "boundary"),
            "g.toml:5:17: error: vertices 2 and 3 of the polygon are the same point [1.0, 0.0]",
        ),
        (
            base("a = { disk = [0, 0], radius = -1 }", "boundary"),
            "the radius must be positive",
        ),
        (
            base("a = { disk = [0, 0], radius = 1 }\nb = { disk = [0.2, 0], radius = 0.1 }\nshape = \"a - c\"", "boundary"),
            "g.toml:7:14: error: unknown shape 'c' (declared: a, b)",
        ),
        (
            base("a = { disk = [0, 0], radius = 1 }", "rim"),
            "unknown part 'rim'",
        ),
        (
            base("a = { disk = [0, 0], radius = 1 }\nb = { disk = [0, 0], radius = 0.5 }\nshape = \"a + b\"", "b"),
            "no part of shape 'b's boundary lies on the boundary",
        ),
        (
            base("a = { disk = [0, 0], radius = 1 }\nb = { disk = [0, 0], radius = 0.9998 }\nshape = \"a - b\"", "boundary"),
            "of its bounding box, below 0.001: points inside it would be drawn too slowly",
        ),
        (
            base("a = { rectangle = [[1, 0], [0, 1]] }", "boundary"),
            "the first corner must lie below the second",
        ),
        (
            base("a = { disk = [0, 0, 0], radius = 1 }", "boundary"),
            "this shape has 3 coordinates, but the geometry spans 2 inputs",
        ),
    ];
    for (text, expected) in &cases {
        refused(text, "g.toml", expected);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, &cases[0].0).unwrap();
    let (code, _, err) = pinn(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml:5:7: error: unknown shape"), "{err}");
}

/// The perimeter of an ellipse by the Gauss–Kummer series
/// π(a + b) Σ C(1/2, n)² hⁿ, h = ((a − b)/(a + b))² (80 terms: below 1e-15
/// for h < 0.5).
fn ellipse_perimeter(a: f64, b: f64) -> f64 {
    let h = ((a - b) / (a + b)).powi(2);
    let (mut c, mut sum) = (1.0f64, 1.0f64);
    for n in 1..80 {
        c *= (0.5 - (n - 1) as f64) / n as f64;
        sum += c * c * h.powi(n);
    }
    PI * (a + b) * sum
}

/// I₀(x) and J₁(x) by their power series (enough terms for |x| < 2).
fn bessel_i0(x: f64) -> f64 {
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..30 {
        term *= (x / 2.0).powi(2) / (k * k) as f64;
        sum += term;
    }
    sum
}

fn bessel_j1(x: f64) -> f64 {
    let (mut term, mut sum) = (x / 2.0, x / 2.0);
    for k in 1..30 {
        term *= -(x / 2.0).powi(2) / (k * (k + 1)) as f64;
        sum += term;
    }
    sum
}

/// The quadrature of smooth integrands over a circle, an ellipse, a hole's
/// boundary (with its normals) and the inside of a shape, against closed forms.
#[test]
fn quadrature_matches_closed_forms() {
    use pinn::geometry::quadrature;
    let (c, r) = ([0.2, -0.1], 0.7);
    let circle = geometry(vec![disk(c, r)], Shape::Primitive(0));
    let domain = circle.bounds();
    let rule = quadrature(&domain, Some(&circle), &Region::Parts(vec![0]));
    // ∮ x² ds = 2πr(cx² + r²/2); ∮ e^y ds = 2πr e^cy I₀(r).
    let got = rule.integrate(|p, _| p[0] * p[0] + p[1].exp());
    let exact =
        2.0 * PI * r * (c[0] * c[0] + r * r / 2.0) + 2.0 * PI * r * c[1].exp() * bessel_i0(r);
    assert!((got - exact).abs() < 1e-6 * exact, "{got} vs {exact}");
    // A hole's normals point into it: ∮ n·(p − c) ds = −2πr² there.
    let hole = geometry(vec![square(), disk([0.2, 0.1], 0.3)], minus(0, 1));
    let rule = quadrature(&hole.bounds(), Some(&hole), &Region::Parts(vec![1]));
    let got = rule.integrate(|p, n| n[0] * (p[0] - 0.2) + n[1] * (p[1] - 0.1));
    assert!((got + 2.0 * PI * 0.09).abs() < 1e-12, "{got}");
    // The square's edges: ∮ n·p ds = 2·area = 8 (divergence theorem).
    let rule = quadrature(&hole.bounds(), Some(&hole), &Region::Parts(vec![0]));
    let got = rule.integrate(|p, n| n[0] * p[0] + n[1] * p[1]);
    assert!((got - 8.0).abs() < 1e-12, "{got}");
    // The ellipse's perimeter, against the Gauss–Kummer series.
    let (a, b) = (2.0f64, 0.5f64);
    let e = geometry(vec![ellipse([0.0, 0.0], [a, b])], Shape::Primitive(0));
    let got = quadrature(&e.bounds(), Some(&e), &Region::Parts(vec![0])).integrate(|_, _| 1.0);
    let exact_perimeter = ellipse_perimeter(a, b);
    assert!(
        (got - exact_perimeter).abs() < 1e-9 * exact_perimeter,
        "{got} vs {exact_perimeter}"
    );
    // Inside the plate with a hole: the area, by quasi-Monte Carlo.
    let area = quadrature(&hole.bounds(), Some(&hole), &Region::Interior).integrate(|_, _| 1.0);
    assert!((area - (4.0 - PI * 0.09)).abs() < 2e-3, "{area}");
}

/// I₁(x) by its power series (|x| < 2).
fn bessel_i1(x: f64) -> f64 {
    let (mut term, mut sum) = (x / 2.0, x / 2.0);
    for k in 1..30 {
        term *= (x / 2.0).powi(2) / (k * (k + 1)) as f64;
        sum += term;
    }
    sum
}

/// Integrals over the interior inside another primitive (a quantity's
/// `within`): the annulus between a hole and a concentric disk in polar
/// coordinates, a rectangle cut by the shape's edge, a ball in 3D.
#[test]
fn quadrature_within_matches_closed_forms() {
    use pinn::geometry::quadrature_within;
    let (c, r, outer) = ([0.2, 0.1], 0.3, 0.6);
    let g = geometry(
        vec![
            square(),
            disk(c, r),
            disk(c, outer),
            rect(&[0.6, -2.0], &[2.0, 2.0]),
        ],
        minus(0, 1),
    );
    let domain = g.bounds();
    let ring = quadrature_within(&domain, &g, &Shape::Primitive(2));
    let area = ring.integrate(|_, _| 1.0);
    let exact = PI * (outer * outer - r * r);
    assert!((area - exact).abs() < 1e-12, "{area} vs {exact}");
    // ∫ e^x over the annulus = e^cx · 2π [ρ I₁(ρ)] from r to outer
    // (the mean of e^x over a circle of radius ρ is e^cx I₀(ρ)).
    let got = ring.integrate(|p, _| p[0].exp());
    let exact = c[0].exp() * 2.0 * PI * (outer * bessel_i1(outer) - r * bessel_i1(r));
    assert!((got - exact).abs() < 1e-10 * exact, "{got} vs {exact}");
    // A rectangle reaching past the square: only [0.6, 1] × [−1, 1] counts.
    let strip = quadrature_within(&domain, &g, &Shape::Primitive(3));
    let got = strip.integrate(|p, _| p[0] * p[1] * p[1]);
    let exact = (1.0 - 0.36) / 2.0 * (2.0 / 3.0);
    assert!((got - exact).abs() < 1e-12, "{got} vs {exact}");
    // 3D: the ball of radius 0.5 inside a box, by quasi-Monte Carlo.
    let cube = Primitive::Rectangle {
        lo: vec![-1.0; 3],
        hi: vec![1.0; 3],
    };
    let ball = Primitive::Ball {
        center: vec![0.0; 3],
        radius: 0.5,
    };
    let g3 = geometry(vec![cube, ball], Shape::Primitive(0));
    let volume = quadrature_within(&g3.bounds(), &g3, &Shape::Primitive(1)).integrate(|_, _| 1.0);
    let exact = 4.0 / 3.0 * PI * 0.125;
    assert!((volume - exact).abs() < 5e-3 * exact, "{volume} vs {exact}");
}

/// Quantities of a network set to the exact solution of HOLE: the flux
/// through the hole, ∮ u_n ds = −∫_disk Δu = 5∫_disk sin(x + 2y)
/// = 5 sin(0.4)·2πr J₁(√5 r)/√5 (the mean-value property of plane waves),
/// and a point difference.
#[test]
fn quantities_of_the_exact_solution_match_closed_forms() {
    let text = format!(
        "{HOLE}\n[quantities]\nflux = {{ integral = \"u_n\", over = \"hole\" }}\ndu = {{ value = \"u\", at = [0.5, -0.5], minus = [-0.5, 0.5], reference = 1 }}\nring = {{ integral = \"u\", over = \"interior\", within = \"near\" }}\n"
    )
    .replace("shape = \"plate - hole - cut\"", "near = { disk = [0.2, 0.1], radius = 0.6 }\nshape = \"plate - hole - cut\"");
    let p = problem(&text);
    let net = plane_wave_net(&p, 0.5);
    let q = pinn::solve::quantities(&net, &p);
    let k = 5f64.sqrt();
    let flux = 5.0 * 0.4f64.sin() * 2.0 * PI * 0.3 * bessel_j1(k * 0.3) / k;
    assert_eq!(q[0].name, "flux");
    assert!((q[0].value - flux).abs() < 1e-9, "{} vs {flux}", q[0].value);
    let du = (0.5f64 - 1.0).sin() - (-0.5f64 + 1.0).sin();
    assert!((q[1].value - du).abs() < 1e-12, "{} vs {du}", q[1].value);
    assert_eq!(q[1].reference, Some(1.0));
    assert!((q[1].relative_error().unwrap() - (du - 1.0).abs()).abs() < 1e-12);
    // ∫ u over the annulus 0.3 < ρ < 0.6 about the hole's centre: the plane
    // wave's mean over a circle of radius ρ is sin(0.4)·J₀(√5 ρ), and
    // ∫ J₀(kρ) ρ dρ = ρ J₁(kρ)/k; plus 0.5 times the area.
    let ring = 0.4f64.sin() * 2.0 * PI * (0.6 * bessel_j1(k * 0.6) - 0.3 * bessel_j1(k * 0.3)) / k
        + 0.5 * PI * (0.36 - 0.09);
    assert_eq!(q[2].name, "ring");
    assert!((q[2].value - ring).abs() < 1e-9, "{} vs {ring}", q[2].value);
}

/// Malformed quantities: an error at the offending text.
#[test]
fn malformed_quantities_are_refused_with_their_place() {
    let with = |q: &str| format!("{HOLE}\n[quantities]\n{q}\n");
    let cases = [
        (
            "a = { integral = \"u\" }",
            "an integral needs over = \"interior\"",
        ),
        (
            "a = { integral = \"u\", value = \"u\", over = \"hole\" }",
            "a quantity is either",
        ),
        (
            "a = { integral = \"u_n\", over = \"interior\" }",
            "the outward normal (u_n, n_x, ...) exists only on the boundary",
        ),
        (
            "a = { value = \"u\", at = [0, 0] }",
            "this point is outside the domain",
        ),
        (
            "a = { value = \"u\", at = [0.5] }",
            "expected one coordinate per input (x, y), found 1",
        ),
        (
            "a = { integral = \"u\", over = \"rim\" }",
            "unknown part 'rim'",
        ),
        (
            "a = { integral = \"w\", over = \"hole\" }",
            "unknown name 'w'",
        ),
        (
            "a = { integral = \"u\", over = \"hole\", within = \"plate\" }",
            "within narrows over = \"interior\"",
        ),
        (
            "a = { integral = \"u\", over = \"interior\", within = \"rim\" }",
            "unknown shape 'rim'",
        ),
        (
            "a = { value = \"u\", at = [0.5, -0.5], within = \"plate\" }",
            "a value is taken at points",
        ),
    ];
    for (q, expected) in cases {
        refused(&with(q), "q.toml", expected);
    }
    let far = with("a = { integral = \"u\", over = \"interior\", within = \"far\" }").replace(
        "shape = \"plate - hole - cut\"",
        "far = { disk = [5, 5], radius = 1 }\nshape = \"plate - hole - cut\"",
    );
    refused(&far, "q.toml", "'far' does not overlap the shape");
    let square = "name = \"sq\"\ninputs = [\"x\", \"y\"]\noutputs = [\"u\"]\ndomain = { x = [0, 1], y = [0, 1] }\n[residuals]\npde = \"u_xx + u_yy\"\n[quantities]\na = { integral = \"u\", over = \"interior\", within = \"plate\" }\n";
    refused(
        square,
        "q.toml",
        "within names shapes of [geometry]; this file has none",
    );
}

/// The cylinder built-in: its shape, parts and the benchmark's quantities.
#[test]
fn the_cylinder_builtin_declares_the_dfg_benchmark() {
    let p = pinn::problem::EquationFile::load("cylinder")
        .unwrap_or_else(|e| panic!("{e}"))
        .problem;
    let g = p.pde.geometry.as_ref().expect("a shape");
    assert!((g.volume - (2.2 * 0.41 - PI * 0.0025)).abs() < 1e-3);
    let k = g.names.iter().position(|n| n == "cylinder").unwrap();
    assert!((g.part_measure(k) - 2.0 * PI * 0.05).abs() < 1e-12);
    let names: Vec<&str> = p
        .evaluation
        .quantities
        .iter()
        .map(|q| q.name.as_str())
        .collect();
    assert_eq!(names, ["c_D", "c_L", "dp"]);
    let refs: Vec<f64> = p
        .evaluation
        .quantities
        .iter()
        .filter_map(|q| q.reference)
        .collect();
    assert_eq!(refs, [5.57953523384, 0.010618948146, 0.11752016697]);
}

/// Three dimensions: a box minus a ball. Boundary points on the ball are
/// uniform by area (Archimedes: a band of the sphere between two heights
/// has area proportional to their gap) with normals into the ball; the
/// box's faces and the ball's part measure 6·4 and 4πr².
#[test]
fn a_ball_cut_from_a_box_in_three_dimensions() {
    let text = r#"
name = "cube"
inputs = ["x", "y", "z"]
outputs = ["u"]
[geometry]
cube = { box = [[-1, -1, -1], [1, 1, 1]] }
ball = { ball = [0, 0, 0], radius = 0.5 }
shape = "cube - ball"
[residuals]
pde = "u_xx + u_yy + u_zz"
[[conditions]]
name = "ball"
on = "ball"
require = "u = 0"
[[conditions]]
name = "faces"
on = "cube"
require = "u = 1"
"#;
    let p = problem(text);
    let g = p.pde.geometry.as_ref().unwrap();
    assert!((g.part_measure(0) - 24.0).abs() < 1e-12);
    assert!((g.part_measure(1) - PI).abs() < 1e-12);
    assert!((g.volume - (8.0 - 4.0 * PI / 3.0 * 0.125)).abs() < 1e-2);
    let mut sampler = p.pde.sampler(9);
    let region = &p.pde.terms[1].1;
    let points = sampler.draw(region, 4000);
    let normals = sampler.normals(region, &points);
    for (q, n) in points.iter().zip(&normals) {
        let r = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2]).sqrt();
        assert!((r - 0.5).abs() < 1e-12);
        for k in 0..3 {
            assert!((n[k] + q[k] / r).abs() < 1e-12, "{q:?}: {n:?}");
        }
    }
    // The band 0 < z < 0.25 holds a quarter of the sphere's area.
    let band = points.iter().filter(|q| q[2] > 0.0 && q[2] < 0.25).count();
    assert!((band as f64 / 4000.0 - 0.25).abs() < 0.02, "{band}");
}

/// One dimension: two intervals; their four ends are the boundary, with
/// normals ±1, and the ends inside a union are not.
#[test]
fn intervals_in_one_dimension() {
    let text = r#"
name = "rod"
inputs = ["t", "x"]
outputs = ["u"]
domain = { t = [0, 1] }
[geometry]
a = { rectangle = [[0], [1]] }
b = { rectangle = [[0.5], [2]] }
c = { rectangle = [[3], [4]] }
shape = "a + b + c"
[residuals]
pde = "u_t - u_xx"
[[conditions]]
on = "boundary"
require = "u = 0"
"#;
    let p = problem(text);
    let mut sampler = p.pde.sampler(2);
    let region = &p.pde.terms[1].1;
    let points = sampler.draw(region, 400);
    let normals = sampler.normals(region, &points);
    let mut ends: Vec<(f64, f64)> = points
        .iter()
        .zip(&normals)
        .map(|(q, n)| (q[1], n[1]))
        .collect();
    ends.sort_by(|a, b| a.0.total_cmp(&b.0));
    ends.dedup();
    assert_eq!(ends, [(0.0, -1.0), (2.0, 1.0), (3.0, -1.0), (4.0, 1.0)]);
    assert!(points.iter().all(|q| (0.0..=1.0).contains(&q[0])));
}

/// A `where` on a part keeps the points of the part where it holds, with
/// the part's normals.
#[test]
fn where_restricts_a_part() {
    let text = HOLE.replace(
        "name = \"neumann\"\non = \"hole\"",
        "name = \"neumann\"\non = \"hole\"\nwhere = \"x > 0.2\"",
    );
    let p = problem(&text);
    let (term, region) = p
        .pde
        .terms
        .iter()
        .find(|(t, _)| t.name == "neumann")
        .unwrap();
    assert!(matches!(region, Region::PartsWhere { .. }), "{}", term.name);
    let mut sampler = p.pde.sampler(4);
    let points = sampler.draw(region, 300);
    assert_eq!(points.len(), 300);
    let normals = sampler.normals(region, &points);
    for (q, n) in points.iter().zip(&normals) {
        assert!(q[0] > 0.2 && ((q[0] - 0.2).hypot(q[1] - 0.1) - 0.3).abs() < 1e-12);
        assert!((n[0] + (q[0] - 0.2) / 0.3).abs() < 1e-9, "{q:?} {n:?}");
    }
    assert_exact_but(&p, "wrong_sign");
}

/// `pinn observe` on a shape draws only grid points inside it.
#[test]
fn observations_are_drawn_inside_the_shape() {
    let p = problem(HOLE);
    let options = pinn::solve::ObserveOptions {
        points: 2000,
        noise: 0.0,
        seed: 1,
        outputs: None,
    };
    let table = pinn::solve::observe(&p, &options).expect("observations");
    assert_eq!(table.rows.len(), 2000);
    assert!(table
        .rows
        .iter()
        .all(|r| p.pde.inside(&r[..2]) && r[2].is_finite()));
}

/// Named sides: `inlet = "x = 0"` in `[geometry]` makes `on = "inlet"` the
/// faces it names; errors point into the definition or the use.
#[test]
fn named_sides_stand_for_faces() {
    let text = |extra: &str, on: &str| {
        format!(
            "name = \"c\"\ninputs = [\"x\", \"y\"]\noutputs = [\"u\"]\n[geometry]\nbox = {{ rectangle = [[0, 0], [2, 1]] }}\nhole = {{ disk = [0.5, 0.5], radius = 0.2 }}\nshape = \"box - hole\"\n{extra}\n[residuals]\npde = \"u_xx + u_yy\"\n[[conditions]]\non = \"{on}\"\nrequire = \"u = 0\"\n"
        )
    };
    let p = problem(&text(
        "inlet = \"x = 0\"\nwalls = \"y = 0, y = 1\"",
        "inlet, walls",
    ));
    let faces: Vec<(usize, bool)> = p.pde.terms[1]
        .1
        .faces()
        .iter()
        .map(|f| (f.input, f.upper))
        .collect();
    assert_eq!(faces, [(0, false), (1, false), (1, true)]);
    let cases = [
        (
            text("inlet = \"x = 3\"", "inlet"),
            "c.toml:8:14: error: x = 3 is not on the boundary",
        ),
        (
            text("inlet = \"x = 0\"", "inlet, hole"),
            "'inlet' names faces and the rest do not",
        ),
        // A side and a shape of one name: TOML's own duplicate key.
        (
            text("hole = \"x = 0\"", "hole"),
            "c.toml:8:1: error: duplicate key",
        ),
        (
            text("inlet = \"x = 0\"\nleft = \"x = 0\"", "inlet, left"),
            "'left' repeats a face",
        ),
    ];
    for (t, expected) in &cases {
        refused(t, "c.toml", expected);
    }
}
