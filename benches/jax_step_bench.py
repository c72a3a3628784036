"""Copied unchanged (but for this note) from the project's shared bench scripts
(shared/bench/jax_step_bench.py, given to the project with the task) so that a
clone of this repository runs it alone.

One PINN training step in JAX (jit): 2-64-64-64-1 simple sine net, 4096 points,
Burgers residual u_t + u u_x - nu u_xx (derivatives by nested jax.grad, as jaxpi
and most JAX PINN code write them), MSE, gradient, Adam update.
Usage: python jax_step_bench.py f32|f64 [threads]   (prints median ms over 50 steps)."""
import math, os, sys, time
prec = sys.argv[1] if len(sys.argv) > 1 else "f32"
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
if threads == 1:
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
import jax, jax.numpy as jnp
if prec == "f64":
    jax.config.update("jax_enable_x64", True)
dt = jnp.float64 if prec == "f64" else jnp.float32
NU, OMEGA, N, SIZES = 0.01 / math.pi, 1.0, 4096, [2, 64, 64, 64, 1]
key = jax.random.PRNGKey(0)
params = []
for i, o in zip(SIZES[:-1], SIZES[1:]):
    key, k1, k2 = jax.random.split(key, 3)
    params.append((jax.random.normal(k1, (i, o), dt) * math.sqrt(2 / i), jax.random.normal(k2, (o,), dt) * math.sqrt(2 / i)))

def u(params, t, x):
    h = jnp.stack([t, x])
    for l, (w, b) in enumerate(params):
        z = h @ w + b
        if l == 0: h = jnp.sin(OMEGA * z)
        elif l < len(params) - 1: h = jnp.sin(z)
        else: h = z
    return h[0]

def residual(params, t, x):
    uu = u(params, t, x)
    u_t = jax.grad(u, 1)(params, t, x)
    u_x = jax.grad(u, 2)(params, t, x)
    u_xx = jax.grad(jax.grad(u, 2), 2)(params, t, x)
    return u_t + uu * u_x - NU * u_xx

def loss(params, T, X):
    r = jax.vmap(residual, (None, 0, 0))(params, T, X)
    return jnp.mean(r ** 2)

@jax.jit
def step(params, m, v, k, T, X):
    g = jax.grad(loss)(params, T, X)
    m = jax.tree_util.tree_map(lambda a, b: 0.9 * a + 0.1 * b, m, g)
    v = jax.tree_util.tree_map(lambda a, b: 0.999 * a + 0.001 * b * b, v, g)
    lr = 1e-3 * jnp.sqrt(1 - 0.999 ** k) / (1 - 0.9 ** k)
    params = jax.tree_util.tree_map(lambda p, a, b: p - lr * a / (jnp.sqrt(b) + 1e-8), params, m, v)
    return params, m, v

key, k1, k2 = jax.random.split(key, 3)
T = jax.random.uniform(k1, (N,), dt)
X = jax.random.uniform(k2, (N,), dt) * 2 - 1
m = jax.tree_util.tree_map(jnp.zeros_like, params)
v = jax.tree_util.tree_map(jnp.zeros_like, params)
params, m, v = step(params, m, v, 1.0, T, X)
jax.block_until_ready(params)
times = []
for k in range(2, 52):
    t0 = time.perf_counter()
    params, m, v = step(params, m, v, float(k), T, X)
    jax.block_until_ready(params)
    times.append(time.perf_counter() - t0)
times.sort()
print(f"jax {jax.__version__} {prec} threads={threads}: median {1e3*times[len(times)//2]:.2f} ms, min {1e3*times[0]:.2f} ms")
