#!/usr/bin/python3
"""Reference values for unbalanced entropic OT (test/ot-unbalanced.test.ts), from POT.

    /usr/bin/python3 test/ot/reference/make_unbalanced.py   # writes test/ot/reference/ot-unbalanced-pot.json

Problem (meanfield's convention, DESIGN.md): C_ij = |x_i - y_j|^2 (not halved),
    OT_{eps,rho}(a, b) = min_P <P, C> + eps KL(P | a x b) + rho KL(P 1 | a) + rho KL(P^T 1 | b)
with the generalised KL(p | q) = sum p log(p / q) - p + q and a, b NOT normalised.

POT 0.8.2's ot.unbalanced.sinkhorn_unbalanced(a, b, M, reg, reg_m) regularises with the entropy
sum P log P (kernel exp(-M / reg)), not KL(P | a x b). Since
    eps KL(P | a x b) = eps sum P (log P - 1) - eps <P, log(a x b)> + eps m(a) m(b),
meanfield's problem is POT's with reg = eps, reg_m = rho and M_ij = C_ij - eps log(a_i b_j).
We pass that M, then evaluate everything (cost, objective, marginals) with the true C.
sinkhorn_unbalanced2 returns <P, M> for the M it is given (not the objective); we record it beside <P, M> of the plan.

Both POT variants, 'sinkhorn_stabilized' (log-domain absorption) and plain 'sinkhorn', are run to
stopThr = 1e-15 and the one with the smaller fixed-point residual is kept (POT 0.8.2's stabilised
variant diverges on some cases: its 1e-16 guard in a / (Kv + 1e-16) swamps tiny Kv). The script then
records the fixed-point residual (the L1 distance of P's marginals to a e^{-f/rho}, b e^{-g/rho})
and the duality gap primal(P) - dual(f, g), which bound how far the reference is from the optimum.
"""
import json
import os
import sys

import numpy as np
import ot

np.seterr(all='raise')


def gkl(p, q):
    """Generalised KL(p | q) with 0 log 0 = 0."""
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    s = np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / q), 0.0)
    return float(np.sum(s - p + q))


def solve(x, y, a, b, eps, rho):
    C = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    M = C - eps * np.log(a)[:, None] - eps * np.log(b)[None, :]
    best = None
    for method in ('sinkhorn_stabilized', 'sinkhorn'):
        with np.errstate(all='ignore'):
            P, log = ot.unbalanced.sinkhorn_unbalanced(a, b, M, eps, rho, method=method,
                                                       numItermax=200000, stopThr=1e-15, log=True)
        f = eps * log['logu']
        g = eps * log['logv']
        if not (np.all(np.isfinite(P)) and np.all(np.isfinite(f)) and np.all(np.isfinite(g))):
            continue
        # The plan as POT defines it from its scalings: P = exp(logu + logv - M / eps) = a b e^{(f + g - C)/eps}.
        r, c = P.sum(1), P.sum(0)
        residual = float(np.abs(r - a * np.exp(-f / rho)).sum() + np.abs(c - b * np.exp(-g / rho)).sum())
        if best is None or residual < best[0]:
            best = (residual, method, P, f, g, r, c)
    residual, method, P, f, g, r, c = best
    cost = float(np.sum(P * C))
    primal = cost + eps * gkl(P.ravel(), np.outer(a, b).ravel()) + rho * gkl(r, a) + rho * gkl(c, b)
    dual = float(np.sum(a * rho * -np.expm1(-f / rho)) + np.sum(b * rho * -np.expm1(-g / rho))
                 - eps * (P.sum() - a.sum() * b.sum()))
    # (the stabilised sinkhorn_unbalanced2 takes log M, so it refuses M <= 0: the plain variant here)
    with np.errstate(all='ignore'):
        loss2 = float(ot.unbalanced.sinkhorn_unbalanced2(a, b, M, eps, rho, method='sinkhorn',
                                                         numItermax=200000, stopThr=1e-15))
    return dict(method=method, C=C, M=M, P=P, f=f, g=g, r=r, c=c, cost=cost, primal=primal, dual=dual, residual=residual,
                pot_loss2=loss2, plan_M=float(np.sum(P * M)))


def main():
    rng = np.random.default_rng(20240613)
    cases = []
    specs = []
    k = 0
    for d in (1, 2, 3):
        for eps in (0.05, 0.2, 1.0):
            for rho in (0.1, 1.0, 10.0):
                specs.append((d, eps, rho))
    for (d, eps, rho) in specs:
        n = int(rng.integers(3, 9))
        m = int(rng.integers(3, 9))
        x = rng.uniform(0, 1, size=(n, d))
        y = rng.normal(0.6, 0.3, size=(m, d))
        # Unequal total masses (every other case from the same law with a different total).
        a = rng.uniform(0.2, 1.2, size=n)
        b = rng.uniform(0.2, 1.2, size=m)
        if k % 3 == 0:
            a = a / a.sum()
            b = b / b.sum()
        elif k % 3 == 1:
            a = 1.7 * a / a.sum()
            b = 0.6 * b / b.sum()
        s = solve(x, y, a, b, eps, rho)
        gap = s['primal'] - s['dual']
        if not (abs(gap) < 1e-10 and s['residual'] < 1e-10):
            print(f'case {k}: d={d} eps={eps} rho={rho} not tight: gap {gap:.2e} residual {s["residual"]:.2e}', file=sys.stderr)
        cases.append(dict(
            name=f'd{d}-eps{eps}-rho{rho}-n{n}m{m}-mass{a.sum():.2f}:{b.sum():.2f}',
            n=n, m=m, d=d, eps=eps, reach=rho,
            x=x.ravel().tolist(), y=y.ravel().tolist(), a=a.tolist(), b=b.tolist(),
            cost=s['cost'], objective=s['primal'], dual=s['dual'],
            rowMarginal=s['r'].tolist(), colMarginal=s['c'].tolist(), mass=float(s['P'].sum()),
            f=s['f'].tolist(), g=s['g'].tolist(), plan=s['P'].ravel().tolist(),
            method=s['method'], potLoss2=s['pot_loss2'], planM=s['plan_M'],
            gap=gap, residual=s['residual'],
        ))
        k += 1
    out = dict(
        generator='test/ot/reference/make_unbalanced.py',
        pot=ot.__version__, numpy=np.__version__,
        convention='C = |x - y|^2; OT = min <P,C> + eps KL(P|a x b) + reach KL(P1|a) + reach KL(P^T 1|b); '
                   'POT called with M = C - eps log(a x b), reg = eps, reg_m = reach, stopThr 1e-15, the variant with the smaller residual',
        cases=cases,
    )
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ot-unbalanced-pot.json')
    with open(path, 'w') as fh:
        json.dump(out, fh, indent=1)
        fh.write('\n')
    print(f'{len(cases)} cases -> {path}; max gap {max(abs(c["gap"]) for c in cases):.2e}, '
          f'max residual {max(c["residual"] for c in cases):.2e}, '
          f'max |loss2 - <P,M>| {max(abs(c["potLoss2"] - c["planM"]) for c in cases):.2e}')


if __name__ == '__main__':
    main()
