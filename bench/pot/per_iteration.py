"""POT's sinkhorn_log cost per iteration on the time_to_solution.py data (x{n}.csv, y{n}.csv), for sizes where a
converged run takes hours: runs exactly --iters iterations (stopThr 0) and prints seconds per iteration, so that a
lower bound on POT's time to solution is (iterations POT needs at a smaller n) x (seconds per iteration here).
Run: /usr/bin/python3 bench/pot/per_iteration.py --data DIR --n 4000 --eps 0.001 [--iters 100]"""
import argparse, os, time
import numpy as np, ot

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--n", type=int, default=4000)
ap.add_argument("--eps", type=float, default=0.001)
ap.add_argument("--iters", type=int, default=100)
args = ap.parse_args()
x = np.loadtxt(os.path.join(args.data, f"x{args.n}.csv"), delimiter=",")
y = np.loadtxt(os.path.join(args.data, f"y{args.n}.csv"), delimiter=",")
a = b = np.full(args.n, 1.0 / args.n)
t0 = time.perf_counter()
M = ot.dist(x, y)
P, log = ot.bregman.sinkhorn_log(a, b, M, args.eps, numItermax=args.iters, stopThr=0.0, log=True, warn=False)
t = time.perf_counter() - t0
print(f"POT sinkhorn_log n=m={args.n} eps={args.eps}: {args.iters} iterations in {t:.2f} s, {t / args.iters * 1e3:.1f} ms per iteration", flush=True)
