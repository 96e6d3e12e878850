/* Ceiling probe for the phase-diagram batch: B systems of n = 32 on S^7 (d = 8), f32, one
 * softmax-attention pass per system (scores, fixed shift beta, exp, weighted mean), SSE4.2 or native. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static inline float fexp(float x) {
  x = x < -87.0f ? -87.0f : x;
  float k = __builtin_roundf(x * 1.44269504f);
  float r = x - k * 0.693145752f - k * 1.42860677e-6f;
  float p = 1.98756912e-4f;
  p = p * r + 1.39819317e-3f; p = p * r + 8.33345205e-3f; p = p * r + 4.16657962e-2f;
  p = p * r + 1.66666672e-1f; p = p * r + 0.5f; p = p * r * r + r + 1.0f;
  int32_t e = ((int32_t)k + 127) << 23; float s; memcpy(&s, &e, 4); return p * s;
}
#define N 32
#define D 8
int main(void) {
  int B = 2048; const float beta = 4.0f;
  float *x = malloc(sizeof(float) * B * D * N), *v = malloc(sizeof(float) * B * N * D);
  srand(1);
  for (int i = 0; i < B * N; i++) { float a = 0; float t[D]; for (int c = 0; c < D; c++) { t[c] = rand() / (float)RAND_MAX - 0.5f; a += t[c]*t[c]; } a = sqrtf(a);
    int b = i / N, j = i % N; for (int c = 0; c < D; c++) x[(b * D + c) * N + j] = t[c] / a; } /* SoA per system */
  double best = 1e9; float check = 0;
  for (int rep = 0; rep < 20; rep++) {
    double t0 = now();
    for (int b = 0; b < B; b++) {
      const float *xs = x + b * D * N;
      for (int i = 0; i < N; i++) {
        float q[D]; for (int c = 0; c < D; c++) q[c] = beta * xs[c * N + i];
        float w[N], den = 0;
#pragma omp simd reduction(+ : den)
        for (int j = 0; j < N; j++) { float s = -beta; for (int c = 0; c < D; c++) s += q[c] * xs[c * N + j]; w[j] = fexp(s); den += w[j]; }
        for (int c = 0; c < D; c++) { float acc = 0;
#pragma omp simd reduction(+ : acc)
          for (int j = 0; j < N; j++) acc += w[j] * xs[c * N + j];
          v[(b * N + i) * D + c] = acc / den; }
      }
    }
    double t = now() - t0; if (t < best) best = t; check += v[5];
  }
  printf("%.3f ns/pair (batch B=%d n=%d d=%d f32, check %g)\n", best * 1e9 / ((double)B * N * N), B, N, D, check);
  return 0;
}
